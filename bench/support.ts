import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';

/** One benchmark row, as `--json` writes it. */
export interface Row {
  name: string;
  /** The measured value: the median (p50) of the runs. */
  value: number;
  unit: string;
  /** The same work done by the baseline, measured in the same run (median); null where the row has none. */
  baseline: number | null;
  baselineName?: string;
  /** value / baseline: below 1 is faster (or lighter) than the baseline. */
  ratio: number | null;
  runs: number;
  p50: number;
  p95: number;
  target?: string;
  note?: string;
  /** Every run's value, and the baseline's, in the order they ran: how noisy the row is. */
  values: number[];
  baselineValues?: number[];
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const at = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[at]!;
}

/** `digits`: decimals kept (1; 2 where a target sits near the value, as idle CPU's 0.5 %). */
export function row(name: string, values: number[], unit: string, baseline?: { name: string; values: number[] }, extra: Partial<Row> = {}, digits = 1): Row {
  const p50 = percentile(values, 50);
  const base = baseline ? percentile(baseline.values, 50) : null;
  return {
    name,
    value: round(p50, digits),
    unit,
    baseline: base === null ? null : round(base, digits),
    ...(baseline ? { baselineName: baseline.name } : {}),
    ratio: base ? round(p50 / base, 2) : null,
    runs: values.length,
    p50: round(p50, digits),
    p95: round(percentile(values, 95), digits),
    values: values.map((v) => round(v, digits)),
    ...(baseline ? { baselineValues: baseline.values.map((v) => round(v, digits)) } : {}),
    ...extra,
  };
}

export function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export const BENCH_LABEL = 'io.kubeboot.bench';
export const benchRun = `bench-${randomBytes(3).toString('hex')}`;

/** Resolves with the time (ms, from the engine's clock) of each of the first `count` events that match. */
export async function engineEvents(docker: Docker, filters: Record<string, string[]>, count: number, timeoutMs = 120_000): Promise<{ done: Promise<number[]>; cancel: () => void }> {
  const stream = (await docker.getEvents({ filters })) as NodeJS.ReadableStream & { destroy: () => void };
  const times: number[] = [];
  let buffer = '';
  const done = new Promise<number[]>((resolve, reject) => {
    const timer = setTimeout(() => {
      stream.destroy();
      reject(new Error(`timed out waiting for ${count} ${JSON.stringify(filters)} events (saw ${times.length})`));
    }, timeoutMs);
    stream.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (!line.trim()) continue;
        times.push((JSON.parse(line) as { timeNano: number }).timeNano / 1e6);
        if (times.length >= count) {
          clearTimeout(timer);
          stream.destroy();
          resolve(times);
        }
      }
    });
  });
  return { done, cancel: () => stream.destroy() };
}

/** Removes every container with one of these label filters (`key=value`). */
export async function removeContainers(docker: Docker, label: string): Promise<void> {
  const list = await docker.listContainers({ all: true, filters: { label: [label] } });
  await Promise.all(list.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
}

/** Runs `tasks` with at most `limit` at a time. */
export async function bounded<T>(tasks: Array<() => Promise<T>>, limit: number): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
