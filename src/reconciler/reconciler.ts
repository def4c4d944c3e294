import { rm } from 'node:fs/promises';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { DEFAULT_CRASH_BACKOFF, type BackoffSettings } from '../runtime/backoff.js';
import { labels, SANDBOX_CONTAINER } from '../runtime/labels.js';
import { apiPodStatus, podWithStatus } from '../runtime/pod-api-status.js';
import { podDir } from '../runtime/pod-dirs.js';
import { podRow } from '../runtime/pod-status.js';
import { stopPod } from '../runtime/pod-stop.js';
import type { ContainerRuntime, RuntimeEvent, RuntimePod } from '../runtime/runtime.js';
import type { StatusNotesWriter } from '../runtime/status-notes.js';
import type { Host } from '../util/host.js';
import type { Logger } from '../util/log.js';
import { PodSync } from './pod-sync.js';
import { PodWorkers, Slots } from './pod-workers.js';
import { ProbeManager } from './probes.js';
import type { StaticPod } from './static-pod.js';

export interface ReconcilerOptions {
  runtime: ContainerRuntime;
  node: string;
  /** The machine (under --rootfs): hostPath volumes are resolved on it. */
  host: Host;
  /** The state folder on this machine (emptyDirs, the status file): the kubelet's --root-dir, resolved under --rootfs. */
  rootDir: string;
  hostIP: string;
  sandboxImage: string;
  log: Logger;
  /** How many containers are created and started at once; each pod's own steps stay in order. */
  concurrency?: number;
  /** The crash-loop back-off (the KubeletConfiguration's crashLoopBackOff); the kubelet's 10 s / 300 s by default. */
  backoff?: BackoffSettings;
  /** Where probe results and image-pull waits are written for `kubeboot ps`. */
  notes?: StatusNotesWriter;
  /** A pod's status may have changed (a probe result, a container event): mirrors report it. */
  onStatusChange?: () => void;
}

const keyOf = (namespace: string, name: string) => `${namespace}/${name}`;
/** How long a container reported dead is inspected rather than trusted to the engine's lagging list. */
const DISTRUST_LIST_MS = 5000;
/** A start event this soon after the pod's worker ran is taken as the worker's own doing (the engine's answer and its event race). */
const OWN_START_MS = 1000;
/** How old a listing made ahead of a change (prefetch) may be when the change arrives; else the engine is listed again. */
const PREFETCH_MAX_AGE_MS = 250;

/**
 * Makes this node's containers match the desired static pods, one worker per pod name so that a slow
 * stop in one pod never holds up a restart in another. State lives in the engine (labels), not in
 * memory: a restarted reconciler adopts what runs, and a container's back-off is read from its labels.
 */
export class Reconciler {
  /** Undefined until the source has been read once: before that, nothing may be judged unwanted. */
  private desired: Map<string, StaticPod> | undefined;
  /** Sources (a manifest URL) not read successfully yet: their pods are never stopped (kubernetes #112814). */
  private unreadySources = new Set<string>();
  private lastListed = 0;
  /** The engine listed while a manifest change settles (prefetch), for the update that follows. */
  private prefetched: { at: number; listing: Promise<Map<string, RuntimePod>> } | undefined;
  /** Containers the event stream reported dead: inspected rather than trusted to the engine's lagging list. */
  private readonly reportedDead = new Set<string>();
  private readonly workers: PodWorkers<Map<string, RuntimePod>>;
  private readonly pods: PodSync;
  readonly probes: ProbeManager;
  private engineDown = false;
  private stopped = false;

  constructor(private readonly options: ReconcilerOptions) {
    this.workers = new PodWorkers((key, listed) => this.syncKey(key, listed), (key, err) => options.log('error', 'pod sync failed', { pod: key, error: err.message }));
    this.probes = new ProbeManager({
      runtime: options.runtime,
      log: options.log,
      onState: (target, state) => {
        options.notes?.setContainer(target.containerId, state);
        options.onStatusChange?.();
      },
      onKill: (target, reason, graceSeconds) => {
        this.pods.requestKill(target.podKey, target.containerId, reason, graceSeconds);
        void this.kick(target.podKey);
      },
    });
    this.pods = new PodSync({
      ...options,
      backoff: this.backoff,
      slots: new Slots(options.concurrency ?? 8),
      workers: this.workers,
      probes: this.probes,
      relist: async (pod) => (await this.list([`${labels.podUid}=${pod.uid}`])).get(pod.uid),
    });
  }

