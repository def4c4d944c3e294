import { Command } from 'commander';
import { packageInfo } from '../util/package-info.js';
import { UsageError } from '../util/errors.js';
import { withExamples } from './help.js';

/**
 * The sub-commands, each loaded only when it runs: `init`, `join` and `reset` import their phase lists
 * (every phase, the x509 and etcd libraries), which costs ~0.4 s that `ps` or `--version` must not pay.
 * In the order `--help` lists them.
 */
const COMMANDS: ReadonlyArray<readonly [string, () => Promise<Command>]> = [
  ['init', async () => (await import('./init.js')).initCommand()],
  ['join', async () => (await import('./join.js')).joinCommand()],
  ['reset', async () => (await import('./reset.js')).resetCommand()],
  ['certs', async () => (await import('./certs.js')).certsCommand()],
  ['kubelet', async () => (await import('./kubelet.js')).kubeletCommand()],
  ['manifest', async () => (await import('./manifest.js')).manifestCommand()],
  ['ps', async () => (await import('./ps.js')).psCommand()],
  ['logs', async () => (await import('./logs.js')).logsCommand()],
  ['images', async () => (await import('./images.js')).imagesCommand()],
  ['config', async () => (await import('./config.js')).configCommand()],
  ['token', async () => (await import('./token.js')).tokenCommand()],
  ['upgrade', async () => (await import('./upgrade.js')).upgradeCommand()],
  ['version', async () => (await import('./version.js')).versionCommand()],
];

/**
 * The sub-command `argv` runs (`help <command>` included), or undefined when it names none of them or
 * the program's own help comes first (`kubeboot --help ps` lists every command).
 */
export function commandNamed(argv: readonly string[]): string | undefined {
  // The program's own options (--help, --version) take no value: the first operand is the command.
  const first = argv.findIndex((arg) => !arg.startsWith('-'));
  if (first < 0 || argv.slice(0, first).some((arg) => arg === '-h' || arg === '--help')) return undefined;
  const operands = argv.slice(first).filter((arg) => !arg.startsWith('-'));
  const name = operands[0] === 'help' ? operands[1] : operands[0];
  return COMMANDS.some(([known]) => known === name) ? name : undefined;
}

/**
 * The command tree. Wiring only: each command parses its flags and calls into src/phases,
 * src/reconciler and friends, which it imports lazily so that `--help` stays fast. With `only`, the
 * other sub-commands are left out (the program is built for one run of that command).
 */
export async function buildProgram(only?: string): Promise<Command> {
  const program = new Command('kubeboot')
    .description(
      'Bootstrap a Kubernetes control plane on this node the way kubeadm does, and keep its static pods running.',
    )
    .version(packageInfo().version, '--version', 'print the version and exit')
    .showSuggestionAfterError(true)
    .exitOverride()
    // Needed for `init`'s own positional options (commander applies them only under a positional root).
    .enablePositionalOptions();
  const wanted = COMMANDS.filter(([name]) => only === undefined || name === only);
  for (const command of await Promise.all(wanted.map(([, load]) => load()))) program.addCommand(command);

  // Every sub-command inherits the same error behaviour: commander throws, main() decides the exit code.
  // Excess operands are checked in one place (below), so that the refusal names them and what the command takes.
  const inherit = (command: Command): void => {
    command.exitOverride().showSuggestionAfterError(true).allowExcessArguments(true);
    command.commands.forEach(inherit);
  };
  program.commands.forEach(inherit);
  program.hook('preAction', (_program, action) => refuseExcessOperands(action));

  return withExamples(program, [
    ['kubeboot version', 'show the version'],
    ['kubeboot <command> --help', 'help and examples for one command'],
  ]);
}

/**
 * commander's own refusal ("too many arguments for 'certs'. Expected 0 arguments but got 1") names
 * neither the operand nor what was meant: here both, and for a group of phases, the names it has.
 */
function refuseExcessOperands(command: Command): void {
  const declared = command.registeredArguments;
  if (declared.some((argument) => argument.variadic)) return;
  const extra = command.args.slice(declared.length);
  if (extra.length === 0) return;
  const path: string[] = [];
  for (let at: Command | null = command; at?.parent; at = at.parent) path.unshift(at.name());
  const name = path.join(' ');
  const shown = extra.map((operand) => JSON.stringify(operand)).join(', ');
  const children = command.commands.map((child) => child.name());
  if (children.length > 0 && declared.length === 0 && path.includes('phase')) {
    throw new UsageError(`${name}: unknown ${path.includes('phase') ? 'phase' : 'command'} ${shown}; expected one of ${children.join(', ')}`, {
      hint: `See: kubeboot ${name} --help`,
    });
  }
  const takes = (declared.length === 0 ? 'takes no arguments' : `takes ${declared.map((a) => (a.required ? `<${a.name()}>` : `[${a.name()}]`)).join(' ')}`) + (children.length > 0 ? ` (its sub-commands: ${children.join(', ')})` : '');
  throw new UsageError(`${name}: unexpected argument ${shown}: it ${takes}`, { hint: `See: kubeboot ${name} --help` });
}

/** `kubeboot --help` as commander prints it, for the build to keep (root-fast-path.ts). */
export async function rootHelpText(): Promise<string> {
  const program = await buildProgram();
  let text = '';
  program.configureOutput({ writeOut: (chunk) => void (text += chunk) });
  await program.parseAsync(['--help'], { from: 'user' }).catch(() => undefined); // commander throws once the help is out
  return text;
}
