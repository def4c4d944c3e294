import { Command } from 'commander';
import { addConfigFileOptions, addInitConfigFlags, list, type ConfigOptions } from './config-options.js';
import { withExamples } from './help.js';
import { addRuntimeOptions, type RuntimeFlags } from './runtime-options.js';
import { bindPhases } from './phase-commands.js';
import { initPhases } from '../phases/init/index.js';
import type { RunSelection } from '../phases/workflow.js';

interface InitCliOptions extends ConfigOptions, RuntimeFlags {
  dryRun?: boolean;
  uploadCerts?: boolean;
  skipTokenPrint?: boolean;
  skipCertificateKeyPrint?: boolean;
  skipPhases?: string[];
  ignorePreflightErrors?: string[];
  verbose?: boolean;
}

/** The flags `init` and each of its phases take. */
function initFlags(command: Command): Command {
  return addRuntimeOptions(addInitConfigFlags(addConfigFileOptions(command)), 'docker')
    .option('--dry-run', 'run against a throw-away folder: start nothing, touch nothing on this host; print the manifests that would be written')
    .option('--ignore-preflight-errors <checks>', 'preflight checks to report as warnings, comma-separated (e.g. Port-6443,Swap), or all', list)
    .option('--token <token>', 'the bootstrap token to create (format [a-z0-9]{6}.[a-z0-9]{16}; default: a new one)')
    .option('--token-ttl <duration>', 'how long the bootstrap token lives (e.g. 2h30m; 0 = never expires; default 24h)')
    .option('--upload-certs', 'upload the shared certificates to Secret kube-system/kubeadm-certs, for control-plane nodes that join')
    .option('--certificate-key <key>', 'the key that encrypts them (64 hex characters; default: a new one, printed)')
    .option('--skip-token-print', 'do not print the bootstrap token')
    .option('--skip-certificate-key-print', 'do not print the certificate key')
    .option('-v, --verbose', 'show every step as it happens, with details (kubeadm\'s -v 5 or -v=5 is accepted)');
}

async function run(options: InitCliOptions, selection: RunSelection): Promise<void> {
  const { runInitCommand } = await import('./init-run.js');
  await runInitCommand(options, selection);
}

export function initCommand(): Command {
  const init = new Command('init').description('bootstrap a control plane on this node as kubeadm does, with progress');
  // init and its phases share option names: init's own are read only before `phase`, so that
  // `init phase certs --config x` gives --config to the phase.
  init.enablePositionalOptions();
  initFlags(init)
    .option('--skip-phases <phases>', 'phases to skip, comma-separated (e.g. preflight,certs/etcd-ca,addon/kube-proxy)', list)
    .action((options: InitCliOptions) => run(options, { skip: options.skipPhases ?? [] }));
  bindPhases(init, initPhases, { flags: initFlags, run });
  return withExamples(init, [
    ['kubeboot init --config kubeboot.yaml', 'a control plane on this node'],
    ['kubeboot init --config kubeboot.yaml --rootfs /tmp/node1', 'in a throw-away folder (every system path under it)'],
    ['kubeboot init --dry-run --config kubeboot.yaml', 'run everything against a temporary folder'],
    ['kubeboot init --skip-phases preflight --ignore-preflight-errors Swap', 'skip or soften checks'],
    ['kubeboot init phase certs --config kubeboot.yaml --rootfs /tmp/node1', 'one phase only'],
    ['kubeboot init --config kubeboot.yaml --container-runtime process --process-bin-dir /opt/k8s/bin', 'no container engine: the control plane as host processes'],
    ['kubeboot init --config kubeboot.yaml --upload-certs', 'and share the certificates with control-plane nodes that join'],
  ]);
}
