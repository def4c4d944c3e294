import type { RuntimePod } from './docker-pods.js';
import { labels, SANDBOX_CONTAINER } from './labels.js';

export interface PodRow {
  namespace: string;
  name: string;
  uid: string;
  ready: string;
  status: string;
  restarts: number;
  ageMs: number;
  node: string;
  source: string;
  containers: Array<{ name: string; image: string; id: string; state: string; restartCount: number }>;
}

/** What `kubectl get pods` would show for a pod, from its containers. */
export function podRow(pod: RuntimePod, now = Date.now()): PodRow {
  const apps = pod.containers.filter((c) => c.name !== SANDBOX_CONTAINER);
  const latest = new Map<string, (typeof apps)[number]>();
  for (const container of apps) {
    const current = latest.get(container.name);
    if (!current || container.attempt > current.attempt) latest.set(container.name, container);
  }
  const spec = JSON.parse(pod.containers.find((c) => c.labels[labels.podSpec])?.labels[labels.podSpec] ?? '{}') as { spec?: { containers?: Array<{ name: string }> } };
  const expected = spec.spec?.containers?.length ?? latest.size;
  const current = [...latest.values()];
  const running = current.filter((c) => c.running).length;
  let status = 'Pending';
  if (running === expected && expected > 0) status = 'Running';
  else if (current.some((c) => c.state === 'exited' || c.state === 'dead')) status = 'Error';
  else if (current.some((c) => c.state === 'created')) status = 'ContainerCreating';
  return {
    namespace: pod.namespace,
    name: pod.name,
    uid: pod.uid,
    ready: `${running}/${expected}`,
    status,
    restarts: current.reduce((sum, c) => sum + c.restartCount, 0),
    ageMs: now - Math.min(...pod.containers.map((c) => c.created)),
    node: pod.containers[0]?.labels[labels.node] ?? '',
    source: pod.source,
    containers: current.map((c) => ({ name: c.name, image: c.image, id: c.id.slice(0, 12), state: c.state, restartCount: c.restartCount })),
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
