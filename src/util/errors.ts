/** Exit codes scripts can rely on. */
export const ExitCode = {
  ok: 0,
  /** The operation was tried and failed (bad config, engine error, unhealthy component...). */
  failed: 1,
  /** The command line itself was wrong. */
  usage: 2,
} as const;

export interface KubebootErrorOptions {
  /** What the user can do next, printed under the message. */
  hint?: string;
  exitCode?: number;
  cause?: unknown;
  /** Lines printed before the message, as they are (e.g. one line per config problem). */
  details?: string[];
}

/** An error whose message is meant for the user as it is: no stack trace is shown for it. */
export class KubebootError extends Error {
  readonly hint: string | undefined;
  readonly exitCode: number;
  readonly details: string[];

  constructor(message: string, options: KubebootErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? ExitCode.failed;
    this.details = options.details ?? [];
  }
}

/** A wrong command line: unknown value, missing argument, flags that exclude each other. */
export class UsageError extends KubebootError {
  constructor(message: string, options: Omit<KubebootErrorOptions, 'exitCode'> = {}) {
    super(message, { ...options, exitCode: ExitCode.usage });
  }
}
