import { createTwoFilesPatch } from 'diff';
import { addonImages, imageOf } from '../config/images.js';
import { DEFAULT_KUBERNETES_VERSION, parseKubernetesVersion, type KubernetesVersion } from '../config/versions.js';
import { atVersion, clusterVersion, loadUpgradeConfig, type UpgradeData } from '../phases/upgrade/data.js';
import { upgradePhases } from '../phases/upgrade/index.js';
import { imageTag, plannedManifests } from '../phases/upgrade/manifests.js';
import { checkSkew } from '../phases/upgrade/skew.js';
import { runPhases, type PhaseTiming } from '../phases/workflow.js';
import type { KubebootConfig } from '../config/types.js';
import { readPatches, type PatchSet } from '../render/patches.js';
import { connectRuntime } from '../runtime/connect.js';
import { parseGoDuration } from '../util/duration.js';
import { KubebootError, UsageError } from '../util/errors.js';
import { Host } from '../util/host.js';
import type { UpgradeOptions } from './upgrade.js';
import { runtimeChoice } from './runtime-options.js';

function versionArg(text: string): KubernetesVersion {
  const version = parseKubernetesVersion(text);
  if (!version) throw new UsageError(`version: got ${JSON.stringify(text)}, expected vX.Y.Z (e.g. ${DEFAULT_KUBERNETES_VERSION})`);
  return version;
}

/** The node, its configuration (the cluster's ClusterConfiguration) and its runtime. */
async function open(options: UpgradeOptions) {
  if (!options.rootDir.startsWith('/')) throw new UsageError(`--root-dir: got ${JSON.stringify(options.rootDir)}, expected an absolute path`);
  const host = await Host.open(options.rootfs);
  const { config, api } = await loadUpgradeConfig(host, options.config);
  const runtime = await connectRuntime(await runtimeChoice(options, host, options.rootDir));
  return { host, config, api, runtime };
}

/**
 * The patches of this node: --patches, else the folder init or join used (kept in the node's record), so
 * that the new manifests keep the node's own changes (kubeadm makes the user repeat --patches).
 */
async function nodePatches(config: KubebootConfig, flag: string | undefined): Promise<PatchSet | undefined> {
  const dir = flag ?? config.init.patches?.directory;
  if (!dir) return undefined;
  const set = await readPatches(dir);
  for (const line of set.ignored ?? []) process.stderr.write(`${line}\n`);
  return set;
}

/** The version this node's control plane runs: its kube-apiserver manifest's image tag, else the cluster's. */
function nodeVersion(manifests: Awaited<ReturnType<typeof plannedManifests>>, fallback: KubernetesVersion): KubernetesVersion {
  const tag = imageTag(manifests.find((m) => m.component === 'kube-apiserver')?.currentImage);
  return (tag && parseKubernetesVersion(tag)) || fallback;
}

