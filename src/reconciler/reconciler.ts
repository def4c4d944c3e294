import type Docker from 'dockerode';
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { DEFAULT_CRASH_BACKOFF, RetryBackoff, type BackoffSettings } from '../runtime/backoff.js';
import { rm } from 'node:fs/promises';
import { containerCreateOptions, podDir, sandboxCreateOptions } from '../runtime/container-spec.js';
import { createAndStart, ensureImage, ImageNeverPullError, listPods, sandboxAddress, removeContainer, stopContainer, stopPod, type RuntimeContainer, type RuntimePod } from '../runtime/docker-pods.js';
import { labels, SANDBOX_CONTAINER } from '../runtime/labels.js';
import { apiPodStatus, podWithStatus } from '../runtime/pod-api-status.js';
import { planPod, type ContainerStart } from '../runtime/pod-plan.js';
import { podRow } from '../runtime/pod-status.js';
import type { StatusNotesWriter } from '../runtime/status-notes.js';
import type { Logger } from '../util/log.js';
import { ProbeManager, type ProbeTarget } from './probes.js';
import type { StaticPod } from './static-pod.js';

export interface ReconcilerOptions {
  docker: Docker;
  node: string;
  rootfs?: string;
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
}

/** A counting semaphore: at most `limit` holders at once. */
class Slots {
  private free: number;
  private readonly queue: Array<() => void> = [];

  constructor(limit: number) {
    this.free = limit;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.queue.push(resolve));
    try {
      return await fn();
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.free++;
    }
  }
}

