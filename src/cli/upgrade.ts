import { Command, Option } from 'commander';
import { withExamples } from './help.js';
import { outputOption } from './output-format.js';
import { addRuntimeOptions, type RuntimeFlags } from './runtime-options.js';

export interface UpgradeOptions extends RuntimeFlags {
  config?: string;
  rootfs?: string;
  rootDir: string;
  dryRun?: boolean;
  yes?: boolean;
  etcdUpgrade: string;
  certificateRenewal: string;
  patches?: string;
  timeout: string;
  verbose?: boolean;
}

/** The flags every `upgrade` command takes: where the node is, and which runtime runs its pods. */
function nodeFlags(command: Command): Command {
  return addRuntimeOptions(
    command
      .option('--config <file>', "this node's configuration (default: the record init or join kept, /etc/kubernetes/kubeboot-init.yaml); the ClusterConfiguration comes from the cluster")
      .option('--rootfs <dir>', 'the root init or join wrote under')
      .option('--root-dir <dir>', "the reconciler's state folder, whose status file says whether probes pass", '/var/lib/kubelet'),
  );
}

/** The flags of the commands that change the node. */
function changeFlags(command: Command): Command {
  return nodeFlags(command)
    .option('--dry-run', 'check and show what would change; change nothing')
    .addOption(new Option('--etcd-upgrade <bool>', 'upgrade the local etcd member too').choices(['true', 'false']).default('true'))
    .addOption(new Option('--certificate-renewal <bool>', "renew each component's certificates before it is upgraded, then admin.conf").choices(['true', 'false']).default('true'))
    .option('--patches <dir>', "a folder of kubeadm patch files for the new manifests (default: the folder init or join used on this node)")
    .option('--timeout <duration>', 'how long a component may take to run healthy on its new version before the upgrade is rolled back', '5m')
    .option('-v, --verbose', 'show every step as it happens (kubeadm\'s -v 5 or -v=5 is accepted)');
}

export function upgradeCommand(): Command {
  const upgrade = new Command('upgrade').description("move this control plane to another Kubernetes version, one component at a time, rolling back a component that does not come healthy (kubeadm's upgrade)");

  const plan = nodeFlags(new Command('plan').description('show the versions now, the version to go to, and what would change').argument('[version]', 'the version to plan for (default: the newest kubeboot renders, when the skew allows it)').addOption(outputOption(['text', 'json'], 'text'))).action(
    async (version: string | undefined, options: UpgradeOptions & { output: string }) => {
      const { runPlan } = await import('./upgrade-run.js');
      await runPlan(version, options);
    },
  );
  withExamples(plan, [
    ['kubeboot upgrade plan', 'the current versions and the next step'],
    ['kubeboot upgrade plan v1.34.2 -o json', 'for scripts'],
  ]);

  const diff = nodeFlags(new Command('diff').description("the unified diff of each manifest the upgrade would change").argument('<version>', 'the version to compare with').option('-c, --context-lines <n>', 'lines of context', '3')).action(
    async (version: string, options: UpgradeOptions & { contextLines: string }) => {
      const { runDiff } = await import('./upgrade-run.js');
      await runDiff(version, options);
    },
  );
  withExamples(diff, [['kubeboot upgrade diff v1.34.2', 'what the manifests would become']]);

  const apply = changeFlags(new Command('apply').description('upgrade this control-plane node and the cluster configuration to a version').argument('<version>', 'the Kubernetes version (vX.Y.Z)').option('-y, --yes', 'do not ask for confirmation')).action(
    async (version: string, options: UpgradeOptions) => {
      const { runApply } = await import('./upgrade-run.js');
      await runApply('apply', version, options);
    },
  );
  withExamples(apply, [
    ['kubeboot upgrade apply v1.34.2', 'etcd, then kube-apiserver, kube-controller-manager and kube-scheduler, each waited for'],
    ['kubeboot upgrade apply v1.34.2 --dry-run', 'check everything, change nothing'],
    ['kubeboot upgrade apply v1.34.3 --yes --etcd-upgrade=false --timeout 2m', 'without a question, leaving etcd as it is'],
  ]);

  const node = changeFlags(new Command('node').description("upgrade another control-plane node to the cluster's version (after upgrade apply on the first one)").option('-y, --yes', 'do not ask for confirmation')).action(async (options: UpgradeOptions) => {
    const { runApply } = await import('./upgrade-run.js');
    await runApply('node', undefined, options);
  });
  withExamples(node, [['kubeboot upgrade node', "this node's control plane to the version in kubeadm-config"]]);

  upgrade.addCommand(plan).addCommand(diff).addCommand(apply).addCommand(node);
  return withExamples(upgrade, [
    ['kubeboot upgrade plan', 'where the cluster is, and where it can go'],
    ['kubeboot upgrade diff v1.34.2', 'the manifest changes'],
    ['kubeboot upgrade apply v1.34.2', 'the first control-plane node'],
    ['kubeboot upgrade node', 'each other control-plane node, one at a time'],
  ]);
}
