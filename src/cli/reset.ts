import { Command } from 'commander';
import type { RunSelection } from '../phases/workflow.js';
import { resetPhases } from '../phases/reset/index.js';
import { withExamples } from './help.js';
import { bindPhases } from './phase-commands.js';
import { list } from './config-options.js';
import { addRuntimeOptions, type RuntimeFlags } from './runtime-options.js';

interface ResetOptions extends RuntimeFlags {
  config?: string;
  rootfs?: string;
  force?: boolean;
  dryRun?: boolean;
  skipPhases?: string[];
}

async function confirm(question: string): Promise<boolean> {
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

async function run(options: ResetOptions, selection: RunSelection): Promise<void> {
  const { loadConfig } = await import('../config/load.js');
  const { Host } = await import('../util/host.js');
  const { INIT_RECORD } = await import('../util/constants.js');
  const { containerRuntime } = await import('../runtime/connect.js');
  const { runtimeChoice } = await import('./runtime-options.js');
  const { checkPhaseNames, runPhases } = await import('../phases/workflow.js');
  checkPhaseNames(resetPhases, selection.skip ?? [], '--skip-phases');
  const host = await Host.open(options.rootfs);
  const record = INIT_RECORD;
  const file = options.config ?? ((await host.exists(record)) ? host.path(record) : undefined);
  if (!file) process.stderr.write(`[reset] WARNING: no --config, and no ${record} (init's record, which a reset removes): looking at the default paths for this host's name\n`);
  const { config } = await loadConfig(file ? { file } : {});
  const data = {
    config,
    host,
    runtime: await containerRuntime(await runtimeChoice(options, host)),
    force: Boolean(options.force),
    dryRun: Boolean(options.dryRun),
    ...(process.stdin.isTTY ? { confirm } : {}),
    say: (line: string) => process.stdout.write(`${line}\n`),
  };
  await runPhases(resetPhases, data, selection, { plain: true });
}

/** The flags reset and each of its phases take. */
function resetFlags(command: Command): Command {
  return addRuntimeOptions(command)
    .option('--config <file>', 'the configuration init used (default: the copy init kept in /etc/kubernetes/kubeboot-init.yaml)')
    .option('--rootfs <dir>', 'the root init wrote under')
    .option('-f, --force', 'do not ask for confirmation')
    .option('--dry-run', 'list what would be removed, remove nothing');
}

export function resetCommand(): Command {
  const command = new Command('reset').description(
    "undo kubeboot init on this node: stop the reconciler, remove this node's containers, etcd's data, kubeboot's manifests, PKI, kubeconfig files and KubeletConfiguration — and nothing else",
  );
  command.enablePositionalOptions();
  resetFlags(command)
    .option('--skip-phases <phases>', 'phases to skip, comma-separated', list)
    .action((options: ResetOptions) => run(options, { skip: options.skipPhases ?? [] }));
  bindPhases(command, resetPhases, { flags: resetFlags, run });
  return withExamples(command, [
    ['kubeboot reset', 'asks, then undoes init on this node'],
    ['kubeboot reset --dry-run', 'what it would remove'],
    ['kubeboot reset --force --rootfs /tmp/node1', 'a throw-away root, without asking'],
  ]);
}
