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

export function initCommand(): Command {
  const phase = new Command('phase').description('run one phase of init').addCommand(certsPhase()).addCommand(kubeconfigPhase());
  return withExamples(new Command('init').description('bootstrap a control plane on this node (the phases so far: certs, kubeconfig)').addCommand(phase), [
    ['kubeboot init phase certs --config kubeboot.yaml --rootfs /tmp/node1', 'make the PKI in a throw-away folder'],
  ]);
}