const keyOf = (namespace: string, name: string) => `${namespace}/${name}`;

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
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private readonly wakeups = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly pendingKills = new Map<string, Map<string, { reason: string; graceSeconds: number | undefined }>>();
  private readonly said = new Map<string, string>();
  /** Containers the event stream reported dead: inspected rather than trusted to the engine's lagging list. */
  private readonly reportedDead = new Set<string>();
  private readonly slots: Slots;
  private readonly pulls = new RetryBackoff();
  /** Images seen present, with when (ensureImage's short cache). */
  private readonly images = new Map<string, number>();
  private readonly sandboxFailures = new RetryBackoff();
  readonly probes: ProbeManager;
  private engineDown = false;
  private stopped = false;

  constructor(private readonly options: ReconcilerOptions) {
    this.slots = new Slots(options.concurrency ?? 8);
    this.probes = new ProbeManager({
      docker: options.docker,
      log: options.log,
      onState: (target, state) => options.notes?.setContainer(target.containerId, state),
      onKill: (target, reason, graceSeconds) => {
        const kills = this.pendingKills.get(target.podKey) ?? new Map();
        kills.set(target.containerId, { reason, graceSeconds });
        this.pendingKills.set(target.podKey, kills);
        void this.kick(target.podKey);
      },
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

  /** Looks at every pod, desired or found in the engine (the periodic relist and the catch-up after an engine outage). */
  async syncAll(): Promise<void> {
    if (this.stopped || !this.desired) return;
    const desired = this.desired;
    let actual: Map<string, RuntimePod>;
    try {
      actual = await listPods(this.options.docker, this.options.node, [], this.reportedDead);
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
    await Promise.all([...keys].map((key) => this.kick(key, byKey.get(key) ?? new Map())));
  }

  /** A container of this node changed in the engine (from the event stream). */
  containerEvent(event: { action: string; id: string; labels: Record<string, string> }): void {
    if (event.action === 'die' || event.action === 'oom') {
      this.reportedDead.add(event.id);
      // Only the next few listings need to distrust the engine's list.
      setTimeout(() => this.reportedDead.delete(event.id), 5000).unref();
    }
    const containerLabels = event.labels;
    const name = containerLabels[labels.podName];
    const namespace = containerLabels[labels.podNamespace];
    if (name && namespace) void this.kick(keyOf(namespace, name));
  }

  /** Runs the pod's worker; a call while it runs makes it run once more afterwards. */
  kick(key: string, listed?: Map<string, RuntimePod>): Promise<void> {
    const current = this.running.get(key);
    if (current) {
      this.again.add(key);
      return current;
    }
    const run = (async () => {
      let snapshot = listed;
      do {
        this.again.delete(key);
        await this.syncKey(key, snapshot).catch((err: Error) => this.options.log('error', 'pod sync failed', { pod: key, error: err.message }));
        snapshot = undefined; // a further pass lists again: things changed meanwhile
      } while (this.again.has(key) && !this.stopped);
    })().finally(() => this.running.delete(key));
    this.running.set(key, run);
    return run;
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
    const actual = await listPods(this.options.docker, this.options.node);
    const notes = this.options.notes?.snapshot();
    const pods: Pod[] = [];
    for (const pod of this.desired?.values() ?? []) {
      const runtime = actual.get(pod.uid) ?? { uid: pod.uid, name: pod.pod.metadata!.name!, namespace: pod.pod.metadata!.namespace!, source: pod.source, containers: [] };
      const row = podRow(runtime, notes ? { ...notes, pods: { ...notes.pods, [pod.uid]: { source: pod.source, pod: pod.pod } } } : undefined);
      const sandbox = runtime.containers.find((c) => c.name === SANDBOX_CONTAINER && c.running);
      const podIP = pod.pod.spec?.hostNetwork === true || !sandbox ? this.options.hostIP : await sandboxAddress(this.options.docker, sandbox.id, this.options.hostIP);
      const fullIds = new Map(runtime.containers.map((c) => [c.id.slice(0, 12), c.id]));
      pods.push(podWithStatus(pod.pod, apiPodStatus(row, { hostIP: this.options.hostIP, podIP, fullIds, ...(pod.pod.spec?.restartPolicy ? { restartPolicy: pod.pod.spec.restartPolicy } : {}) })));
    }
    return pods;
  }

  /** Stops the workers' timers and probes; the pods keep running. */
  stop(): void {
    this.stopped = true;
    for (const { timer } of this.wakeups.values()) clearTimeout(timer);
    this.wakeups.clear();
    this.probes.stopAll();
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

  /** Logs a line only when what it says about `topic` changes (no flood from a waiting pod). */
  private sayOnce(topic: string, text: string, log: () => void): void {
    if (this.said.get(topic) === text) return;
    this.said.set(topic, text);
    log();
  }

  /** Wakes the pod's worker at `at` (the earliest of the wake-ups asked for). */
  private wakeAt(key: string, at: number): void {
    const current = this.wakeups.get(key);
    if (current && current.at <= at) return;
    if (current) clearTimeout(current.timer);
    const timer = setTimeout(() => {
      this.wakeups.delete(key);
      void this.kick(key);
    }, Math.max(0, at - Date.now()));
    this.wakeups.set(key, { at, timer });
  }

  private async syncKey(key: string, listed?: Map<string, RuntimePod>): Promise<void> {
    if (this.stopped || !this.desired) return;
    const slash = key.indexOf('/');
    const [namespace, name] = [key.slice(0, slash), key.slice(slash + 1)];
    const found = listed ?? (await listPods(this.options.docker, this.options.node, [`${labels.podName}=${name}`, `${labels.podNamespace}=${namespace}`], this.reportedDead));
    const want = this.desired.get(key);
    for (const pod of found.values()) {
      if (pod.uid === want?.uid) continue;
      if (this.unreadySources.has(pod.source)) continue; // its source has not been read yet: keep it
      // A changed pod is a new UID: the old one is fully stopped first, so host ports never clash.
      this.probes.forgetPod(pod.uid);
      this.pulls.forget(`${pod.uid}/`);
      this.sandboxFailures.forget(pod.uid);
      try {
        await stopPod(this.options.docker, pod, { podIP: this.options.hostIP, onHook: (c, r) => this.hookResult(key, c, r) });
        await rm(podDir(this.options.rootDir, pod.uid), { recursive: true, force: true });
        this.options.log('info', 'pod stopped', { pod: key, uid: pod.uid, reason: want ? 'replaced by a changed manifest' : 'manifest removed' });
      } catch (err) {
        this.options.log('error', 'pod could not be stopped', { pod: key, uid: pod.uid, error: (err as Error).message });
      }
    }
    if (!want) {
      this.pendingKills.delete(key);
      this.said.forEach((_, topic) => topic.startsWith(`${key}|`) && this.said.delete(topic));
      return;
    }
    await this.syncPod(want, found.get(want.uid));
  }

  private hookResult(key: string, c: RuntimeContainer, result: { ok: boolean; message: string }): void {
    if (!result.ok) this.options.log('warn', 'preStop hook failed', { pod: key, container: c.name, problem: result.message });
  }

  private async relistPod(pod: StaticPod): Promise<RuntimePod | undefined> {
    return (await listPods(this.options.docker, this.options.node, [`${labels.podUid}=${pod.uid}`], this.reportedDead)).get(pod.uid);
  }

  private async syncPod(pod: StaticPod, existing: RuntimePod | undefined): Promise<void> {
    const { docker, log } = this.options;
    const spec = pod.pod.spec!;
    let current = existing;

    // Containers whose liveness or startup probe failed: killed (gracefully), then restarted as the policy says.
    const kills = this.pendingKills.get(pod.key);
    if (kills && kills.size > 0) {
      this.pendingKills.delete(pod.key);
      for (const [id, kill] of kills) {
        const container = current?.containers.find((c) => c.id === id && c.running);
        if (!container) continue;
        log('info', 'killing container', { pod: pod.key, container: container.name, reason: kill.reason });
        await stopContainer(docker, container, { podIP: this.options.hostIP, ...(kill.graceSeconds !== undefined ? { graceSeconds: kill.graceSeconds } : {}), onHook: (c, r) => this.hookResult(pod.key, c, r) });
      }
      current = await this.relistPod(pod);
    }

    const podIP = await this.ensureSandbox(pod, current);
    if (podIP === undefined) return;
    if (podIP.recreated) current = await this.relistPod(pod);

    const plan = planPod(spec, current?.containers ?? []);
    if (plan.failed) {
      this.sayOnce(`${pod.key}|failed`, plan.failed, () => log('error', 'pod failed', { pod: pod.key, problem: plan.failed }));
    }
    for (const wait of plan.waits) {
      this.wakeAt(pod.key, wait.notBefore);
      this.sayOnce(`${pod.key}|${wait.name}`, wait.previous.id, () =>
        log('warn', 'back-off restarting failed container', { pod: pod.key, container: wait.name, exitCode: wait.previous.exitCode, backoff: `${Math.round(wait.delayMs / 1000)}s`, next: new Date(wait.notBefore).toISOString() }),
      );
    }
    await Promise.all(plan.start.map((start) => this.startContainer(pod, current, start, podIP.address)));

    const probed = (spec.containers ?? []).some((c) => c.startupProbe || c.livenessProbe || c.readinessProbe);
    if (!probed) return;
    const after = plan.start.length > 0 ? await this.relistPod(pod) : current;
    this.probes.syncPod(pod.uid, this.probeTargets(pod, after, podIP.address));
  }

  /** The running containers of a pod as probe targets (each gets its startup/liveness/readiness probes). */
  private probeTargets(pod: StaticPod, runtime: RuntimePod | undefined, podIP: string): ProbeTarget[] {
    const specs = new Map<string, Container>((pod.pod.spec?.containers ?? []).map((c) => [c.name, c]));
    return (runtime?.containers ?? [])
      .filter((c) => c.running && specs.has(c.name))
      .map((c) => ({ podKey: pod.key, podUid: pod.uid, containerId: c.id, spec: specs.get(c.name)!, podIP }));
  }

  /**
   * A pod that is not hostNetwork needs a running sandbox. One that has died took the pod's network with
   * it: the containers still running are stopped and a new sandbox (attempt + 1) is made (the kubelet's
   * "Pod sandbox changed"). Returns the pod's address, or undefined when no sandbox could be made.
   */
  private async ensureSandbox(pod: StaticPod, current: RuntimePod | undefined): Promise<{ address: string; recreated: boolean } | undefined> {
    const { docker, log, hostIP } = this.options;
    if (pod.pod.spec?.hostNetwork === true) return { address: hostIP, recreated: false };
    const containers = current?.containers ?? [];
    let sandbox = containers.find((c) => c.name === SANDBOX_CONTAINER && c.running);
    let recreated = false;
    if (!sandbox) {
      const retry = this.sandboxFailures.waiting(pod.uid);
      if (retry) {
        this.wakeAt(pod.key, retry.notBefore);
        return undefined;
      }
      const previous = containers.filter((c) => c.name === SANDBOX_CONTAINER);
      if (previous.length > 0) {
        log('info', 'pod sandbox changed, it will be killed and re-created', { pod: pod.key });
        await Promise.all(containers.filter((c) => c.name !== SANDBOX_CONTAINER && c.running).map((c) => stopContainer(docker, c, { podIP: hostIP })));
        await Promise.all(previous.map((c) => removeContainer(docker, c)));
      }
      const attempt = Math.max(-1, ...previous.map((c) => c.attempt)) + 1;
      const options = sandboxCreateOptions(pod, this.options.node, this.options.sandboxImage, attempt, this.options.notes?.path);
      try {
        await ensureImage(docker, this.options.sandboxImage, 'IfNotPresent', this.images);
        const created = await this.slots.run(() => createAndStart(docker, options));
        sandbox = { id: created.id } as RuntimeContainer;
        recreated = true;
        this.sandboxFailures.succeeded(pod.uid);
      } catch (err) {
        const message = (err as Error).message;
        // A sandbox that was created but could not start is removed now: the next try makes a new one.
        await docker.getContainer(options.name!).remove({ force: true }).catch(() => undefined);
        this.sandboxFailures.failed(pod.uid, message);
        this.sayOnce(`${pod.key}|sandbox`, message, () => log('error', 'pod sandbox could not be started', { pod: pod.key, error: message }));
        this.wakeAt(pod.key, this.sandboxFailures.waiting(pod.uid)?.notBefore ?? Date.now() + this.backoff.initialMs);
        return undefined;
      }
      this.said.delete(`${pod.key}|sandbox`);
    }
    return { address: await sandboxAddress(docker, sandbox.id, hostIP), recreated };
  }

  private async startContainer(pod: StaticPod, current: RuntimePod | undefined, start: ContainerStart, podIP: string): Promise<void> {
    const { docker, log, notes } = this.options;
    const { container } = start;
    const pullKey = `${pod.uid}/${container.name}`;
    const waiting = this.pulls.waiting(pullKey);
    if (waiting) {
      notes?.setWaiting(pullKey, { reason: 'ImagePullBackOff', message: `Back-off pulling image "${container.image}": ${waiting.message}`, notBefore: waiting.notBefore });
      this.wakeAt(pod.key, waiting.notBefore);
      return;
    }
    try {
      await ensureImage(docker, container.image!, container.imagePullPolicy, this.images);
      this.pulls.succeeded(pullKey);
      notes?.setWaiting(pullKey, undefined);
    } catch (err) {
      const message = (err as Error).message;
      this.pulls.failed(pullKey, message);
      notes?.setWaiting(pullKey, { reason: err instanceof ImageNeverPullError ? 'ErrImageNeverPull' : 'ErrImagePull', message });
      log('error', 'image pull failed', { pod: pod.key, container: container.name, image: container.image, error: message });
      this.wakeAt(pod.key, this.pulls.waiting(pullKey)?.notBefore ?? Date.now() + this.backoff.initialMs);
      return;
    }

    try {
      if (start.existing) {
        // Created by a reconciler that died before starting it: start that one, duplicate nothing.
        await this.slots.run(() => docker.getContainer(start.existing!.id).start());
      } else {
        const previous = start.previous;
        const sandboxId = current?.containers.find((c) => c.name === SANDBOX_CONTAINER && c.running)?.id;
        const options = await containerCreateOptions(pod, container, {
          node: this.options.node,
          ...(this.options.rootfs ? { rootfs: this.options.rootfs } : {}),
          rootDir: this.options.rootDir,
          hostIP: this.options.hostIP,
          podIP,
          ...(sandboxId && pod.pod.spec?.hostNetwork !== true ? { sandboxId } : {}),
          attempt: previous ? previous.attempt + 1 : 0,
          restartCount: previous ? previous.restartCount + 1 : 0,
          backoff: { step: start.step, ...this.backoff },
          ...(notes ? { statusFile: notes.path } : {}),
        });
        // Keep the last exited container for `logs --previous`; older ones go.
        const older = (current?.containers ?? []).filter((c) => c.name === container.name && c.id !== previous?.id && !c.running);
        await Promise.all(older.map((c) => removeContainer(docker, c)));
        await this.slots.run(() => createAndStart(docker, options));
      }
      const fields = { pod: pod.key, uid: pod.uid, container: container.name, ...(start.init ? { init: true } : {}), source: pod.source };
      if (start.previous) log('info', 'container restarted', { ...fields, restartCount: start.previous.restartCount + 1, lastExitCode: start.previous.exitCode });
      else log('info', 'container started', fields);
    } catch (err) {
      log('error', 'container could not be started', { pod: pod.key, uid: pod.uid, container: container.name, error: (err as Error).message });
      this.wakeAt(pod.key, Date.now() + this.backoff.initialMs);
    }
  }
}
