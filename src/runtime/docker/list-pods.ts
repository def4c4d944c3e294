import type { ContainerReads } from './container-reads.js';
import { labels, SANDBOX_CONTAINER } from '../labels.js';
import type { PodQuery, RuntimeContainer, RuntimePod } from '../runtime.js';

function attemptOf(dockerName: string): number {
  return Number(/_(\d+)$/.exec(dockerName)?.[1] ?? 0);
}

/** `Exited (137) 3 seconds ago` → 137. */
function exitCodeOf(status: string): number | undefined {
  const match = /^Exited \((-?\d+)\)/.exec(status);
  return match ? Number(match[1]) : undefined;
}

/**
 * Every container of `query.node` (or of all nodes), grouped by pod UID; `query.labels` narrows by more labels.
 * The newest stopped container of each name is inspected for its exit code and times (the back-off and
 * the status need them); older ones only keep their logs. The engine's list lags behind its events (a
 * container it just reported dead is still listed as running for a moment): `query.reportedDead` names
 * containers to inspect whatever the list says.
 */
export async function listPods(engine: ContainerReads, query: PodQuery = {}): Promise<Map<string, RuntimePod>> {
  const filter = query.node ? `${labels.node}=${query.node}` : labels.node;
  const reportedDead = query.reportedDead ?? new Set<string>();
  const stateOf = (id: string) => engine.inspect(id).then((i) => i.State, () => undefined);
  // Those are inspected while the list is made, not after it: a restart waits on both (~5 ms each here).
  const early = new Map([...reportedDead].map((id) => [id, stateOf(id)]));
  const list = await engine.listContainers({ label: [filter, ...(query.labels ?? [])] });
  const pods = new Map<string, RuntimePod>();
  for (const info of list) {
    const l = info.Labels;
    const uid = l[labels.podUid];
    if (!uid) continue;
    const pod = pods.get(uid) ?? { uid, name: l[labels.podName] ?? '', namespace: l[labels.podNamespace] ?? '', source: l[labels.source] ?? '', containers: [] };
    const dockerName = (info.Names[0] ?? '').replace(/^\//, '');
    const exitCode = exitCodeOf(info.Status);
    pod.containers.push({
      id: info.Id,
      name: l[labels.type] === 'podsandbox' ? SANDBOX_CONTAINER : (l[labels.containerName] ?? ''),
      dockerName,
      state: info.State,
      running: info.State === 'running',
      attempt: attemptOf(dockerName),
      restartCount: Number(l[labels.restartCount] ?? 0),
      created: info.Created * 1000,
      image: info.Image,
      labels: l,
      ...(exitCode !== undefined ? { exitCode } : {}),
    });
    pods.set(uid, pod);
  }
  const stopped: RuntimeContainer[] = [];
  for (const pod of pods.values()) {
    const newest = new Map<string, RuntimeContainer>();
    for (const c of pod.containers) if ((newest.get(c.name)?.attempt ?? -1) < c.attempt) newest.set(c.name, c);
    for (const c of newest.values()) if ((!c.running && c.state !== 'created') || reportedDead.has(c.id)) stopped.push(c);
  }
  await Promise.all(
    stopped.map(async (c) => {
      const state = await (early.get(c.id) ?? stateOf(c.id));
      if (!state) return;
      if (c.running && !state.Running) {
        c.running = false;
        c.state = state.Status;
      }
      if (c.running) return;
      const time = (value: string) => (value && !value.startsWith('0001-') ? Date.parse(value) : undefined);
      c.exitCode = state.ExitCode;
      c.oomKilled = state.OOMKilled;
      const started = time(state.StartedAt);
      const finished = time(state.FinishedAt);
      if (started !== undefined) c.startedAt = started;
      if (finished !== undefined) c.finishedAt = finished;
    }),
  );
  return pods;
}
