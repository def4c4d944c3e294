import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { decodeBackoff, restartDecision } from './backoff.js';
import { podOfContainer } from './pod-labels.js';
import type { RuntimeContainer, RuntimePod } from './runtime.js';
import { labels, SANDBOX_CONTAINER } from './labels.js';
import { latestByName, shouldRestart } from './pod-plan.js';
import type { StatusNotes } from './status-notes.js';

export interface ContainerView {
  name: string;
  init: boolean;
  image: string;
  id: string;
  /** running, waiting or terminated, as in a Pod's containerStatuses. */
  state: 'running' | 'waiting' | 'terminated';
  /** Why it waits or how it ended: CrashLoopBackOff, ErrImagePull, ContainerCreating, Completed, Error, OOMKilled... */
  reason?: string;
  message?: string;
  exitCode?: number;
  ready: boolean;
  started: boolean;
  restartCount: number;
  /** When a container waiting in back-off is tried again (epoch ms). */
  nextTry?: number;
  startedAt?: number;
  finishedAt?: number;
}

export interface PodRow {
  namespace: string;
  name: string;
  uid: string;
  ready: string;
  status: string;
  restarts: number;
  /** When the newest restarted container started (epoch ms). */
  lastRestart?: number;
  /** The earliest back-off end among the pod's waiting containers (epoch ms). */
  nextTry?: number;
  ageMs: number;
  node: string;
  source: string;
  containers: ContainerView[];
}

function hasProbe(container: Container, probe: 'readinessProbe' | 'startupProbe'): boolean {
  return container[probe] !== undefined;
}

function viewOf(pod: Pod, runtimePod: RuntimePod, spec: Container, init: boolean, latest: RuntimeContainer | undefined, notes: StatusNotes | undefined, initialized: boolean, now: number): ContainerView {
  const base = { name: spec.name, init, image: spec.image ?? '', id: latest?.id.slice(0, 12) ?? '', restartCount: latest?.restartCount ?? 0, ready: false, started: false };
  if (!latest) {
    const note = notes?.waiting[`${runtimePod.uid}/${spec.name}`];
    if (note) return { ...base, state: 'waiting', reason: note.reason, message: note.message, ...(note.notBefore ? { nextTry: Date.parse(note.notBefore) } : {}) };
    return { ...base, state: 'waiting', reason: init || initialized ? 'ContainerCreating' : 'PodInitializing' };
  }
  const times = { ...(latest.startedAt !== undefined ? { startedAt: latest.startedAt } : {}), ...(latest.finishedAt !== undefined ? { finishedAt: latest.finishedAt } : {}) };
  if (latest.running) {
    const note = notes?.containers[latest.id];
    const started = hasProbe(spec, 'startupProbe') ? (note?.started ?? false) : true;
    const ready = !init && started && (hasProbe(spec, 'readinessProbe') ? (note?.ready ?? false) : true);
    return { ...base, ...times, state: 'running', ready, started };
  }
  if (latest.state === 'created') return { ...base, state: 'waiting', reason: 'ContainerCreating' };
  const ended = latest.oomKilled ? 'OOMKilled' : latest.exitCode === 0 ? 'Completed' : 'Error';
  const restart = init ? latest.exitCode !== 0 && pod.spec?.restartPolicy !== 'Never' : shouldRestart(latest, pod.spec?.restartPolicy);
  if (restart) {
    const decision = restartDecision(decodeBackoff(latest.labels[labels.backoff]), latest.startedAt ?? latest.created, latest.finishedAt ?? now);
    if (now < decision.notBefore) {
      return { ...base, ...times, state: 'waiting', reason: 'CrashLoopBackOff', message: `back-off ${Math.round(decision.delayMs / 1000)}s restarting failed container=${spec.name} pod=${runtimePod.name}`, nextTry: decision.notBefore, ...(latest.exitCode !== undefined ? { exitCode: latest.exitCode } : {}) };
    }
  }
  return { ...base, ...times, state: 'terminated', reason: ended, ...(latest.exitCode !== undefined ? { exitCode: latest.exitCode } : {}) };
}

/**
 * What `kubectl get pods` would show for a static pod (kubectl's printPod), from its containers in the
 * engine and, when the reconciler has written them, its probe results and image-pull waits.
 */
export function podRow(runtimePod: RuntimePod, notes?: StatusNotes, now = Date.now()): PodRow {
  const pod = runtimePod.containers.map(podOfContainer).find((p) => p !== undefined) ?? notes?.pods?.[runtimePod.uid]?.pod ?? ({} as Pod);
  const apps = runtimePod.containers.filter((c) => c.name !== SANDBOX_CONTAINER);
  const latest = latestByName(apps);
  const specs = pod.spec?.containers ?? [...latest.values()].map((c) => ({ name: c.name, image: c.image }));
  const initSpecs = pod.spec?.initContainers ?? [];
  const initialized = initSpecs.length === 0 || specs.some((c) => latest.has(c.name));
  const initViews = initSpecs.map((spec) => viewOf(pod, runtimePod, spec, true, latest.get(spec.name), notes, initialized, now));
  const views = specs.map((spec) => viewOf(pod, runtimePod, spec, false, latest.get(spec.name), notes, initialized, now));

  let status = views.some((v) => v.state === 'running') ? 'Running' : 'Pending';
  if (views.length > 0 && views.every((v) => v.state === 'terminated')) status = views.every((v) => v.reason === 'Completed') ? 'Completed' : 'Error';
  let initializing = false;
  if (!initialized) {
    for (const [i, view] of initViews.entries()) {
      if (view.state === 'terminated' && view.exitCode === 0) continue;
      initializing = true;
      if (view.state === 'terminated') status = `Init:${view.reason}`;
      else if (view.state === 'waiting' && view.reason && view.reason !== 'ContainerCreating' && view.reason !== 'PodInitializing') status = `Init:${view.reason}`;
      else status = `Init:${i}/${initViews.length}`;
      break;
    }
  }
  if (!initializing) {
    let hasRunning = false;
    for (const view of [...views].reverse()) {
      if (view.state === 'waiting' && view.reason) status = view.reason;
      else if (view.state === 'terminated' && view.reason) status = view.reason;
      else if (view.state === 'running') hasRunning = true;
    }
    if (status === 'Completed' && hasRunning) status = views.every((v) => v.ready) ? 'Running' : 'NotReady';
  }
  const all = [...initViews, ...views];
  const restarted = apps.filter((c) => c.restartCount > 0).map((c) => c.startedAt ?? c.created);
  const waits = all.map((v) => v.nextTry).filter((t): t is number => t !== undefined);
  return {
    namespace: runtimePod.namespace,
    name: runtimePod.name,
    uid: runtimePod.uid,
    ready: `${views.filter((v) => v.ready).length}/${views.length}`,
    status,
    restarts: all.reduce((sum, v) => sum + v.restartCount, 0),
    ...(restarted.length > 0 ? { lastRestart: Math.max(...restarted) } : {}),
    ...(waits.length > 0 ? { nextTry: Math.min(...waits) } : {}),
    ageMs: runtimePod.containers.length > 0 ? now - Math.min(...runtimePod.containers.map((c) => c.created)) : now - Date.parse(pod.metadata?.annotations?.['kubernetes.io/config.seen'] ?? new Date(now).toISOString()),
    node: runtimePod.containers[0]?.labels[labels.node] ?? notes?.node ?? '',
    source: runtimePod.source,
    containers: all,
  };
}

/** kubectl's age format: 45s, 12m, 3h, 5d. */
export function age(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}
