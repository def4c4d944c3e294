import type { Logger } from '../util/log.js';
import type { ContainerRuntime, RuntimeEvent } from './runtime.js';

export type ContainerEvent = RuntimeEvent;

export interface EngineEventsOptions {
  runtime: ContainerRuntime;
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
  const { runtime, node, log } = options;
  let stopped = false;
  let generation = 0;
  let failures = 0;
  let lost = false;
  let stream: { close: () => void } | undefined;
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
      const events = await runtime.openEvents(node, options.onEvent, (reason) => retry(mine, reason));
      if (stopped || mine !== generation) {
        events.close();
        return;
      }
      stream = events;
      if (lost) log('info', 'container engine event stream is back');
      lost = false;
      failures = 0;
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
      stream?.close();
    },
  };
}
