import type Docker from 'dockerode';
import type { Container } from 'kubernetes-types/core/v1.js';
import type { StaticPod } from '../reconciler/static-pod.js';
import { containerCreateOptions, sandboxCreateOptions } from './container-spec.js';
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

/** Every container of `node` (or of all nodes), grouped by pod UID. */
export async function listPods(docker: Docker, node?: string): Promise<Map<string, RuntimePod>> {
  const filter = node ? `${labels.node}=${node}` : labels.node;
  const list = await docker.listContainers({ all: true, filters: { label: [filter] } });
  const pods = new Map<string, RuntimePod>();
  for (const info of list) {
    const l = info.Labels;
    const uid = l[labels.podUid];
    if (!uid) continue;
    const pod = pods.get(uid) ?? { uid, name: l[labels.podName] ?? '', namespace: l[labels.podNamespace] ?? '', source: l[labels.source] ?? '', containers: [] };
    const dockerName = (info.Names[0] ?? '').replace(/^\//, '');
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
    });
    pods.set(uid, pod);
  }
  return pods;
}

function isStatus(err: unknown, code: number): boolean {
  return (err as { statusCode?: number }).statusCode === code;
}

/** Creates (or finds, after a crash between create and start) and starts a container. */
async function createAndStart(docker: Docker, options: Docker.ContainerCreateOptions): Promise<Docker.Container> {
  let container: Docker.Container;
  try {
    container = await docker.createContainer(options);
  } catch (err) {
    // The deterministic name exists: a previous run created it. Use it rather than duplicate it.
    if (!isStatus(err, 409)) throw err;
    container = docker.getContainer(options.name!);
  }
  const state = (await container.inspect()).State;
  if (!state.Running) {
    try {
      await container.start();
    } catch (err) {
      if (!isStatus(err, 304)) throw err; // 304: already started
    }
  }
  return container;
}

/** Makes the image available as the pull policy says; Never and a missing image is an error. */
async function ensureImage(docker: Docker, image: string, policy: string | undefined): Promise<void> {
  const present = await docker
    .getImage(image)
    .inspect()
    .then(() => true)
    .catch(() => false);
  if (present && policy !== 'Always') return;
  if (!present && policy === 'Never') throw new Error(`image ${image} is not present and imagePullPolicy is Never`);
  try {
    const stream = await docker.pull(image);
    await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())));
  } catch (err) {
    if (present) return; // Always, but the registry is unreachable: run what we have
    throw new Error(`image ${image} is not present and cannot be pulled (${(err as Error).message.split('\n')[0]})`);
  }
}

export interface StartPodOptions {
  node: string;
  rootfs?: string;
  hostIP: string;
  sandboxImage: string;
}

/**
 * Brings a pod to running: its sandbox (unless hostNetwork), then each app container that has no
 * running container yet. Returns the names of the containers it started.
 */
export async function startPod(docker: Docker, staticPod: StaticPod, existing: RuntimePod | undefined, options: StartPodOptions): Promise<string[]> {
  const spec = staticPod.pod.spec!;
  const started: string[] = [];
  const current = existing?.containers ?? [];
  let sandboxId: string | undefined;
  let podIP = options.hostIP;
  if (spec.hostNetwork !== true) {
    let sandbox = current.find((c) => c.name === SANDBOX_CONTAINER && c.running);
    if (!sandbox) {
      await ensureImage(docker, options.sandboxImage, 'IfNotPresent');
      const attempt = Math.max(-1, ...current.filter((c) => c.name === SANDBOX_CONTAINER).map((c) => c.attempt)) + 1;
      const created = await createAndStart(docker, sandboxCreateOptions(staticPod, options.node, options.sandboxImage, attempt));
      sandbox = { id: created.id } as RuntimeContainer;
      started.push(SANDBOX_CONTAINER);
    }
    sandboxId = sandbox.id;
    const networks = (await docker.getContainer(sandboxId).inspect()).NetworkSettings.Networks;
    podIP = Object.values(networks).find((n) => n.IPAddress)?.IPAddress || options.hostIP;
  }
  for (const container of spec.containers as Container[]) {
    const mine = current.filter((c) => c.name === container.name);
    if (mine.some((c) => c.running)) continue;
    await ensureImage(docker, container.image!, container.imagePullPolicy);
    const previous = mine.sort((a, b) => b.attempt - a.attempt)[0];
    const attempt = previous ? previous.attempt + 1 : 0;
    const options2 = await containerCreateOptions(staticPod, container, {
      node: options.node,
      ...(options.rootfs ? { rootfs: options.rootfs } : {}),
      hostIP: options.hostIP,
      podIP,
      ...(sandboxId ? { sandboxId } : {}),
      attempt,
      restartCount: previous ? previous.restartCount + 1 : 0,
    });
    await createAndStart(docker, options2);
    // Keep the last exited container for `logs --previous`; older ones go.
    for (const old of mine.filter((c) => c !== previous)) await docker.getContainer(old.id).remove({ force: true }).catch(() => undefined);
    started.push(container.name);
  }
  return started;
}

/** Stops a pod's app containers (SIGTERM, then SIGKILL after the grace period, 2 s at least), then its sandbox, and removes them all. */
export async function stopPod(docker: Docker, pod: RuntimePod, graceSeconds?: number): Promise<void> {
  const grace = Math.max(2, graceSeconds ?? Number(pod.containers[0]?.labels[labels.terminationGracePeriod] ?? 30));
  const apps = pod.containers.filter((c) => c.name !== SANDBOX_CONTAINER);
  const sandboxes = pod.containers.filter((c) => c.name === SANDBOX_CONTAINER);
  const stopAndRemove = async (c: RuntimeContainer) => {
    const container = docker.getContainer(c.id);
    if (c.running) await container.stop({ t: grace }).catch((err: unknown) => (isStatus(err, 304) || isStatus(err, 404) ? undefined : Promise.reject(err)));
    await container.remove({ force: true, v: true }).catch((err: unknown) => (isStatus(err, 404) ? undefined : Promise.reject(err)));
  };
  await Promise.all(apps.map(stopAndRemove));
  await Promise.all(sandboxes.map(stopAndRemove));
}
