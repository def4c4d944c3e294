import { exitQuietlyOnClosedPipe } from './closed-pipe.js';

/** Runs the CLI on `argv` (without node and script) and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  exitQuietlyOnClosedPipe();
  try {
    const { buildProgram, commandNamed } = await import('./program.js');
    const { normalizeVerbosity } = await import('./verbosity.js');
    const args = normalizeVerbosity(argv);
    await (await buildProgram(commandNamed(args))).parseAsync(args, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    const { reportError } = await import('./report-error.js');
    return reportError(err);
  }
}

/** `kubeboot --help` as commander prints it, for the build to keep (root-fast-path.ts). */
export async function rootHelpText(): Promise<string> {
  return (await import('./program.js')).rootHelpText();
}
