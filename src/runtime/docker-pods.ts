import type Docker from 'dockerode';
import type { Container, LifecycleHandler, Pod } from 'kubernetes-types/core/v1.js';
import { execHandler, httpGetHandler, resolvePort, type HandlerResult } from './handlers.js';
import { labels, SANDBOX_CONTAINER } from './labels.js';

export interface RuntimeContainer {
  id: string;
  /** The pod's container name, or `POD` for the sandbox. */
  name: string;
  dockerName: string;
  state: string;
  running: boolean;
  attempt: number;
  restartCount: number;
  created: number;
  image: string;
  labels: Record<string, string>;
  /** For a container that has stopped: how it ended (from the engine's inspect). */
  exitCode?: number;
  startedAt?: number;
  finishedAt?: number;
  oomKilled?: boolean;
}

export interface RuntimePod {
  uid: string;
  name: string;
  namespace: string;
  source: string;
  containers: RuntimeContainer[];
}

function attemptOf(dockerName: string): number {
  return Number(/_(\d+)$/.exec(dockerName)?.[1] ?? 0);
}

/** `Exited (137) 3 seconds ago` → 137. */
function exitCodeOf(status: string): number | undefined {
  const match = /^Exited \((-?\d+)\)/.exec(status);
  return match ? Number(match[1]) : undefined;
}

/**
 * Every container of `node` (or of all nodes), grouped by pod UID; `filters` narrows by more labels.
 * The newest stopped container of each name is inspected for its exit code and times (the back-off and
 * the status need them); older ones only keep their logs. The engine's list lags behind its events (a
 * container it just reported dead is still listed as running for a moment): `reportedDead` names
 * containers to inspect whatever the list says.
 */
export async function listPods(docker: Docker, node?: string, filters: string[] = [], reportedDead: ReadonlySet<string> = new Set()): Promise<Map<string, RuntimePod>> {
  const filter = node ? `${labels.node}=${node}` : labels.node;
  const list = await docker.listContainers({ all: true, filters: { label: [filter, ...filters] } });
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
      const state = await docker.getContainer(c.id).inspect().then((i) => i.State, () => undefined);
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

function isStatus(err: unknown, code: number): boolean {
  return (err as { statusCode?: number }).statusCode === code;
}

/** Creates and starts a container; after a crash between create and start, finds and starts that one instead. */
export async function createAndStart(docker: Docker, options: Docker.ContainerCreateOptions): Promise<Docker.Container> {
  let container: Docker.Container;
  try {
    container = await docker.createContainer(options);
  } catch (err) {
    // The deterministic name exists: a previous run created it. Use it rather than duplicate it.
    if (!isStatus(err, 409)) throw err;
    container = docker.getContainer(options.name!);
    if ((await container.inspect()).State.Running) return container;
  }
  try {
    await container.start();
  } catch (err) {
    if (!isStatus(err, 304)) throw err; // 304: already started
  }
  return container;
}

/** A missing image that the pull policy forbids pulling (the kubelet's ErrImageNeverPull). */
export class ImageNeverPullError extends Error {}

/** Makes the image available as the pull policy says; Never and a missing image is an error. */
export async function ensureImage(docker: Docker, image: string, policy: string | undefined, known?: Map<string, number>): Promise<void> {
  // An image seen in the last minute is taken as still there (Always asks the registry anyway).
  if (policy !== 'Always' && (known?.get(image) ?? 0) > Date.now() - 60_000) return;
  const present = await docker
    .getImage(image)
    .inspect()
    .then(() => true)
    .catch(() => false);
  if (present) known?.set(image, Date.now());
  if (present && policy !== 'Always') return;
  if (!present && policy === 'Never') throw new ImageNeverPullError(`image ${image} is not present and imagePullPolicy is Never`);
  try {
    const stream = await docker.pull(image);
    await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())));
  } catch (err) {
    if (present) return; // Always, but the registry is unreachable: run what we have
    throw new Error(`image ${image} is not present and cannot be pulled (${(err as Error).message.split('\n')[0]})`);
  }
}

