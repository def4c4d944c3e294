import { Argument, Command } from 'commander';
import { addConfigFileOptions, addInitConfigFlags, loadConfigFromOptions, type ConfigOptions } from './config-options.js';
import { withExamples } from './help.js';

const CERT_NAMES = ['all', 'ca', 'apiserver', 'apiserver-kubelet-client', 'front-proxy-ca', 'front-proxy-client', 'etcd-ca', 'etcd-server', 'etcd-peer', 'etcd-healthcheck-client', 'apiserver-etcd-client', 'sa'];
const KUBECONFIG_NAMES = ['all', 'admin', 'super-admin', 'kubelet', 'controller-manager', 'scheduler'];

function certsPhase(): Command {
  const command = new Command('certs')
    .description('make the certificates and keys kubeadm makes, in certificatesDir (existing valid ones are kept)')
    .addArgument(new Argument('[name]', 'one certificate, or all').choices(CERT_NAMES).default('all'));
  addInitConfigFlags(addConfigFileOptions(command)).action(async (name: string, options: ConfigOptions) => {
    const { config } = await loadConfigFromOptions(options);
    const { ensureCertificates } = await import('../pki/certificates.js');
    process.stdout.write(`[certs] Using certificateDir folder "${config.cluster.certificatesDir}"\n`);
    const results = await ensureCertificates(config, { ...(options.rootfs ? { rootfs: options.rootfs } : {}), ...(name === 'all' ? {} : { only: [name] }) });
    for (const result of results) {
      const what = result.name === 'sa' ? '"sa" key and public key' : `"${result.name}" certificate and key`;
      const verb = { created: 'Generating', reused: 'Using existing', external: 'Using existing externally managed' }[result.action];
      process.stdout.write(`[certs] ${verb} ${what}\n`);
    }
  });
  return withExamples(command, [
    ['kubeboot init phase certs --config kubeboot.yaml', 'every certificate'],
    ['kubeboot init phase certs apiserver --apiserver-cert-extra-sans lb.example.com', 'only the API server certificate (its CA must exist)'],
    ['kubeboot init phase certs --config kubeboot.yaml --rootfs /tmp/node1', 'into a throw-away folder'],
  ]);
}

function kubeconfigPhase(): Command {
  const command = new Command('kubeconfig')
    .description('write the admin, super-admin, kubelet, controller-manager and scheduler kubeconfig files (mode 0600)')
    .addArgument(new Argument('[name]', 'one kubeconfig, or all').choices(KUBECONFIG_NAMES).default('all'));
  addInitConfigFlags(addConfigFileOptions(command)).action(async (name: string, options: ConfigOptions) => {
    const { config } = await loadConfigFromOptions(options);
    const { ensureKubeconfigs } = await import('../pki/kubeconfig.js');
    const { results, warnings } = await ensureKubeconfigs(config, { ...(options.rootfs ? { rootfs: options.rootfs } : {}), ...(name === 'all' ? {} : { only: [name] }) });
    for (const warning of warnings) process.stderr.write(`[kubeconfig] WARNING: ${warning}\n`);
    for (const result of results) {
      process.stdout.write(`[kubeconfig] ${result.action === 'created' ? 'Writing' : 'Using existing'} "${result.file.split('/').pop()}" kubeconfig file\n`);
    }
  });
  return withExamples(command, [
    ['kubeboot init phase kubeconfig --config kubeboot.yaml', 'every kubeconfig file'],
    ['kubeboot init phase kubeconfig admin --rootfs /tmp/node1', 'only admin.conf, in a throw-away folder'],
  ]);
}

/** Prints what a phase wrote (or, with --dry-run, every file it would write, with its content). */
function reportFiles(prefix: string, files: Array<{ path: string; content: string; action: string }>): void {
  for (const file of files) {
    if (file.action === 'dry-run') {
      process.stdout.write(`[dryrun] Would write file ${JSON.stringify(file.path)} with content:\n${file.content.replace(/^/gm, '\t')}\n`);
    } else {
      process.stdout.write(`${prefix} ${file.action === 'written' ? 'Wrote' : 'Unchanged, not rewritten:'} ${JSON.stringify(file.path)}\n`);
    }
  }
}

function withDryRun(command: Command): Command {
  return command.option('--dry-run', 'write nothing; print every file that would be written, with its path and content');
}

const COMPONENTS = { apiserver: 'kube-apiserver', 'controller-manager': 'kube-controller-manager', scheduler: 'kube-scheduler' } as const;

