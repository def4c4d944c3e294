/**
 * The kubelet's crash-loop back-off (client-go flowcontrol.Backoff as the kubelet uses it): the first
 * crash restarts at once, then the waits are initial, 2×initial, … capped at max, and a container that
 * ran long enough before dying starts the sequence again.
 *
 * The kubelet keeps this in memory and loses it when it restarts. Here each container carries its
 * step and periods in a label, so the delay is a function of what the engine shows: a restarted
 * reconciler and `kubeboot ps` compute the same next try as the running daemon.
 */
export interface BackoffSettings {
  initialMs: number;
  maxMs: number;
}

export interface BackoffLabel extends BackoffSettings {
  /** How many quick crashes came before this container was started (0 for a first start). */
  step: number;
}

/** The kubelet's defaults: 10 s, doubling, capped at 300 s. */
export const DEFAULT_CRASH_BACKOFF: BackoffSettings = { initialMs: 10_000, maxMs: 300_000 };

/**
 * How long a container must have run for its crash to count as a fresh start: the kubelet's 10 minutes
 * for its default maximum, and twice the maximum (client-go's own rule) when the maximum is shorter,
 * so that short test periods also reset.
 */
export function resetAfterMs(settings: BackoffSettings): number {
  return Math.min(600_000, 2 * settings.maxMs);
}

export function encodeBackoff(label: BackoffLabel): string {
  return `step=${label.step},initial=${label.initialMs},max=${label.maxMs}`;
}

export function decodeBackoff(value: string | undefined, fallback: BackoffSettings = DEFAULT_CRASH_BACKOFF): BackoffLabel {
  const fields = Object.fromEntries((value ?? '').split(',').map((part) => part.split('=') as [string, string]));
  const number = (text: string | undefined, otherwise: number) => (text !== undefined && /^\d+$/.test(text) ? Number(text) : otherwise);
  return { step: number(fields.step, 0), initialMs: number(fields.initial, fallback.initialMs), maxMs: number(fields.max, fallback.maxMs) };
}

export interface RestartDecision {
  /** When the next container may start (epoch ms); at or before `finishedAt` means at once. */
  notBefore: number;
  /** The step the next container carries. */
  nextStep: number;
  delayMs: number;
}

/** When a container that carried `label`, ran from `startedAt` and died at `finishedAt` may be restarted. */
export function restartDecision(label: BackoffLabel, startedAt: number, finishedAt: number): RestartDecision {
  const ranMs = Math.max(0, finishedAt - startedAt);
  const step = ranMs >= resetAfterMs(label) ? 0 : label.step;
  const delayMs = step === 0 ? 0 : Math.min(label.maxMs, label.initialMs * 2 ** Math.min(step - 1, 30));
  return { notBefore: finishedAt + delayMs, nextStep: step + 1, delayMs };
}

/**
 * A retry back-off in memory for what leaves no container behind to carry a label — image pulls
 * (the kubelet's: 10 s doubling to 300 s), sandboxes that cannot be made — keyed by pod UID and name.
 */
export class RetryBackoff {
  private readonly entries = new Map<string, { failures: number; notBefore: number; message: string }>();

  constructor(private readonly settings: BackoffSettings = DEFAULT_CRASH_BACKOFF) {}

  /** The failure to report while the key waits, or undefined when a pull may be tried now. */
  waiting(key: string, now = Date.now()): { notBefore: number; message: string } | undefined {
    const entry = this.entries.get(key);
    return entry && now < entry.notBefore ? entry : undefined;
  }

  failed(key: string, message: string, now = Date.now()): void {
    const failures = (this.entries.get(key)?.failures ?? 0) + 1;
    const delay = Math.min(this.settings.maxMs, this.settings.initialMs * 2 ** Math.min(failures - 1, 30));
    this.entries.set(key, { failures, notBefore: now + delay, message });
  }

  succeeded(key: string): void {
    this.entries.delete(key);
  }

  forget(prefix: string): void {
    for (const key of this.entries.keys()) if (key.startsWith(prefix)) this.entries.delete(key);
  }
}
