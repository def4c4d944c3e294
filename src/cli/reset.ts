import { Command } from 'commander';
import { KubebootError, UsageError } from '../util/errors.js';
import { withExamples } from './help.js';

async function confirm(question: string): Promise<boolean> {
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

export function resetCommand(): Command {
  const command = new Command('reset')
    .description("undo kubeboot init on this node: stop the reconciler, remove this node's containers, etcd's data, kubeboot's manifests, PKI, kubeconfig files and KubeletConfiguration — and nothing else")
    .option('--config <file>', 'the configuration init used (default: the copy init kept in /etc/kubernetes/kubeboot-init.yaml)')
    .option('--rootfs <dir>', 'the root init wrote under')
    .option('-f, --force', 'do not ask for confirmation')
    .option('--dry-run', 'list what would be removed, remove nothing')
    .action(async (options: { config?: string; rootfs?: string; force?: boolean; dryRun?: boolean }) => {
      const { loadConfig } = await import('../config/load.js');
      const { onHost } = await import('../util/rootfs.js');
      const { INIT_RECORD } = await import('../phases/init.js');
      const { applyReset, LEFT_BEHIND, planIsEmpty, planReset } = await import('../phases/reset.js');
      const { containerRuntime } = await import('../runtime/connect.js');
      const { existsSync } = await import('node:fs');
      const record = onHost(options.rootfs, INIT_RECORD);
      const file = options.config ?? (existsSync(record) ? record : undefined);
      if (!file) process.stderr.write(`[reset] WARNING: no --config, and no ${INIT_RECORD} (init's record, which a reset removes): looking at the default paths for this host's name\n`);
      const { config } = await loadConfig(file ? { file } : {});
      const runtime = containerRuntime();
      await runtime.connect().catch((err: Error) => {
        throw new KubebootError(err.message, { hint: 'reset removes the node’s containers through the engine: start it, or set DOCKER_HOST.' });
      });
      const plan = await planReset(config, runtime, options.rootfs);
      if (planIsEmpty(plan)) {
        process.stdout.write(`[reset] Nothing to do: no reconciler, container or file of node ${plan.node} is left${options.rootfs ? ` under ${options.rootfs}` : ''}.\n`);
        return;
      }
      const lines = [
        ...(plan.unit ? [`stop, disable and delete the systemd unit ${plan.unit}`] : []),
        ...(plan.reconcilerPid ? [`stop the reconciler (pid ${plan.reconcilerPid})`] : []),
        ...plan.pods.map((p) => `remove pod ${p.namespace}/${p.name} (${p.containers.length} containers)`),
        ...plan.emptied.map((d) => `delete the contents of ${d}`),
        ...plan.files.map((f) => `delete ${f}`),
      ];
      if (options.dryRun) {
        process.stdout.write(`[reset] Would, for node ${plan.node}${options.rootfs ? ` under ${options.rootfs}` : ''}:\n${lines.map((l) => `  ${l}`).join('\n')}\n`);
        return;
      }
      if (!options.force) {
        if (!process.stdin.isTTY) throw new UsageError('kubeboot reset removes the control plane and asks first, but there is no terminal to ask on', { hint: 'Run it in a terminal, or pass --force (see what it would remove with --dry-run).' });
        process.stderr.write(`[reset] WARNING: this reverts what kubeboot init did on node ${plan.node}:\n${lines.map((l) => `  ${l}`).join('\n')}\n`);
        if (!(await confirm('[reset] Are you sure you want to proceed? [y/N]: '))) throw new KubebootError('reset aborted: nothing was removed');
      }
      await applyReset(plan, runtime, (line) => process.stdout.write(`${line}\n`));
      process.stdout.write(`\nThe reset process does not clean up:\n${LEFT_BEHIND.map((l) => `  - ${l}`).join('\n')}\n`);
    });
  return withExamples(command, [
    ['kubeboot reset', 'asks, then undoes init on this node'],
    ['kubeboot reset --dry-run', 'what it would remove'],
    ['kubeboot reset --force --rootfs /tmp/node1', 'a throw-away root, without asking'],
  ]);
}
