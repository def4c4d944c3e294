import { CommanderError } from 'commander';
import { ExitCode, KubebootError } from '../util/errors.js';

/**
 * The one place where an error becomes what the user sees and an exit code. Messages go to stderr;
 * a stack trace only with KUBEBOOT_DEBUG=1.
 */
export function reportError(err: unknown, stderr: NodeJS.WritableStream = process.stderr): number {
  if (err instanceof CommanderError) {
    // commander has already printed its one-line message (or the help / version text).
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') {
      return ExitCode.ok;
    }
    return ExitCode.usage;
  }
  if (err instanceof KubebootError) {
    for (const line of err.details) stderr.write(`${line}\n`);
    stderr.write(`error: ${err.message}\n`);
    if (err.hint) stderr.write(`${indent(err.hint)}\n`);
    if (process.env.KUBEBOOT_DEBUG === '1' && err.stack) stderr.write(`${err.stack}\n`);
    return err.exitCode;
  }
  const message = err instanceof Error ? err.message : String(err);
  stderr.write(`error: ${message}\n`);
  if (process.env.KUBEBOOT_DEBUG === '1' && err instanceof Error && err.stack) {
    stderr.write(`${err.stack}\n`);
  } else {
    stderr.write('  This is unexpected: run again with KUBEBOOT_DEBUG=1 for the stack trace, and report it.\n');
  }
  return ExitCode.failed;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}
