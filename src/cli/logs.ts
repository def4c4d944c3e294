import { Argument, Command, Option } from 'commander';
import { UsageError } from '../util/errors.js';
import { withExamples } from './help.js';
import { addRuntimeOptions, type RuntimeFlags } from './runtime-options.js';

export function logsCommand(): Command {
  const command = new Command('logs')
    .description("print a static pod container's logs from the engine (works without the reconciler running)")
    .addArgument(new Argument('<pod>', 'the pod name as `kubeboot ps` shows it (or the manifest name, e.g. etcd for etcd-<node>)'))
    .option('-c, --container <name>', 'the container (default: the only one, or the first)')
    .option('-n, --namespace <namespace>', 'the namespace, when pod names clash')
    .option('--node-name <name>', 'only look at the pods of this node')
    .option('-p, --previous', 'the previous instance of the container (the one before the last restart)')
    .option('-f, --follow', 'stream new lines as they come')
    .addOption(new Option('--tail <lines>', 'only the last N lines (-1: all)').default('-1'))
    .option('--timestamps', 'prefix each line with its time')
    .option('--rootfs <dir>', 'the root the reconciler ran in (where the process runtime keeps its logs)')
    .option('--root-dir <dir>', "the reconciler's state folder (the process runtime's logs are under it)", '/var/lib/kubelet');
  addRuntimeOptions(command).action(async (pod: string, options: RuntimeFlags & { container?: string; namespace?: string; nodeName?: string; previous?: boolean; follow?: boolean; tail: string; timestamps?: boolean; rootfs?: string; rootDir: string }) => {
      if (!/^-?\d+$/.test(options.tail)) throw new UsageError(`--tail: got ${JSON.stringify(options.tail)}, expected a number of lines (-1 for all)`);
      if (!options.rootDir.startsWith('/')) throw new UsageError(`--root-dir: got ${JSON.stringify(options.rootDir)}, expected an absolute path`);
      const [{ connectRuntime }, { containerLogs }, { Host }, { runtimeChoice }] = await Promise.all([import('../runtime/connect.js'), import('../runtime/logs.js'), import('../util/host.js'), import('./runtime-options.js')]);
      await containerLogs(
        await connectRuntime(await runtimeChoice(options, await Host.open(options.rootfs), options.rootDir)),
        {
          pod,
          ...(options.namespace ? { namespace: options.namespace } : {}),
          ...(options.container ? { container: options.container } : {}),
          ...(options.nodeName ? { node: options.nodeName.toLowerCase() } : {}),
          previous: options.previous === true,
          follow: options.follow === true,
          tail: Number(options.tail),
          timestamps: options.timestamps === true,
        },
        { stdout: process.stdout, stderr: process.stderr },
      );
    });
  return withExamples(command, [
    ['kubeboot logs kube-apiserver-n1', 'the API server container of node n1'],
    ['kubeboot logs etcd --previous', 'why did etcd restart: the log of the instance before'],
    ['kubeboot logs web-n1 -c sidecar -f --tail 20', 'follow one container of a two-container pod'],
  ]);
}
