import type Docker from 'dockerode';
import { listPods, startPod, stopPod, type RuntimePod } from '../runtime/docker-pods.js';
import type { Logger } from '../util/log.js';
import type { StaticPod } from './static-pod.js';

export interface ReconcilerOptions {
  docker: Docker;
  node: string;
  rootfs?: string;
  hostIP: string;
  sandboxImage: string;
  log: Logger;
  /** How many pods are worked on at once; each pod's own steps stay in order. */
  concurrency?: number;
}

/** Runs `tasks` with at most `limit` at a time. */
async function bounded(tasks: Array<() => Promise<void>>, limit: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) await tasks[next++]!();
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
}

/**
 * Makes this node's containers match the desired static pods. State lives in the engine (labels),
 * not in memory, so a restarted reconciler adopts what runs: a pod whose UID is still desired is
 * left untouched.
 */
export class Reconciler {
  private desired = new Map<string, StaticPod>();
  private running: Promise<void> | undefined;
  private again = false;

  constructor(private readonly options: ReconcilerOptions) {}

  /** Sets the desired pods and syncs; overlapping calls collapse into one more pass. */
  update(desired: Map<string, StaticPod>): Promise<void> {
    this.desired = desired;
    return this.kick();
  }

  kick(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.sync()
      .catch((err: Error) => this.options.log('error', 'sync failed', { error: err.message }))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          void this.kick();
        }
      });
    return this.running;
  }

  private async sync(): Promise<void> {
    const { docker, node } = this.options;
    const actual = await listPods(docker, node);
    const desiredByUid = new Map([...this.desired.values()].map((pod) => [pod.uid, pod]));
    const stale = [...actual.values()].filter((pod) => !desiredByUid.has(pod.uid));
    const staleByKey = new Map<string, RuntimePod[]>();
    for (const pod of stale) {
      const key = `${pod.namespace}/${pod.name}`;
      staleByKey.set(key, [...(staleByKey.get(key) ?? []), pod]);
    }
    const tasks: Array<() => Promise<void>> = [];
    for (const pod of this.desired.values()) {
      const old = staleByKey.get(pod.key) ?? [];
      staleByKey.delete(pod.key);
      tasks.push(async () => {
        // A changed pod is a new UID: the old one is fully stopped first, so host ports never clash.
        for (const previous of old) await this.stop(previous, 'replaced by a changed manifest');
        await this.start(pod, actual.get(pod.uid));
      });
    }
    for (const pods of staleByKey.values()) for (const pod of pods) tasks.push(() => this.stop(pod, 'manifest removed'));
    await bounded(tasks, this.options.concurrency ?? 8);
  }

  private async start(pod: StaticPod, existing: RuntimePod | undefined): Promise<void> {
    const { log } = this.options;
    try {
      const started = await startPod(this.options.docker, pod, existing, this.options);
      if (started.length > 0) {
        log('info', existing ? 'containers started' : 'pod started', { pod: pod.key, uid: pod.uid, containers: started.join(','), source: pod.source });
      }
    } catch (err) {
      log('error', 'pod could not be started', { pod: pod.key, uid: pod.uid, error: (err as Error).message });
    }
  }

  private async stop(pod: RuntimePod, reason: string): Promise<void> {
    try {
      await stopPod(this.options.docker, pod);
      this.options.log('info', 'pod stopped', { pod: `${pod.namespace}/${pod.name}`, uid: pod.uid, reason });
    } catch (err) {
      this.options.log('error', 'pod could not be stopped', { pod: `${pod.namespace}/${pod.name}`, uid: pod.uid, error: (err as Error).message });
    }
  }
}
