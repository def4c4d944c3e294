import type { ContainerStatus, Pod, PodCondition, PodStatus } from 'kubernetes-types/core/v1.js';
import type { ContainerView, PodRow } from './pod-status.js';

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

function containerStatus(view: ContainerView, fullIds: Map<string, string>): ContainerStatus {
  const state: ContainerStatus['state'] =
    view.state === 'running'
      ? { running: { ...(view.startedAt !== undefined ? { startedAt: iso(view.startedAt)! } : {}) } }
      : view.state === 'waiting'
        ? { waiting: { ...(view.reason ? { reason: view.reason } : {}), ...(view.message ? { message: view.message } : {}) } }
        : { terminated: { exitCode: view.exitCode ?? 0, ...(view.reason ? { reason: view.reason } : {}), ...(view.startedAt !== undefined ? { startedAt: iso(view.startedAt)! } : {}), ...(view.finishedAt !== undefined ? { finishedAt: iso(view.finishedAt)! } : {}) } };
  const id = fullIds.get(view.id) ?? view.id;
  return { name: view.name, image: view.image, imageID: '', ready: view.ready, started: view.started, restartCount: view.restartCount, state, ...(id ? { containerID: `docker://${id}` } : {}) };
}

/**
 * A static pod's status as the kubelet reports it (kubelet_pods.go getPhase, the pod conditions),
 * from what `kubeboot ps` computes: for `/pods` and for mirror pods.
 */
export function apiPodStatus(row: PodRow, options: { hostIP: string; podIP: string; restartPolicy?: string; fullIds?: Map<string, string>; now?: number }): PodStatus {
  const fullIds = options.fullIds ?? new Map<string, string>();
  const apps = row.containers.filter((c) => !c.init);
  const inits = row.containers.filter((c) => c.init);
  const initialized = inits.every((c) => c.state === 'terminated' && c.exitCode === 0) || apps.some((c) => c.state !== 'waiting' || c.restartCount > 0);
  let phase: PodStatus['phase'] = 'Pending';
  if (apps.some((c) => c.state === 'running')) phase = 'Running';
  else if (apps.length > 0 && apps.every((c) => c.state === 'terminated')) {
    const allOk = apps.every((c) => c.exitCode === 0);
    phase = options.restartPolicy === 'Always' ? 'Running' : allOk ? 'Succeeded' : options.restartPolicy === 'Never' ? 'Failed' : 'Running';
  } else if (initialized && apps.some((c) => c.reason === 'CrashLoopBackOff')) phase = 'Running';
  const ready = apps.length > 0 && apps.every((c) => c.ready);
  const now = iso(options.now ?? Date.now())!;
  const condition = (type: string, status: boolean): PodCondition => ({ type, status: status ? 'True' : 'False', lastTransitionTime: now, ...(status ? {} : { reason: type === 'Initialized' ? 'ContainersNotInitialized' : 'ContainersNotReady' }) });
  return {
    phase,
    conditions: [condition('Initialized', initialized), condition('Ready', ready), condition('ContainersReady', ready), { type: 'PodScheduled', status: 'True', lastTransitionTime: now }],
    hostIP: options.hostIP,
    hostIPs: [{ ip: options.hostIP }],
    podIP: options.podIP,
    podIPs: [{ ip: options.podIP }],
    ...(inits.length > 0 ? { initContainerStatuses: inits.map((c) => containerStatus(c, fullIds)) } : {}),
    containerStatuses: apps.map((c) => containerStatus(c, fullIds)),
    qosClass: 'BestEffort',
  };
}

/** The pod with its status, as `/pods` lists it. */
export function podWithStatus(pod: Pod, status: PodStatus): Pod {
  return { ...pod, apiVersion: 'v1', kind: 'Pod', status };
}
