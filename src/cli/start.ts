import { exitQuietlyOnClosedPipe } from './closed-pipe.js';
import { loadCompiledCli } from './compiled-cli.js';
import { rootFastPath } from './root-fast-path.js';

/**
 * What bin/kubeboot.js runs: `--version` and `--help` from what the build kept, anything else in the
 * compiled CLI. Returns the exit code.
 */
export async function start(argv: string[]): Promise<number> {
  const fast = rootFastPath(argv);
  if (fast !== undefined) {
    exitQuietlyOnClosedPipe(); // the compiled CLI's main() sets this up for the rest
    process.stdout.write(fast);
    return 0;
  }
  return loadCompiledCli().main(argv);
}

export { loadCompiledCli };