/** The address of a pod whose sandbox is `sandboxId`: the sandbox's bridge address, else `fallback`. */
export async function sandboxAddress(docker: Docker, sandboxId: string, fallback: string): Promise<string> {
  const inspected = await docker.getContainer(sandboxId).inspect().catch(() => undefined);
  return Object.values(inspected?.NetworkSettings.Networks ?? {}).find((n) => n.IPAddress)?.IPAddress || fallback;
}

/** The pod a container was made for, from its label (also when the manifest is gone). */
export function podOfContainer(c: RuntimeContainer): Pod | undefined {
  try {
    return JSON.parse(c.labels[labels.podSpec] ?? '') as Pod;
  } catch {
    return undefined;
  }
}

export interface StopContext {
  /** The grace period; the pod's terminationGracePeriodSeconds when not given. 2 s is the minimum. */
  graceSeconds?: number;
  /** Where an httpGet preStop hook goes when it names no host: the pod's address. */
  podIP: string;
  onHook?: (container: RuntimeContainer, result: HandlerResult) => void;
}

async function runPreStop(docker: Docker, c: RuntimeContainer, hook: LifecycleHandler, spec: Container, podIP: string, timeoutMs: number): Promise<HandlerResult> {
  if (hook.exec?.command) return execHandler(docker, c.id, hook.exec.command, timeoutMs);
  if (hook.httpGet) {
    const port = resolvePort(hook.httpGet.port, spec);
    if (port === undefined) return { ok: false, message: `preStop httpGet: no port named ${JSON.stringify(hook.httpGet.port)}` };
    return httpGetHandler(hook.httpGet, podIP, port, timeoutMs);
  }
  if (hook.sleep) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(timeoutMs, hook.sleep!.seconds * 1000)));
    return { ok: true, message: `slept ${hook.sleep.seconds}s` };
  }
  return { ok: true, message: 'no action' };
}

/**
 * Stops one container as the kubelet's killContainer does: the preStop hook first (its time counts
 * against the grace period), then the engine's stop — SIGTERM or the image's stop signal, SIGKILL when
 * the rest of the grace period (2 s at least) runs out. The container is kept (for its logs).
 */
export async function stopContainer(docker: Docker, c: RuntimeContainer, context: StopContext): Promise<void> {
  if (!c.running) return;
  const pod = podOfContainer(c);
  const grace = context.graceSeconds ?? pod?.spec?.terminationGracePeriodSeconds ?? Number(c.labels[labels.terminationGracePeriod] ?? 30);
  const started = Date.now();
  const spec = pod?.spec?.containers?.find((s) => s.name === c.name) ?? pod?.spec?.initContainers?.find((s) => s.name === c.name);
  const hook = spec?.lifecycle?.preStop;
  if (hook && spec && grace > 0) {
    const result = await runPreStop(docker, c, hook, spec, context.podIP, grace * 1000).catch((err: Error) => ({ ok: false, message: err.message }));
    context.onHook?.(c, result);
  }
  const left = Math.max(2, Math.ceil(grace - (Date.now() - started) / 1000));
  await docker
    .getContainer(c.id)
    .stop({ t: left })
    .catch((err: unknown) => (isStatus(err, 304) || isStatus(err, 404) ? undefined : Promise.reject(err)));
}

export async function removeContainer(docker: Docker, c: RuntimeContainer): Promise<void> {
  await docker
    .getContainer(c.id)
    .remove({ force: true, v: true })
    .catch((err: unknown) => (isStatus(err, 404) || isStatus(err, 409) ? undefined : Promise.reject(err)));
}

/** Stops a pod's app containers (each gracefully, at once), then its sandbox, and removes them all. */
export async function stopPod(docker: Docker, pod: RuntimePod, context: StopContext): Promise<void> {
  const apps = pod.containers.filter((c) => c.name !== SANDBOX_CONTAINER);
  const sandboxes = pod.containers.filter((c) => c.name === SANDBOX_CONTAINER);
  const graceSeconds = context.graceSeconds === undefined ? undefined : Math.max(2, context.graceSeconds);
  await Promise.all(apps.map((c) => stopContainer(docker, c, { ...context, ...(graceSeconds !== undefined ? { graceSeconds } : {}) })));
  await Promise.all(sandboxes.map((c) => stopContainer(docker, c, { ...context, graceSeconds: 2 })));
  await Promise.all(pod.containers.map((c) => removeContainer(docker, c)));
}
