import { Command } from 'commander';
import { stringify } from 'yaml';
import { packageInfo } from '../util/package-info.js';
import { withExamples } from './help.js';
import { outputOption } from './output-format.js';

export function versionCommand(): Command {
  const command = new Command('version')
    .description('print the version of kubeboot')
    .addOption(outputOption(['text', 'short', 'json', 'yaml']))
    .action((options: { output: string }) => {
      const info = {
        kubebootVersion: packageInfo().version,
        nodeVersion: process.version,
        platform: `${process.platform}/${process.arch}`,
      };
      switch (options.output) {
        case 'short':
          process.stdout.write(`${info.kubebootVersion}\n`);
          break;
        case 'json':
          process.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
          break;
        case 'yaml':
          process.stdout.write(stringify(info));
          break;
        default:
          process.stdout.write(
            `kubeboot version: ${info.kubebootVersion} (node ${info.nodeVersion}, ${info.platform})\n`,
          );
      }
    });
  return withExamples(command, [
    ['kubeboot version', 'the version, for people'],
    ['kubeboot version -o short', 'just the version number, for scripts'],
  ]);
}
