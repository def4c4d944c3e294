import { Command } from 'commander';
import { packageInfo } from '../util/package-info.js';
import { withExamples } from './help.js';
import { certsCommand } from './certs.js';
import { configCommand } from './config.js';
import { initCommand } from './init.js';
import { kubeletCommand } from './kubelet.js';
import { logsCommand } from './logs.js';
import { manifestCommand } from './manifest.js';
import { imagesCommand } from './images.js';
import { resetCommand } from './reset.js';
import { psCommand } from './ps.js';
import { tokenCommand } from './token.js';
import { joinCommand } from './join.js';
import { versionCommand } from './version.js';

/**
 * The command tree. Wiring only: each command parses its flags and calls into src/phases,
 * src/reconciler and friends, which it imports lazily so that `--help` stays fast.
 */
export function buildProgram(): Command {
  const program = new Command('kubeboot')
    .description(
      'Bootstrap a Kubernetes control plane on this node the way kubeadm does, and keep its static pods running.',
    )
    .version(packageInfo().version, '--version', 'print the version and exit')
    .showSuggestionAfterError(true)
    .exitOverride()
    // Needed for `init`'s own positional options (commander applies them only under a positional root).
    .enablePositionalOptions()
    .addCommand(initCommand())
    .addCommand(joinCommand())
    .addCommand(resetCommand())
    .addCommand(certsCommand())
    .addCommand(kubeletCommand())
    .addCommand(manifestCommand())
    .addCommand(psCommand())
    .addCommand(logsCommand())
    .addCommand(imagesCommand())
    .addCommand(configCommand())
    .addCommand(tokenCommand())
    .addCommand(versionCommand());

  // Every sub-command inherits the same error behaviour: commander throws, main() decides the exit code.
  const inherit = (command: Command): void => {
    command.exitOverride().showSuggestionAfterError(true);
    command.commands.forEach(inherit);
  };
  program.commands.forEach(inherit);

  return withExamples(program, [
    ['kubeboot version', 'show the version'],
    ['kubeboot <command> --help', 'help and examples for one command'],
  ]);
}
