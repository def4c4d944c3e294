const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go's time.Duration text (`8760h0m0s`, `1m30s`, `500ms`) in milliseconds; undefined when invalid. */
export function parseGoDuration(text: string): number | undefined {
  if (text === '0') return 0;
  const match = /^([-+]?)((?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|\u00b5s|ms|s|m|h))+)$/.exec(text);
  if (!match) return undefined;
  let total = 0;
  for (const part of match[2]!.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|\u00b5s|ms|s|m|h)/g)) {
    total += Number(part[1]) * UNIT_MS[part[2]!]!;
  }
  return match[1] === '-' ? -total : total;
}

/** A short human duration as kubeadm prints residual times: `364d`, `9y`, `23h`, `5m`. */
export function humanDuration(ms: number): string {
  if (ms <= 0) return '<invalid>';
  const minutes = Math.floor(ms / 60_000);
  const hours = Math.floor(minutes / 60);
  const days = Math.floor(hours / 24);
  if (days >= 365 * 2) return `${Math.floor(days / 365)}y`;
  if (days >= 1) return `${days}d`;
  if (hours >= 1) return `${hours}h`;
  return `${minutes}m`;
}
