import { rootFastPath } from './root-fast-path.js';

/** Runs the CLI on `argv` (without node and script) and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  // `kubeboot ... | head` closes the pipe early: that is the reader's choice, not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  const fast = rootFastPath(argv);
  if (fast !== undefined) {
    process.stdout.write(fast);
    return 0;
  }
  try {
    const { buildProgram, commandNamed } = await import('./program.js');
    await (await buildProgram(commandNamed(argv))).parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    const { reportError } = await import('./report-error.js');
    return reportError(err);
  }
}