function controlPlanePhase(): Command {
  const command = new Command('control-plane')
    .description('write the kube-apiserver, kube-controller-manager and kube-scheduler static pod manifests into staticPodPath')
    .addArgument(new Argument('[component]', 'one component, or all').choices(['all', ...Object.keys(COMPONENTS)]).default('all'));
  withDryRun(addInitConfigFlags(addConfigFileOptions(command))).action(async (component: string, options: ConfigOptions & { dryRun?: boolean }) => {
    const { config } = await loadConfigFromOptions(options);
    const { writeStaticPods } = await import('../render/write-manifests.js');
    const components = component === 'all' ? Object.values(COMPONENTS) : [COMPONENTS[component as keyof typeof COMPONENTS]];
    process.stdout.write(`[control-plane] Using manifest folder ${JSON.stringify(config.kubelet.staticPodPath)}\n`);
    reportFiles('[control-plane]', await writeStaticPods(config, components, { ...(options.rootfs ? { rootfs: options.rootfs } : {}), dryRun: Boolean(options.dryRun) }));
  });
  return withExamples(command, [
    ['kubeboot init phase control-plane all --config kubeboot.yaml --rootfs /tmp/node1', 'the three manifests, in a throw-away folder'],
    ['kubeboot init phase control-plane apiserver --dry-run', 'print the kube-apiserver manifest without writing it'],
  ]);
}

function etcdPhase(): Command {
  const local = new Command('local').description('write the static pod manifest of a local, single-member etcd into staticPodPath');
  withDryRun(addInitConfigFlags(addConfigFileOptions(local))).action(async (options: ConfigOptions & { dryRun?: boolean }) => {
    const { config } = await loadConfigFromOptions(options);
    const { writeStaticPods } = await import('../render/write-manifests.js');
    reportFiles('[etcd]', await writeStaticPods(config, ['etcd'], { ...(options.rootfs ? { rootfs: options.rootfs } : {}), dryRun: Boolean(options.dryRun) }));
  });
  withExamples(local, [['kubeboot init phase etcd local --config kubeboot.yaml --rootfs /tmp/node1', 'the etcd manifest, in a throw-away folder']]);
  return new Command('etcd').description('etcd for the control plane').addCommand(local);
}

function kubeletStartPhase(): Command {
  const command = new Command('kubelet-start').description('write the KubeletConfiguration (kubeadm defaults under your document) to /var/lib/kubelet/config.yaml');
  withDryRun(addInitConfigFlags(addConfigFileOptions(command))).action(async (options: ConfigOptions & { dryRun?: boolean }) => {
    const { config } = await loadConfigFromOptions(options);
    const { writeKubeletConfiguration } = await import('../render/write-manifests.js');
    reportFiles('[kubelet-start]', await writeKubeletConfiguration(config, { ...(options.rootfs ? { rootfs: options.rootfs } : {}), dryRun: Boolean(options.dryRun) }));
  });
  return withExamples(command, [['kubeboot init phase kubelet-start --config kubeboot.yaml --rootfs /tmp/node1', 'the KubeletConfiguration, in a throw-away folder']]);
}

const list = (value: string, previous: string[] = []): string[] => [...previous, ...value.split(',').map((v) => v.trim()).filter(Boolean)];

interface InitCliOptions extends ConfigOptions {
  dryRun?: boolean;
  skipPhases?: string[];
  ignorePreflightErrors?: string[];
  verbose?: boolean;
}

