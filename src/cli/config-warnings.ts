import { formatProblem, type Problem } from '../config/problems.js';

/** Config warnings go to stderr, one per line, so that stdout stays clean for -o json/yaml. */
export function printConfigWarnings(warnings: readonly Problem[]): void {
  for (const warning of warnings) process.stderr.write(`${formatProblem(warning)}\n`);
}