  get backoff(): BackoffSettings {
    return this.options.backoff ?? DEFAULT_CRASH_BACKOFF;
  }

  /** Sets the desired pods and syncs every pod; resolves when that work is done. */
  update(desired: Map<string, StaticPod>, unreadySources: Iterable<string> = []): Promise<void> {
    this.desired = desired;
    this.unreadySources = new Set(unreadySources);
    this.options.notes?.setPods(desired.values());
    return this.syncAll();
  }

  /**
   * A manifest change is on its way (the file watch saw the first event of a burst): the engine is
   * listed now, while the burst settles, and the update that follows uses that listing. It is as sound
   * as a listing made at the update: a pod whose sync ended after it was made lists again (PodWorkers).
   * Saves the list's ~5 ms of a deletion's or an edit's reaction.
   */
  prefetch(): void {
    if (this.stopped || !this.desired) return;
    const at = Date.now(); // before the request: a listing's time must not be later than what it shows
    const listing = this.list();
    listing.catch(() => undefined); // syncAll lists again and reports
    this.prefetched = { at, listing };
  }

  /** A listing of every pod of the node, and when it was made: the prefetched one when recent. */
  private async listAll(): Promise<{ actual: Map<string, RuntimePod>; listedAt: number }> {
    const prefetched = this.prefetched;
    this.prefetched = undefined;
    if (prefetched && Date.now() - prefetched.at <= PREFETCH_MAX_AGE_MS) {
      const actual = await prefetched.listing.catch(() => undefined);
      if (actual) return { actual, listedAt: prefetched.at };
    }
    const listedAt = Date.now();
    return { actual: await this.list(), listedAt };
  }

  /** Looks at every pod, desired or found in the engine (the periodic relist and the catch-up after an engine outage). */
  async syncAll(): Promise<void> {
    if (this.stopped || !this.desired) return;
    const desired = this.desired;
    let actual: Map<string, RuntimePod>;
    let listedAt: number;
    try {
      ({ actual, listedAt } = await this.listAll());
      this.lastListed = Date.now();
      this.engineIsUp();
    } catch (err) {
      this.engineIsDown(err as Error);
      return;
    }
    const keys = new Set([...desired.keys(), ...[...actual.values()].map((p) => keyOf(p.namespace, p.name))]);
    const ids = new Set([...actual.values()].flatMap((p) => p.containers.map((c) => c.id)));
    this.options.notes?.retain(ids, new Set([...desired.values()].map((p) => p.uid)));
    // Each worker's first pass uses this fresh listing rather than listing its pod again.
    const byKey = new Map<string, Map<string, RuntimePod>>();
    for (const pod of actual.values()) {
      const key = keyOf(pod.namespace, pod.name);
      byKey.set(key, (byKey.get(key) ?? new Map()).set(pod.uid, pod));
    }
    await Promise.all([...keys].map((key) => this.workers.kick(key, byKey.get(key) ?? new Map(), listedAt)));
  }

  /** A container of this node changed in the engine (from the event stream). */
  containerEvent(event: RuntimeEvent): void {
    if (event.action === 'die' || event.action === 'oom') {
      this.reportedDead.add(event.id);
      // Only the next few listings need to distrust the engine's list.
      setTimeout(() => this.reportedDead.delete(event.id), DISTRUST_LIST_MS).unref();
    }
    const name = event.labels[labels.podName];
    const namespace = event.labels[labels.podNamespace];
    if (!name || !namespace) return;
    const key = keyOf(namespace, name);
    if (event.action === 'start' && this.workers.activeWithin(key, OWN_START_MS)) {
      // The pod's worker started it: a kick made one more pass and engine list a container (converging
      // 50 pods: +4-7% on the engine's own time, `npm run bench`).
      this.options.onStatusChange?.();
      return;
    }
    void this.kick(key).then(() => this.options.onStatusChange?.());
  }

  /** Runs the pod's worker; a call while it runs makes it run once more afterwards. */
  kick(key: string): Promise<void> {
    return this.workers.kick(key);
  }

