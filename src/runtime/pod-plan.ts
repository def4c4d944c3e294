import type { Container, PodSpec } from 'kubernetes-types/core/v1.js';
import { decodeBackoff, restartDecision } from './backoff.js';
import type { RuntimeContainer } from './runtime.js';
import { labels, SANDBOX_CONTAINER } from './labels.js';

export interface ContainerStart {
  container: Container;
  init: boolean;
  /** The container this one replaces (kept for `logs --previous`), if any. */
  previous?: RuntimeContainer;
  /** A created-but-never-started container of this attempt (a reconciler killed between create and start). */
  existing?: RuntimeContainer;
  /** The back-off step the new container carries. */
  step: number;
}

export interface ContainerWait {
  name: string;
  init: boolean;
  reason: 'CrashLoopBackOff';
  notBefore: number;
  delayMs: number;
  previous: RuntimeContainer;
}

export interface PodPlan {
  start: ContainerStart[];
  waits: ContainerWait[];
  /** Set when the pod can make no more progress (an init container failed under restartPolicy Never). */
  failed?: string;
}

/** The newest container (highest attempt) of each container name. */
export function latestByName(containers: readonly RuntimeContainer[]): Map<string, RuntimeContainer> {
  const latest = new Map<string, RuntimeContainer>();
  for (const c of containers) {
    if (c.name === SANDBOX_CONTAINER) continue;
    const current = latest.get(c.name);
    if (!current || c.attempt > current.attempt) latest.set(c.name, c);
  }
  return latest;
}

/** The kubelet's ShouldContainerBeRestarted for a container that is not running. */
export function shouldRestart(container: RuntimeContainer, restartPolicy: string | undefined): boolean {
  if (container.state === 'created') return true; // never started: start it, whatever the policy
  if (restartPolicy === 'Never') return false;
  if (restartPolicy === 'OnFailure') return container.exitCode !== 0;
  return true;
}

/**
 * What to do with one pod now, from its spec and its containers (the kubelet's computePodActions,
 * for static pods): init containers one at a time to completion, then every app container; an exited
 * container restarts as its pod's restartPolicy says, after its crash-loop back-off.
 */
export function planPod(spec: PodSpec, containers: readonly RuntimeContainer[], now = Date.now()): PodPlan {
  const plan: PodPlan = { start: [], waits: [] };
  const latest = latestByName(containers);
  const policy = spec.restartPolicy ?? 'Always';

  const consider = (container: Container, init: boolean): 'done' | 'busy' | 'failed' => {
    const last = latest.get(container.name);
    if (!last) {
      plan.start.push({ container, init, step: 0 });
      return 'busy';
    }
    if (last.running) return init ? 'busy' : 'done';
    if (last.state === 'created') {
      plan.start.push({ container, init, existing: last, step: decodeBackoff(last.labels[labels.backoff]).step });
      return 'busy';
    }
    if (init && last.exitCode === 0) return 'done';
    // Init containers restart on failure unless the policy is Never (OnFailure and Always alike).
    const restart = init ? policy !== 'Never' : shouldRestart(last, policy);
    if (!restart) return init ? 'failed' : 'done';
    const decision = restartDecision(decodeBackoff(last.labels[labels.backoff]), last.startedAt ?? last.created, last.finishedAt ?? now);
    if (now < decision.notBefore) {
      plan.waits.push({ name: container.name, init, reason: 'CrashLoopBackOff', notBefore: decision.notBefore, delayMs: decision.delayMs, previous: last });
    } else {
      plan.start.push({ container, init, previous: last, step: decision.nextStep });
    }
    return 'busy';
  };

  // Once any app container exists, initialization is over: init containers are not run again.
  const initialized = (spec.containers ?? []).some((c) => latest.has(c.name));
  if (!initialized) {
    for (const container of spec.initContainers ?? []) {
      const result = consider(container, true);
      if (result === 'failed') {
        plan.failed = `init container ${container.name} failed (exit code ${latest.get(container.name)?.exitCode}) and restartPolicy is Never`;
        return plan;
      }
      if (result === 'busy') return plan;
    }
  }
  for (const container of spec.containers ?? []) consider(container, false);
  return plan;
}
