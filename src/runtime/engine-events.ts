import type Docker from 'dockerode';
import type { Logger } from '../util/log.js';
import { labels } from './labels.js';

export interface ContainerEvent {
  action: string;
  id: string;
  labels: Record<string, string>;
}

export interface EngineEventsOptions {
  docker: Docker;
  node: string;
  log: Logger;
  onEvent: (event: ContainerEvent) => void;
  /** Called each time the stream is (re)opened: whatever happened while it was closed must be looked at. */
  onConnected: () => void;
}

/**
 * The engine's event stream, filtered to this node's containers, so a container's death is seen as it
 * happens. The stream is re-opened when it drops (dockerd restarted, socket gone) with a growing pause,
 * and each loss and recovery is logged once.
 */
export function watchEngineEvents(options: EngineEventsOptions): { stop: () => void } {
  const { docker, node, log } = options;
  let stopped = false;
  let generation = 0;
  let failures = 0;
  let lost = false;
  let stream: NodeJS.ReadableStream | undefined;
  let retryTimer: NodeJS.Timeout | undefined;

  const retry = (mine: number, reason: string) => {
    if (stopped || mine !== generation) return;
    generation++;
    stream = undefined;
    if (!lost) {
      lost = true;
      log('warn', 'lost the container engine event stream; reconnecting', { error: reason });
    }
    failures++;
    retryTimer = setTimeout(open, Math.min(5000, 100 * 2 ** Math.min(failures, 6)));
  };

  const open = async () => {
    const mine = generation;
    try {
      const events = (await docker.getEvents({
        filters: { type: ['container'], label: [`${labels.node}=${node}`], event: ['die', 'start', 'destroy', 'oom'] },
      })) as NodeJS.ReadableStream;
      if (stopped || mine !== generation) {
        (events as unknown as { destroy?: () => void }).destroy?.();
        return;
      }
      stream = events;
      if (lost) log('info', 'container engine event stream is back');
      lost = false;
      failures = 0;
      let buffer = '';
      events.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        let newline: number;
        while ((newline = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, newline).trim();
          buffer = buffer.slice(newline + 1);
          if (!line) continue;
          try {
            const event = JSON.parse(line) as { Action?: string; status?: string; id?: string; Actor?: { ID?: string; Attributes?: Record<string, string> } };
            options.onEvent({ action: event.Action ?? event.status ?? '', id: event.Actor?.ID ?? event.id ?? '', labels: event.Actor?.Attributes ?? {} });
          } catch {
            // not an event line: ignore
          }
        }
      });
      events.on('end', () => retry(mine, 'the stream ended'));
      events.on('close', () => retry(mine, 'the stream closed'));
      events.on('error', (err: Error) => retry(mine, err.message));
      options.onConnected();
    } catch (err) {
      retry(mine, (err as Error).message);
    }
  };

  void open();
  return {
    stop: () => {
      stopped = true;
      clearTimeout(retryTimer);
      (stream as unknown as { destroy?: () => void } | undefined)?.destroy?.();
    },
  };
}