/** Runs init's phases (all, or the ones named) and prints what a kubeadm user expects at the end. */
async function runPhases(options: InitCliOptions, phases?: Array<import('../phases/init.js').InitPhase>): Promise<void> {
  const { config } = await loadConfigFromOptions(options);
  const { runInit } = await import('../phases/init.js');
  const { containerRuntime } = await import('../runtime/connect.js');
  const started = Date.now();
  const report = await runInit({
    config,
    runtime: containerRuntime(),
    ...(options.rootfs ? { rootfs: options.rootfs } : {}),
    ...(phases ? { phases } : {}),
    skipPhases: options.skipPhases ?? [],
    ignorePreflightErrors: options.ignorePreflightErrors ?? [],
    dryRun: Boolean(options.dryRun),
    verbose: Boolean(options.verbose),
  });
  for (const warning of report.warnings) process.stderr.write(`\t[WARNING ${warning.name}]: ${warning.message}\n`);
  const took = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
  const timings = report.phases.map((p) => `${p.name} ${took(p.ms)}`).join(', ');
  if (phases) {
    process.stdout.write(`[init] ${timings}\n`);
    return;
  }
  const rootfs = options.rootfs ? ` --rootfs ${options.rootfs}` : '';
  if (report.dryRunDir) {
    process.stdout.write(`\n[dryrun] Every phase ran against a throw-away folder${options.verbose ? ` (kept: ${report.dryRunDir})` : ' (removed; -v keeps it)'}; nothing was started. ${timings}\n`);
    return;
  }
  process.stdout.write(
    [
      '',
      `Your Kubernetes control plane has initialized successfully on node ${report.node} in ${took(Date.now() - started)}.`,
      `  ${timings}`,
      '',
      'To use it, as kubeadm prints it:',
      `  export KUBECONFIG=${report.adminKubeconfig}`,
      '  kubectl get pods -n kube-system',
      '',
      `The static pods, as the reconciler runs them: kubeboot ps --node-name ${report.node}`,
      ...(report.reconciler ? [`The reconciler: pid ${report.reconciler.pid}, log ${report.reconciler.logFile}`] : []),
      ...(report.unit ? [`The reconciler: systemd unit ${report.unit} (systemctl status ${report.unit}; journalctl -u ${report.unit})`] : []),
      `Undo everything: kubeboot reset${rootfs}`,
      '',
    ].join('\n'),
  );
}

function addInitRunOptions(command: Command): Command {
  return command
    .option('--ignore-preflight-errors <checks>', 'preflight checks to report as warnings, comma-separated (e.g. Port-6443,Swap), or all', list)
    .option('-v, --verbose', 'show every step as it happens, with details');
}

function preflightPhase(): Command {
  const command = new Command('preflight').description('run the preflight checks (ports, manifests, etcd data, engine, images, memory, CPU); pull missing images');
  addInitRunOptions(addInitConfigFlags(addConfigFileOptions(command))).action((options: InitCliOptions) => runPhases(options, ['preflight']));
  return withExamples(command, [['kubeboot init phase preflight --config kubeboot.yaml', 'is this node ready for init?']]);
}

function waitPhase(): Command {
  const command = new Command('wait-control-plane').description('wait until the reconciler, etcd, kube-apiserver, kube-controller-manager and kube-scheduler are healthy');
  addInitRunOptions(addInitConfigFlags(addConfigFileOptions(command))).action((options: InitCliOptions) => runPhases(options, ['wait-control-plane']));
  return withExamples(command, [['kubeboot init phase wait-control-plane --config kubeboot.yaml --rootfs /tmp/node1', 'is the control plane healthy?']]);
}

export function initCommand(): Command {
  const phase = new Command('phase')
    .description('run one phase of init')
    .addCommand(preflightPhase())
    .addCommand(certsPhase())
    .addCommand(kubeconfigPhase())
    .addCommand(etcdPhase())
    .addCommand(controlPlanePhase())
    .addCommand(kubeletStartPhase())
    .addCommand(waitPhase());
  const init = new Command('init').description(
    'bootstrap a control plane on this node as kubeadm does — preflight, certs, kubeconfig, etcd, control-plane, kubelet-start (the reconciler), wait-control-plane — with progress',
  );
  // init and its phases share option names: init's own are read only before `phase`, so that
  // `init phase certs --config x` gives --config to the phase.
  init.enablePositionalOptions();
  addInitRunOptions(addInitConfigFlags(addConfigFileOptions(init)))
    .option('--dry-run', 'run every phase against a throw-away folder: start nothing, touch nothing on this host')
    .option('--skip-phases <phases>', 'phases to skip, comma-separated (preflight,certs,kubeconfig,etcd,control-plane,kubelet-start,wait-control-plane)', list)
    .addCommand(phase)
    .action((options: InitCliOptions) => runPhases(options));
  return withExamples(init, [
    ['kubeboot init --config kubeboot.yaml', 'a control plane on this node'],
    ['kubeboot init --config kubeboot.yaml --rootfs /tmp/node1', 'in a throw-away folder (every system path under it)'],
    ['kubeboot init --dry-run --config kubeboot.yaml', 'run everything against a temporary folder'],
    ['kubeboot init --skip-phases preflight --ignore-preflight-errors Swap', 'skip or soften checks'],
    ['kubeboot init phase certs --config kubeboot.yaml --rootfs /tmp/node1', 'one phase only'],
  ]);
}
