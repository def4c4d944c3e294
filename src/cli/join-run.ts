import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectHost } from '../config/host.js';
import { createJoinData, joinConfiguration, type JoinRequest } from '../phases/join/data.js';
import { discoverWithFile, discoverWithToken, type DiscoveredCluster } from '../phases/join/discovery.js';
import { joinPhases } from '../phases/join/index.js';
import { checkPhaseNames, runPhases, type PhaseTiming, type RunSelection } from '../phases/workflow.js';
import { containerRuntime } from '../runtime/connect.js';
import { ADMIN_KUBECONFIG } from '../util/constants.js';
import { parseGoDuration } from '../util/duration.js';
import { UsageError } from '../util/errors.js';
import { printConfigWarnings } from './config-warnings.js';
import { Host } from '../util/host.js';
import { ApiClient, type ApiCredentials } from '../util/kube-api.js';
import { printDryRun } from './init-run.js';
import type { JoinCliOptions } from './join.js';

const took = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

/** kubeadm's ValidateMixedArguments for join: beside --config only these (and --skip-*) may be given. */
const ALLOWED_WITH_CONFIG = new Set(['config', 'ignorePreflightErrors', 'dryRun', 'nodeName', 'rootfs', 'verbose', 'endpoint']);

/** The options a JoinConfiguration file gives, in the flags' terms; flags kubeadm forbids beside --config are a usage error. */
async function optionsFromFile(options: JoinCliOptions): Promise<JoinCliOptions & { discoveryTimeout?: string; timeouts?: Record<string, string> }> {
  const mixed = Object.entries(options)
    .filter(([name, value]) => value !== undefined && !ALLOWED_WITH_CONFIG.has(name) && !name.startsWith('skip'))
    .map(([name]) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`))
    .sort();
  if (mixed.length > 0) throw new UsageError(`can not mix '--config' with arguments [${mixed.join(' ')}]`, { hint: 'Set these in the JoinConfiguration instead.' });
  const { loadJoinConfiguration } = await import('../config/join-config.js');
  const { fields, warnings } = await loadJoinConfiguration(options.config!);
  printConfigWarnings(warnings);
  if (options.endpoint && options.endpoint !== fields.endpoint) process.stderr.write(`warning: the endpoint ${options.endpoint} on the command line is ignored: --config names ${fields.endpoint}\n`);
  return {
    controlPlane: true,
    ...(fields.endpoint ? { endpoint: fields.endpoint } : {}),
    ...(fields.discoveryFile ? { discoveryFile: fields.discoveryFile } : {}),
    ...(fields.token ? { token: fields.token } : {}),
    discoveryTokenCaCertHash: fields.caCertHashes,
    discoveryTokenUnsafeSkipCaVerification: fields.unsafeSkipCAVerification,
    ...(fields.certificateKey ? { certificateKey: fields.certificateKey } : {}),
    ...(fields.advertiseAddress ? { apiserverAdvertiseAddress: fields.advertiseAddress } : {}),
    ...(fields.bindPort ? { apiserverBindPort: fields.bindPort } : {}),
    ...(fields.patchesDirectory ? { patches: fields.patchesDirectory } : {}),
    ...(fields.discoveryTimeout ? { discoveryTimeout: fields.discoveryTimeout } : {}),
    ...(Object.keys(fields.timeouts).length > 0 ? { timeouts: fields.timeouts } : {}),
    nodeName: options.nodeName ?? fields.nodeName,
    skipPhases: [...fields.skipPhases, ...(options.skipPhases ?? [])],
    ignorePreflightErrors: [...fields.ignorePreflightErrors, ...(options.ignorePreflightErrors ?? [])],
    dryRun: Boolean(options.dryRun) || fields.dryRun,
    ...(options.rootfs !== undefined ? { rootfs: options.rootfs } : {}),
    ...(options.verbose !== undefined ? { verbose: options.verbose } : {}),
  };
}

/** Every problem with join's command line at once (exit 2), before anything is contacted. */
function requestFrom(options: JoinCliOptions, host: { hostname: string; defaultAddress?: string }): JoinRequest {
  const problems: string[] = [];
  const file = options.discoveryFile;
  if (!options.endpoint && !file) problems.push('the API server endpoint (host:port, as init printed it) is required');
  if (!options.controlPlane) problems.push('kubeboot join makes control-plane nodes: add --control-plane (worker nodes join with kubeadm join and the kubelet; init printed that command)');
  if (!options.token && !file) problems.push('--token is required (kubeboot token create prints one on a control-plane node)');
  if (!file && !options.discoveryTokenCaCertHash?.length && !options.discoveryTokenUnsafeSkipCaVerification) problems.push('--discovery-token-ca-cert-hash is required (or --discovery-token-unsafe-skip-ca-verification, which is unsafe)');
  if (file && (options.discoveryTokenCaCertHash?.length || options.discoveryTokenUnsafeSkipCaVerification)) problems.push('--discovery-file and --discovery-token-ca-cert-hash / --discovery-token-unsafe-skip-ca-verification are two ways of discovery: give one');
  const advertiseAddress = options.apiserverAdvertiseAddress ?? host.defaultAddress;
  if (!advertiseAddress) problems.push('--apiserver-advertise-address is required: this machine has no default-route address');
  if (problems.length > 0) throw new UsageError(problems.length === 1 ? problems[0]! : `${problems.length} problems with the command line`, problems.length > 1 ? { details: problems } : {});
  return {
    endpoint: options.endpoint ?? '',
    ...(options.token ? { token: options.token } : {}),
    ...(file ? { discoveryFile: file } : {}),
    caCertHashes: options.discoveryTokenCaCertHash ?? [],
    unsafeSkipCAVerification: Boolean(options.discoveryTokenUnsafeSkipCaVerification),
    ...(options.certificateKey ? { certificateKey: options.certificateKey } : {}),
    nodeName: options.nodeName ?? host.hostname,
    advertiseAddress: advertiseAddress!,
    bindPort: options.apiserverBindPort ?? 6443,
    ...(options.patches ? { patchesDirectory: options.patches } : {}),
    skipPhases: options.skipPhases ?? [],
    ignorePreflightErrors: options.ignorePreflightErrors ?? [],
    ...('timeouts' in options && options.timeouts ? { timeouts: options.timeouts as Record<string, string> } : {}),
  };
}

/**
 * `kubeboot join --control-plane` and `join phase <name>`: discovery first (the cluster is trusted before
 * anything is written), then the cluster's configuration read with the token, then the phases.
 */
export async function runJoinCommand(given: JoinCliOptions, selection: RunSelection): Promise<void> {
  const facts = await detectHost();
  const options = given.config ? await optionsFromFile(given) : given;
  const request = requestFrom(options, facts);
  const discoveryTimeoutMs = 'discoveryTimeout' in options && typeof options.discoveryTimeout === 'string' ? parseGoDuration(options.discoveryTimeout) : undefined;
  const skip = selection.only ? [] : request.skipPhases;
  checkPhaseNames(joinPhases, skip, '--skip-phases');
  const machine = await Host.open(options.rootfs);
  let discovered: DiscoveredCluster & { user?: ApiCredentials };
  if (request.discoveryFile) {
    process.stdout.write(`[discovery] Reading the cluster from ${request.discoveryFile}\n`);
    discovered = await discoverWithFile(request.discoveryFile);
    process.stdout.write(`[discovery] The API server at ${discovered.server} holds the file's CA\n`);
  } else {
    process.stdout.write(`[discovery] Trying the API server at ${request.endpoint} with token ${request.token!.split('.')[0]}\n`);
    discovered = await discoverWithToken({ endpoint: request.endpoint, token: request.token!, caCertHashes: request.caCertHashes, unsafeSkipCAVerification: request.unsafeSkipCAVerification, ...(discoveryTimeoutMs ? { timeoutMs: discoveryTimeoutMs } : {}) });
    process.stdout.write(`[discovery] Cluster info signature and contents are valid; the CA is pinned. Using the API server at ${discovered.server}\n`);
  }
  // The cluster's configuration is read as the token (kubeadm's TLS-bootstrap identity), or as the discovery file's user.
  const identity = request.token ? { token: request.token } : discovered.user?.cert ? { cert: discovered.user.cert, key: discovered.user.key! } : discovered.user?.token ? { token: discovered.user.token } : undefined;
  if (!identity) throw new UsageError('the discovery file has no user: give --token to read the cluster configuration with');
  const tokenClient = new ApiClient({ server: discovered.server, ca: discovered.ca, ...identity });
  let config;
  try {
    config = await joinConfiguration(tokenClient, request, facts);
  } catch (err) {
    tokenClient.close();
    throw err;
  }
  const patches = config.init.patches?.directory ? await (await import('../render/patches.js')).readPatches(config.init.patches.directory) : undefined;
  for (const line of patches?.ignored ?? []) process.stderr.write(`${line}\n`);
  const dryRunDir = options.dryRun ? await mkdtemp(join(tmpdir(), 'kubeboot-join-dryrun-')) : undefined;
  const data = createJoinData({ request, discovered, tokenClient, config, machine, runtime: await containerRuntime(), ...(dryRunDir ? { dryRunDir } : {}), ...(patches ? { patches } : {}) });
  const started = Date.now();
  const timings: PhaseTiming[] = [];
  try {
    await runPhases(joinPhases, data, { ...selection, skip }, { verbose: Boolean(options.verbose), timings });
  } catch (err) {
    process.stderr.write(`\nThe join stopped. What it made on this node is undone by: kubeboot reset${machine.rootfs ? ` --rootfs ${machine.rootfs}` : ''}\n`);
    throw err;
  } finally {
    for (const close of data.closers) close();
    for (const warning of data.warnings) process.stderr.write(`\t[WARNING ${warning.name}]: ${warning.message}\n`);
    if (dryRunDir) await rm(dryRunDir, { recursive: true, force: true }).catch(() => undefined);
  }
  const summary = timings.filter((t) => !t.skipped).map((t) => `${t.name} ${took(t.ms)}`).join(', ');
  if (dryRunDir) printDryRun(data);
  if (dryRunDir || selection.only) {
    process.stdout.write(`[join] ${dryRunDir ? 'dry run, nothing was started or added: ' : ''}${summary}\n`);
    return;
  }
  const node = config.init.nodeRegistration.name;
  process.stdout.write(
    [
      '',
      `This node (${node}) has joined the cluster as a control-plane node in ${took(Date.now() - started)}:`,
      '  * its certificates were made from the cluster CA and its etcd member was added and promoted',
      '  * the control plane is running here, and the node is labelled and tainted as a control plane',
      `  ${summary}`,
      '',
      'To use the cluster from this node:',
      `  export KUBECONFIG=${machine.path(ADMIN_KUBECONFIG)}`,
      '  kubectl get nodes',
      '',
      `The static pods: kubeboot ps --node-name ${node}; undo: kubeboot reset${machine.rootfs ? ` --rootfs ${machine.rootfs}` : ''}`,
      '',
    ].join('\n'),
  );
}
