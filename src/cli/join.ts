import { Command, Option } from 'commander';
import { joinPhases } from '../phases/join/index.js';
import type { RunSelection } from '../phases/workflow.js';
import { list, port } from './config-options.js';
import { withExamples } from './help.js';
import { bindPhases } from './phase-commands.js';

export interface JoinCliOptions {
  config?: string;
  endpoint?: string;
  controlPlane?: boolean;
  token?: string;
  discoveryTokenCaCertHash?: string[];
  discoveryTokenUnsafeSkipCaVerification?: boolean;
  discoveryFile?: string;
  certificateKey?: string;
  apiserverAdvertiseAddress?: string;
  apiserverBindPort?: number;
  nodeName?: string;
  patches?: string;
  rootfs?: string;
  dryRun?: boolean;
  skipPhases?: string[];
  ignorePreflightErrors?: string[];
  verbose?: boolean;
}

/** The flags `join` and each of its phases take (kubeadm's names). */
function joinFlags(command: Command): Command {
  return command
    .option('--config <file>', 'a JoinConfiguration (kubeadm.k8s.io/v1beta4 or v1beta3); beside it only --node-name, --ignore-preflight-errors, --dry-run, --skip-phases and --rootfs')
    .option('--control-plane', 'join as a control-plane node with a stacked etcd member (kubeboot joins control-plane nodes; workers join with kubeadm join)')
    .option('--token <token>', 'the bootstrap token, for discovery and for the TLS bootstrap')
    .option('--discovery-token-ca-cert-hash <sha256:hash>', "the cluster CA's public key pin, as init printed it (repeatable, comma-separated)", list)
    .option('--discovery-token-unsafe-skip-ca-verification', 'trust the cluster without a CA pin (unsafe)')
    .option('--discovery-file <file-or-url>', 'discover the cluster from a kubeconfig file or https URL instead of the token (its user, or --token, reads the cluster configuration)')
    .option('--certificate-key <key>', 'the key that decrypts the shared certificates uploaded by init --upload-certs')
    .option('--apiserver-advertise-address <ip>', "this node's address for its API server and etcd member (default: the default-route interface address)")
    .addOption(new Option('--apiserver-bind-port <port>', "the port this node's API server binds to (default 6443)").argParser(port))
    .option('--node-name <name>', "this node's name (default: the hostname, lower-cased)")
    .option('--patches <dir>', "a folder of kubeadm patch files for this node's manifests and KubeletConfiguration")
    .option('--rootfs <dir>', 'treat DIR as the root of the host filesystem: every system path is written under it')
    .option('--dry-run', 'discover the cluster and run the phases against a throw-away folder: add no etcd member, start nothing')
    .option('--ignore-preflight-errors <checks>', 'preflight checks to report as warnings, comma-separated, or all', list)
    .option('-v, --verbose', 'show every step as it happens, with details (kubeadm\'s -v 5 or -v=5 is accepted)');
}

async function run(options: JoinCliOptions, selection: RunSelection): Promise<void> {
  const { runJoinCommand } = await import('./join-run.js');
  await runJoinCommand(options, selection);
}

export function joinCommand(): Command {
  const join = new Command('join').description('join this node to a cluster as a control-plane node (stacked etcd), as kubeadm join --control-plane does').argument('[endpoint]', 'the API server endpoint init printed, host:port');
  join.enablePositionalOptions();
  joinFlags(join)
    .option('--skip-phases <phases>', 'phases to skip, comma-separated', list)
    .action((endpoint: string | undefined, options: JoinCliOptions) => run({ ...options, ...(endpoint ? { endpoint } : {}) }, { skip: options.skipPhases ?? [] }));
  bindPhases(join, joinPhases, { flags: joinFlags, run, argument: { name: '[endpoint]', description: 'the API server endpoint, host:port', option: 'endpoint' } });
  return withExamples(join, [
    ['kubeboot join 10.0.0.10:6443 --control-plane --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash sha256:<hash> --certificate-key <key>', 'the command init --upload-certs printed'],
    ['kubeboot join 10.0.0.10:6443 --control-plane ... --apiserver-advertise-address 10.0.0.12 --patches ./node2-patches', 'with this node\'s address and patches'],
    ['kubeboot join 10.0.0.10:6443 --control-plane ... --dry-run', 'see what it would do'],
    ['kubeboot join --config join.yaml', 'from a JoinConfiguration (kubeboot config print join-defaults)'],
  ]);
}
