import { ExitCode, KubebootError } from '../util/errors.js';

export type Severity = 'error' | 'warning';

/** One thing wrong (or doubtful) in a configuration, located as precisely as we know. */
export interface Problem {
  severity: Severity;
  /** The file, or where the value came from (`flag --service-cidr`). */
  origin: string;
  line?: number;
  col?: number;
  /** Field path starting with the kind, e.g. `ClusterConfiguration.networking.podSubnet`. */
  path: string;
  message: string;
}

/** `file:line:col: path: message`, with `warning: ` before the path for warnings. */
export function formatProblem(problem: Problem): string {
  const where = [problem.origin, problem.line, problem.col].filter((part) => part !== undefined).join(':');
  const severity = problem.severity === 'warning' ? 'warning: ' : '';
  const path = problem.path ? `${problem.path}: ` : '';
  return `${where}: ${severity}${path}${problem.message}`;
}

/** A configuration that cannot be used; carries every problem found, not just the first. */
export class ConfigError extends KubebootError {
  readonly problems: Problem[];

  constructor(origin: string, problems: Problem[]) {
    const errors = problems.filter((p) => p.severity === 'error');
    const count = errors.length === 1 ? '1 problem' : `${errors.length} problems`;
    // The command line alone is wrong (every error names a flag): a usage error, exit 2, as for any bad flag.
    const onlyFlags = errors.every((p) => p.origin.startsWith('flag '));
    super(`${onlyFlags ? 'the flags' : origin}: ${count} in the configuration; nothing was done`, {
      details: problems.map(formatProblem),
      hint: onlyFlags ? 'Fix the flags named above and run the command again.' : 'Fix the fields named above and run the command again; `kubeboot config validate --config FILE` checks a file on its own.',
      exitCode: onlyFlags ? ExitCode.usage : ExitCode.failed,
    });
    this.problems = problems;
  }
}

/** Shows a value in a message: strings quoted, long ones cut. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  const text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a number';
  return `a ${typeof value}`;
}

/** kubeadm's ValidateIgnorePreflightErrors: "all" only on the command line, for one run. */
export const ALL_IN_FILE = "'all' cannot be used in configuration file; list the checks to ignore, or give --ignore-preflight-errors all for one run";
