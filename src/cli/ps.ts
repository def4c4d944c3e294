import { Command } from 'commander';
import { withExamples } from './help.js';
import { outputOption } from './output-format.js';

export function psCommand(): Command {
  const command = new Command('ps')
    .description('list the static pods on the Docker engine (works without the reconciler running)')
    .option('--node-name <name>', 'only the pods of this node (default: every kubeboot node on the engine)')
    .option('--container-runtime-endpoint <endpoint>', 'the Docker engine, unix:///path/docker.sock (default: DOCKER_HOST)')
    .addOption(outputOption(['text', 'wide', 'json'], 'text'))
    .action(async (options: { nodeName?: string; containerRuntimeEndpoint?: string; output: string }) => {
      const { dockerClient } = await import('../reconciler/daemon.js');
      const { listPods } = await import('../runtime/docker-pods.js');
      const { age, podRow } = await import('../runtime/pod-status.js');
      const docker = dockerClient(options.containerRuntimeEndpoint);
      const rows = [...(await listPods(docker, options.nodeName?.toLowerCase())).values()].map((pod) => podRow(pod)).sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
      if (options.output === 'json') {
        process.stdout.write(`${JSON.stringify({ pods: rows }, null, 2)}\n`);
        return;
      }
      const wide = options.output === 'wide';
      const header = ['NAMESPACE', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', ...(wide ? ['NODE', 'CONTAINERS', 'IMAGES', 'IDS', 'SOURCE'] : [])];
      const table = [
        header,
        ...rows.map((r) => [
          r.namespace, r.name, r.ready, r.status, String(r.restarts), age(r.ageMs),
          ...(wide ? [r.node, r.containers.map((c) => c.name).join(','), r.containers.map((c) => c.image).join(','), r.containers.map((c) => c.id).join(','), r.source] : []),
        ]),
      ];
      const widths = header.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
      if (rows.length === 0) {
        process.stdout.write('No static pods found.\n');
        return;
      }
      process.stdout.write(`${table.map((row) => row.map((cell, i) => cell.padEnd(widths[i]! + 3)).join('').trimEnd()).join('\n')}\n`);
    });
  return withExamples(command, [
    ['kubeboot ps', 'every static pod on this engine'],
    ['kubeboot ps --node-name n1 -o wide', 'one node, with containers, images and manifest files'],
    ['kubeboot ps -o json', 'for scripts'],
  ]);
}
