import type { Command } from 'commander';

/** Adds an "Examples:" block to a command's --help. */
export function withExamples(command: Command, examples: ReadonlyArray<readonly [string, string]>): Command {
  const lines = examples.map(([cmd, what]) => `  # ${what}\n  ${cmd}`).join('\n\n');
  return command.addHelpText('after', `\nExamples:\n${lines}\n`);
}