export async function runPlan(version: string | undefined, options: UpgradeOptions & { output: string }): Promise<void> {
  const { host, config, api } = await open(options);
  api.close();
  const current = clusterVersion(config);
  const newest = parseKubernetesVersion(DEFAULT_KUBERNETES_VERSION)!;
  const target = version ? versionArg(version) : newest;
  const skew = checkSkew(current, target);
  const upToDate = !version && (newest.minor < current.minor || (newest.minor === current.minor && newest.patch <= current.patch));
  const manifests = await plannedManifests(host, atVersion(config, target), await nodePatches(config, undefined));
  const node = config.init.nodeRegistration.name;
  const components = manifests.map((m) => ({ component: m.component, node, current: m.currentImage ?? null, target: m.nextImage, changes: m.changed }));
  // What kubeadm pairs with the version but this upgrade does not change: the sandbox image (the node's
  // runtime setting) and the addons, shown so that the pairing is known.
  const targetCluster = atVersion(config, target).cluster;
  const paired = [
    { what: 'pause (sandbox image, kubeadm-flags.env)', current: imageOf(config.cluster, 'pause') ?? null, target: imageOf(targetCluster, 'pause') ?? null },
    { what: 'CoreDNS (addon)', current: addonImages(config.cluster).coredns, target: addonImages(targetCluster).coredns },
    { what: 'kube-proxy (addon)', current: addonImages(config.cluster).kubeProxy, target: addonImages(targetCluster).kubeProxy },
  ];
  if (options.output === 'json') {
    process.stdout.write(`${JSON.stringify({ clusterVersion: current.text, nodeVersion: nodeVersion(manifests, current).text, targetVersion: upToDate ? null : target.text, skew, components, notUpgraded: paired }, null, 2)}\n`);
    return;
  }
  const lines = [`Cluster version: ${current.text} (ConfigMap kube-system/kubeadm-config); this node runs ${nodeVersion(manifests, current).text}`];
  if (upToDate) {
    lines.push(`The newest version kubeboot renders is ${newest.text}: there is nothing newer to go to.`);
  } else {
    lines.push(`Target: ${target.text}${skew.errors.length > 0 ? ' — NOT POSSIBLE:' : ''}`, ...skew.errors.map((e) => `  ${e}`), ...skew.warnings.map((w) => `  warning: ${w}`), '');
    const rows = [['COMPONENT', 'NODE', 'CURRENT', 'TARGET'], ...components.map((c) => [c.component, c.node, c.current ?? '-', c.changes ? c.target : `${c.target} (unchanged)`])];
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    lines.push(...rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]! + 3)).join('').trimEnd()));
    const moving = paired.filter((p) => p.current !== p.target);
    if (moving.length > 0) lines.push('', 'Paired with the version by kubeadm, not changed by this upgrade:', ...moving.map((p) => `  ${p.what}: ${p.current} → ${p.target}`));
    if (skew.errors.length === 0 && components.some((c) => c.changes)) {
      lines.push('', 'See the manifest changes with:', `\tkubeboot upgrade diff ${target.text}`, 'Upgrade this node and the cluster configuration with:', `\tkubeboot upgrade apply ${target.text}`, 'then each other control-plane node, one at a time, with:', '\tkubeboot upgrade node');
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

export async function runDiff(version: string, options: UpgradeOptions & { contextLines: string }): Promise<void> {
  const context = Number(options.contextLines);
  if (!Number.isInteger(context) || context < 0) throw new UsageError(`--context-lines: got ${JSON.stringify(options.contextLines)}, expected a number of lines`);
  const target = versionArg(version);
  const { host, config, api } = await open(options);
  api.close();
  const manifests = await plannedManifests(host, atVersion(config, target), await nodePatches(config, undefined));
  const changed = manifests.filter((m) => m.changed);
  if (changed.length === 0) {
    process.stdout.write(`No manifest changes: this node's manifests are ${target.text}'s already.\n`);
    return;
  }
  for (const m of changed) process.stdout.write(createTwoFilesPatch(m.path, m.path, m.current ?? '', m.next, 'current', target.text, { context }));
}

/** `upgrade apply <version>` and `upgrade node`: the phases, with a question first unless --yes or --dry-run. */
export async function runApply(mode: 'apply' | 'node', version: string | undefined, options: UpgradeOptions): Promise<void> {
  const timeoutMs = parseGoDuration(options.timeout);
  if (!(timeoutMs && timeoutMs > 0)) throw new UsageError(`--timeout: got ${JSON.stringify(options.timeout)}, expected a duration such as 5m`);
  const requested = version ? versionArg(version) : undefined;
  const { host, config, api, runtime } = await open(options);
  const patches = await nodePatches(config, options.patches);
  try {
    const cluster = clusterVersion(config);
    // apply: from the cluster's version to the one asked for; node: from this node's to the cluster's (apply stored it).
    const targetVersion = requested ?? cluster;
    const target = atVersion(config, targetVersion);
    const currentVersion = mode === 'apply' ? cluster : nodeVersion(await plannedManifests(host, target, patches), cluster);
    const data: UpgradeData = {
      host,
      runtime,
      rootDir: options.rootDir,
      mode,
      config,
      target,
      currentVersion,
      targetVersion,
      dryRun: Boolean(options.dryRun),
      etcdUpgrade: options.etcdUpgrade !== 'false',
      certificateRenewal: options.certificateRenewal !== 'false',
      ...(patches ? { patches } : {}),
      timeoutMs,
      manifests: [],
      swapped: [],
      api,
    };
    if (!data.dryRun && !options.yes) await confirm(`[upgrade] Upgrade ${mode === 'apply' ? 'the cluster and this node' : 'this node'} from ${currentVersion.text} to ${targetVersion.text}? [y/N]: `);
    const timings: PhaseTiming[] = [];
    const started = Date.now();
    await runPhases(upgradePhases, data, { skip: [] }, { verbose: Boolean(options.verbose), timings });
    const took = timings.filter((t) => !t.skipped).map((t) => `${t.name} ${(t.ms / 1000).toFixed(1)}s`).join(', ');
    const what = mode === 'apply' ? 'Your control plane' : `Node ${config.init.nodeRegistration.name}`;
    if (data.dryRun) process.stdout.write(`\n[upgrade/dryrun] Checked: nothing was changed. ${took}\n`);
    else if (data.swapped.length === 0) process.stdout.write(`\n[upgrade] ${what} is at ${targetVersion.text} already: nothing was changed.\n`);
    else process.stdout.write(`\n[upgrade] SUCCESS! ${what} was upgraded to ${targetVersion.text} in ${((Date.now() - started) / 1000).toFixed(1)}s.\n  ${took}\n  Backups: ${host.path(data.backupDir!)}${data.etcdBackupDir ? `, ${host.path(data.etcdBackupDir)}` : ''}\n${mode === 'apply' ? '  Next: kubeboot upgrade node on each other control-plane node, one at a time.\n' : ''}`);
  } finally {
    api.close();
  }
}

async function confirm(question: string): Promise<void> {
  if (!process.stdin.isTTY) throw new UsageError('the upgrade asks for confirmation, and there is no terminal to answer it', { hint: 'Add --yes (or try it first with --dry-run).' });
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    if (!/^y(es)?$/i.test((await rl.question(question)).trim())) throw new KubebootError('the upgrade was not confirmed; nothing was changed');
  } finally {
    rl.close();
  }
}