  /** Resolves when no pod worker is running. */
  idle(): Promise<void> {
    return this.workers.idle();
  }

  /** Why the reconciler is not healthy (for /healthz), or undefined. */
  health(maxAgeMs: number): string | undefined {
    if (this.engineDown) return 'the container engine does not answer';
    if (!this.desired) return 'the manifests have not been read yet';
    if (Date.now() - this.lastListed > maxAgeMs) return `the container engine has not been listed for ${Math.round((Date.now() - this.lastListed) / 1000)}s`;
    return undefined;
  }

  /** The desired pods with their status now (the kubelet's read-only /pods). */
  async podsWithStatus(): Promise<Pod[]> {
    const actual = await this.options.runtime.listPods({ node: this.options.node });
    const notes = this.options.notes?.snapshot();
    const pods: Pod[] = [];
    for (const pod of this.desired?.values() ?? []) {
      const runtimePod = actual.get(pod.uid) ?? { uid: pod.uid, name: pod.pod.metadata!.name!, namespace: pod.pod.metadata!.namespace!, source: pod.source, containers: [] };
      const row = podRow(runtimePod, notes ? { ...notes, pods: { ...notes.pods, [pod.uid]: { source: pod.source, pod: pod.pod } } } : undefined);
      const sandbox = runtimePod.containers.find((c) => c.name === SANDBOX_CONTAINER && c.running);
      const podIP = pod.pod.spec?.hostNetwork === true || !sandbox ? this.options.hostIP : ((await this.options.runtime.podAddress(sandbox.id)) ?? this.options.hostIP);
      const fullIds = new Map(runtimePod.containers.map((c) => [c.id.slice(0, 12), c.id]));
      pods.push(podWithStatus(pod.pod, apiPodStatus(row, { hostIP: this.options.hostIP, podIP, fullIds, ...(pod.pod.spec?.restartPolicy ? { restartPolicy: pod.pod.spec.restartPolicy } : {}) })));
    }
    return pods;
  }

  /** Stops the workers' timers and probes; the pods keep running. */
  stop(): void {
    this.stopped = true;
    this.workers.stop();
    this.probes.stopAll();
  }

  private list(filters: string[] = []): Promise<Map<string, RuntimePod>> {
    return this.options.runtime.listPods({ node: this.options.node, labels: filters, reportedDead: this.reportedDead });
  }

  private engineIsUp(): void {
    if (!this.engineDown) return;
    this.engineDown = false;
    this.options.log('info', 'the container engine answers again');
  }

  private engineIsDown(err: Error): void {
    if (this.engineDown) return;
    this.engineDown = true;
    this.options.log('error', 'the container engine does not answer; pods are synced again when it is back', { error: err.message });
  }

  /** One pod name: pods of it that are not wanted (or changed: a new UID) are stopped, the wanted one synced. */
  private async syncKey(key: string, listed?: Map<string, RuntimePod>): Promise<void> {
    if (this.stopped || !this.desired) return;
    const slash = key.indexOf('/');
    const [namespace, name] = [key.slice(0, slash), key.slice(slash + 1)];
    const found = listed ?? (await this.list([`${labels.podName}=${name}`, `${labels.podNamespace}=${namespace}`]));
    const want = this.desired.get(key);
    for (const pod of found.values()) {
      if (pod.uid === want?.uid) continue;
      if (this.unreadySources.has(pod.source)) continue; // its source has not been read yet: keep it
      // A changed pod is a new UID: the old one is fully stopped first, so host ports never clash.
      this.probes.forgetPod(pod.uid);
      this.pods.forgetUid(pod.uid);
      try {
        await stopPod(this.options.runtime, pod, { podIP: this.options.hostIP, onHook: (c, r) => this.pods.hookResult(key, c, r) });
        await rm(podDir(this.options.rootDir, pod.uid), { recursive: true, force: true });
        this.options.log('info', 'pod stopped', { pod: key, uid: pod.uid, reason: want ? 'replaced by a changed manifest' : 'manifest removed' });
      } catch (err) {
        this.options.log('error', 'pod could not be stopped', { pod: key, uid: pod.uid, error: (err as Error).message });
      }
    }
    if (!want) {
      this.pods.forgetKey(key);
      return;
    }
    await this.pods.sync(want, found.get(want.uid));
  }
}
