import { hostname } from 'node:os';
import { Argument, Command } from 'commander';
import { KubebootError } from '../util/errors.js';
import { withExamples } from './help.js';
import { outputOption } from './output-format.js';

export function manifestCommand(): Command {
  const check = new Command('check')
    .description("check static pod manifests with the reconciler's own parser and rules (the API server's pod validation, the kubelet's defaults), before they go into the manifest folder; starts nothing")
    .addArgument(new Argument('<path...>', 'manifest files, or folders of them'))
    .option('--node-name <name>', 'the node the pods are for (their names become <name>-<node>)', hostname().toLowerCase())
    .addOption(outputOption(['text', 'json']))
    .action(async (paths: string[], options: { nodeName: string; output: string }) => {
      const { checkManifests } = await import('../reconciler/manifest-check.js');
      const result = await checkManifests(paths, options.nodeName.toLowerCase());
      const errors = result.findings.filter((f) => f.severity === 'error');
      if (options.output === 'json') {
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      } else {
        for (const pod of result.pods) process.stdout.write(`${pod.file}: ok, runs as pod ${pod.pod}\n`);
        for (const finding of result.findings) process.stderr.write(`${finding.file}: ${finding.severity === 'note' ? 'note: ' : ''}${finding.message}\n`);
      }
      if (errors.length > 0) throw new KubebootError(`${errors.length} problem${errors.length === 1 ? '' : 's'} in the manifests; the reconciler would not run ${errors.length === 1 ? 'that file' : 'those files'}`, { hint: 'Fix the fields named above, then check again.' });
    });
  withExamples(check, [
    ['kubeboot manifest check web.yaml', 'is this manifest one the reconciler will run?'],
    ['kubeboot manifest check /etc/kubernetes/manifests --node-name n1 -o json', 'a whole folder, as node n1 would see it'],
  ]);
  return withExamples(new Command('manifest').description('work with static pod manifests').addCommand(check), [['kubeboot manifest check ./manifests', 'check a folder of manifests']]);
}
