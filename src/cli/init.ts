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

export function initCommand(): Command {
  const phase = new Command('phase')
    .description('run one phase of init')
    .addCommand(certsPhase())
    .addCommand(kubeconfigPhase())
    .addCommand(etcdPhase())
    .addCommand(controlPlanePhase())
    .addCommand(kubeletStartPhase());
  return withExamples(new Command('init').description('bootstrap a control plane on this node (so far, phase by phase: kubeboot init phase --help)').addCommand(phase), [
    ['kubeboot init phase certs --config kubeboot.yaml --rootfs /tmp/node1', 'make the PKI in a throw-away folder'],
  ]);
}
