import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { describeObject } from '../phases/init/cluster-api.js';
import { createInitData, rootfsFlag, type InitData } from '../phases/init/data.js';
import { initPhases } from '../phases/init/index.js';
import { runPhases, type PhaseTiming, type RunSelection } from '../phases/workflow.js';
import { containerRuntime } from '../runtime/connect.js';
import { ADMIN_KUBECONFIG, KUBELET_ROOT_DIR } from '../util/constants.js';
import { Host } from '../util/host.js';
import { checkInitConfiguration, refuseProblems } from '../phases/init/check-config.js';
import { loadConfigFromOptions, type ConfigOptions } from './config-options.js';
import { printConfigWarnings } from './config-warnings.js';
import { nodeRuntimeFlags, runtimeChoice, type RuntimeFlags } from './runtime-options.js';

const took = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

/** `kubeboot init` and `kubeboot init phase <name>`: the same phases, the same data, one runner. */
export interface InitCommandOptions extends ConfigOptions, RuntimeFlags {
  dryRun?: boolean;
  verbose?: boolean;
  uploadCerts?: boolean;
  skipTokenPrint?: boolean;
  skipCertificateKeyPrint?: boolean;
}

export async function runInitCommand(allOptions: InitCommandOptions, selection: RunSelection): Promise<void> {
  // The runtime flags are the node's, not the cluster's: allowed beside --config.
  const { containerRuntime: kind, containerRuntimeEndpoint, processBinDir, ...options } = allOptions;
  const loaded = await loadConfigFromOptions(options, true);
  const { config } = loaded;
  const machine = await Host.open(options.rootfs);
  // What init would refuse later (phase names, patches, the rendered manifests), refused now with the file's own problems, all at once.
  const { patches, problems } = await checkInitConfiguration(loaded, machine);
  refuseProblems(loaded, problems);
  printConfigWarnings(problems);
  const given: RuntimeFlags = { containerRuntime: kind ?? 'docker', ...(containerRuntimeEndpoint ? { containerRuntimeEndpoint } : {}), ...(processBinDir ? { processBinDir } : {}) };
  const runtimeFlags = nodeRuntimeFlags(given);
  // --skip-phases lands in InitConfiguration.skipPhases with the file's own (kubeadm honours both).
  const skip = selection.only ? [] : config.init.skipPhases;
  for (const line of patches?.ignored ?? []) process.stderr.write(`${line}\n`);
  const runtime = await containerRuntime(await runtimeChoice(given, machine));
  // A dry run writes into a throw-away folder (kubeadm: /etc/kubernetes/tmp/kubeadm-init-dryrun*) and starts
  // nothing. Made once every refusal above has had its say; removed when a phase fails (-v keeps it on success).
  const dryRunDir = options.dryRun ? await mkdtemp(join(tmpdir(), 'kubeboot-init-dryrun-')) : undefined;
  const started = Date.now();
  const timings: PhaseTiming[] = [];
  let data: InitData | undefined;
  let succeeded = false;
  try {
    data = createInitData({
      config,
      ...(patches ? { patches } : {}),
      machine,
      runtime,
      runtimeFlags,
      ...(dryRunDir ? { dryRunDir } : {}),
      uploadCerts: Boolean(options.uploadCerts),
      skipTokenPrint: Boolean(options.skipTokenPrint),
      skipCertificateKeyPrint: Boolean(options.skipCertificateKeyPrint),
    });
    await runPhases(initPhases, data, { ...selection, skip }, { verbose: Boolean(options.verbose), timings });
    succeeded = true;
  } finally {
    for (const close of data?.closers ?? []) close();
    for (const warning of data?.warnings ?? []) process.stderr.write(`\t[WARNING ${warning.name}]: ${warning.message}\n`);
    if (dryRunDir && !(options.verbose && succeeded)) await rm(dryRunDir, { recursive: true, force: true }).catch(() => undefined);
  }
  // runPhases returned, so createInitData did too.
  reportInit(data!, { dryRunDir, verbose: Boolean(options.verbose), only: selection.only, started, timings });
}

/** What init prints once its phases ran: the dry run's files, a phase's summary, or kubeadm's banner. */
function reportInit(data: InitData, run: { dryRunDir: string | undefined; verbose: boolean; only: string | undefined; started: number; timings: PhaseTiming[] }): void {
  const { dryRunDir, timings, started } = run;
  const summary = timings.filter((t) => !t.skipped).map((t) => `${t.name} ${took(t.ms)}`).join(', ');
  if (data.uploadCerts && data.certificateKey && !data.skipCertificateKeyPrint && !data.joinCommands) {
    process.stdout.write(`[upload-certs] Using certificate key:\n${data.certificateKey}\n`);
  }
  if (dryRunDir) {
    printDryRun(data);
    if (data.joinCommands) process.stdout.write(`\n${data.joinCommands}`);
    process.stdout.write(`\n[dryrun] The phases ran against a throw-away folder${run.verbose ? ` (kept: ${dryRunDir})` : ' (removed; -v keeps it)'}; nothing was started. ${summary}\n`);
  } else if (run.only) {
    process.stdout.write(`${data.joinCommands ?? ''}[init] ${summary}\n`);
  } else {
    printBanner(data, summary, Date.now() - started);
  }
}

/** kubeadm's dry run prints the manifests and kubelet files it would write (not keys or kubeconfigs), and the objects it would create. */
export function printDryRun(data: InitData): void {
  const shown = [data.config.kubelet.staticPodPath, KUBELET_ROOT_DIR];
  for (const file of data.host.written.filter((f) => shown.some((dir) => f.path.startsWith(`${dir}/`)))) {
    process.stdout.write(`[dryrun] Would write file ${JSON.stringify(file.path)} with content:\n${file.content.replace(/^/gm, '\t')}\n`);
  }
  for (const object of data.dryRunObjects) {
    process.stdout.write(`[dryrun] Would create or update ${describeObject(object)}:\n${stringify(object, { lineWidth: 0 }).replace(/^/gm, '\t')}\n`);
  }
}

function printBanner(data: InitData, summary: string, ms: number): void {
  const node = data.config.init.nodeRegistration.name;
  process.stdout.write(
    [
      '',
      `Your Kubernetes control plane has initialized successfully on node ${node} in ${took(ms)}.`,
      `  ${summary}`,
      '',
      'To use it, as kubeadm prints it:',
      `  export KUBECONFIG=${data.machine.path(ADMIN_KUBECONFIG)}`,
      '  kubectl get pods -n kube-system',
      '',
      `The static pods, as the reconciler runs them: kubeboot ps --node-name ${node}`,
      ...(data.joinCommands ? ['', data.joinCommands] : []),
      ...(data.reconciler ? [`The reconciler: pid ${data.reconciler.pid}, log ${data.reconciler.logFile}`] : []),
      ...(data.unit ? [`The reconciler: systemd unit ${data.unit} (systemctl status ${data.unit}; journalctl -u ${data.unit})`] : []),
      `Undo everything: kubeboot reset${rootfsFlag(data)}`,
      '',
    ].join('\n'),
  );
}
