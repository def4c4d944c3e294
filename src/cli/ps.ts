import { Command } from 'commander';
import { UsageError } from '../util/errors.js';
import { withExamples } from './help.js';
import { outputOption } from './output-format.js';
import { addRuntimeOptions, type RuntimeFlags } from './runtime-options.js';

export function psCommand(): Command {
  const command = new Command('ps')
    .description('list the static pods on the Docker engine (works without the reconciler running)')
    .option('--node-name <name>', 'only the pods of this node (default: every kubeboot node on the engine)')
    .option('--rootfs <dir>', 'the root the reconciler ran in (to find its state folder)')
    .option('--root-dir <dir>', "the reconciler's state folder, for pods that have no container yet (e.g. an image that cannot be pulled)", '/var/lib/kubelet')
    .addOption(outputOption(['text', 'wide', 'json'], 'text'));
  addRuntimeOptions(command).action(async (options: RuntimeFlags & { nodeName?: string; rootfs?: string; rootDir: string; output: string }) => {
      // Loaded side by side: each import waits on file reads, and start-up time is what `ps` is judged by.
      const [{ connectRuntime }, { listPodRows }, { age }, { Host }, { runtimeChoice }] = await Promise.all([import('../runtime/connect.js'), import('../runtime/pod-list.js'), import('../runtime/pod-status.js'), import('../util/host.js'), import('./runtime-options.js')]);
      if (!options.rootDir.startsWith('/')) throw new UsageError(`--root-dir: got ${JSON.stringify(options.rootDir)}, expected an absolute path`);
      const now = Date.now();
      const host = await Host.open(options.rootfs);
      const rows = await listPodRows(await connectRuntime(await runtimeChoice(options, host, options.rootDir)), {
        ...(options.nodeName ? { node: options.nodeName.toLowerCase() } : {}),
        rootDir: host.path(options.rootDir),
        now,
      });
      if (options.output === 'json') {
        const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
        const pods = rows.map((r) => ({
          ...r,
          lastRestart: iso(r.lastRestart),
          nextTry: iso(r.nextTry),
          containers: r.containers.map((c) => ({ ...c, nextTry: iso(c.nextTry), startedAt: iso(c.startedAt), finishedAt: iso(c.finishedAt) })),
        }));
        process.stdout.write(`${JSON.stringify({ pods }, null, 2)}\n`);
        return;
      }
      if (rows.length === 0) {
        process.stdout.write('No static pods found.\n');
        return;
      }
      const wide = options.output === 'wide';
      const header = ['NAMESPACE', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', ...(wide ? ['NODE', 'CONTAINERS', 'IMAGES', 'IDS', 'SOURCE'] : [])];
      const table = [
        header,
        ...rows.map((r) => [
          r.namespace,
          r.name,
          r.ready,
          // kubectl shows the reason only; the next try is what a user in a crash loop wants to know.
          r.nextTry !== undefined ? `${r.status} (next try in ${age(r.nextTry - now)})` : r.status,
          r.lastRestart !== undefined ? `${r.restarts} (${age(now - r.lastRestart)} ago)` : String(r.restarts),
          age(r.ageMs),
          ...(wide ? [r.node, r.containers.map((c) => c.name).join(','), r.containers.map((c) => c.image).join(','), r.containers.map((c) => c.id || '-').join(','), r.source] : []),
        ]),
      ];
      const widths = header.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
      process.stdout.write(`${table.map((row) => row.map((cell, i) => cell.padEnd(widths[i]! + 3)).join('').trimEnd()).join('\n')}\n`);
    });
  return withExamples(command, [
    ['kubeboot ps', 'every static pod on this engine'],
    ['kubeboot ps --node-name n1 -o wide', 'one node, with containers, images and manifest files'],
    ['kubeboot ps -o json', 'for scripts: container states, exit codes, back-off ends'],
  ]);
}
