import { readFileSync, statSync } from 'node:fs';
import { packageInfo } from '../util/package-info.js';

/** Written by `npm run build` (scripts/build.mjs) next to the compiled CLI: commander's own `kubeboot --help`. */
const ROOT_HELP = new URL('./root-help.txt', import.meta.url);

/**
 * `kubeboot --version` and `kubeboot --help` answered without loading commander and the command
 * tree (~35 ms on a 120 ms Node start; the target is 1.3× a bare `node -e 0`): the version from
 * package.json, the help as commander printed it at build time (as oclif's command manifest does).
 * Undefined when argv asks for something else, or the help text is missing or older than the CLI (the
 * build empties dist/ and writes every module before the help, so this module's own file tells).
 */
export function rootFastPath(argv: readonly string[]): string | undefined {
  if (argv.length !== 1) return undefined;
  if (argv[0] === '--version') return `${packageInfo().version}\n`;
  if (argv[0] !== '--help' && argv[0] !== '-h') return undefined;
  try {
    return statSync(ROOT_HELP).mtimeMs >= statSync(new URL(import.meta.url)).mtimeMs ? readFileSync(ROOT_HELP, 'utf8') : undefined;
  } catch {
    return undefined; // run from the sources, or not built: commander prints it
  }
}
