import { RetryBackoff, type BackoffSettings } from '../runtime/backoff.js';
import { ensureImage, ImageNeverPullError, KnownImages } from '../runtime/image-policy.js';
import { SANDBOX_CONTAINER } from '../runtime/labels.js';
import { planPod, type ContainerStart } from '../runtime/pod-plan.js';
import { stopContainer } from '../runtime/pod-stop.js';
import type { ExecResult, RuntimeContainer, RuntimePod } from '../runtime/runtime.js';
import type { PodWorkers, Slots } from './pod-workers.js';
import type { ProbeManager, ProbeTarget } from './probes.js';
import type { ReconcilerOptions } from './reconciler.js';
import type { StaticPod } from './static-pod.js';

/** The reconciler's own settings, with its back-off resolved and the parts it shares with each sync. */
export interface PodSyncOptions extends Pick<ReconcilerOptions, 'runtime' | 'node' | 'host' | 'rootDir' | 'hostIP' | 'sandboxImage' | 'log' | 'notes'> {
  backoff: BackoffSettings;
  slots: Slots;
  /** Asks for the pod's next sync at a time (a back-off ending). */
  workers: Pick<PodWorkers<unknown>, 'wakeAt'>;
  probes: ProbeManager;
  /** Lists one pod again (after a change made by this sync). */
  relist: (pod: StaticPod) => Promise<RuntimePod | undefined>;
}

/**
 * The sync of one desired pod (the kubelet's SyncPod): kills that probes asked for, the sandbox, then
 * the containers to start as `planPod` decides — with image-pull and crash-loop back-off — then probes.
 */
export class PodSync {
  private readonly said = new Map<string, string>();
  private readonly pendingKills = new Map<string, Map<string, { reason: string; graceSeconds: number | undefined }>>();
  private readonly pulls = new RetryBackoff();
  /** Images seen present (ensureImage's short cache). */
  private readonly images = new KnownImages();
  private readonly sandboxFailures = new RetryBackoff();

  constructor(private readonly options: PodSyncOptions) {}

  /** A probe asked for a container to be killed; the pod's next sync does it. */
  requestKill(podKey: string, containerId: string, reason: string, graceSeconds: number | undefined): void {
    const kills = this.pendingKills.get(podKey) ?? new Map();
    kills.set(containerId, { reason, graceSeconds });
    this.pendingKills.set(podKey, kills);
  }

  /** Drops what is remembered of a pod UID that is gone (pull and sandbox retries). */
  forgetUid(uid: string): void {
    this.pulls.forget(`${uid}/`);
    this.sandboxFailures.forget(uid);
  }

  /** Drops what is remembered of a pod name that is no longer wanted. */
  forgetKey(key: string): void {
    this.pendingKills.delete(key);
    this.said.forEach((_, topic) => topic.startsWith(`${key}|`) && this.said.delete(topic));
  }

  hookResult(key: string, c: RuntimeContainer, result: ExecResult): void {
    if (!result.ok) this.options.log('warn', 'preStop hook failed', { pod: key, container: c.name, problem: result.message });
  }

  async sync(pod: StaticPod, existing: RuntimePod | undefined): Promise<void> {
    const { runtime, log, workers } = this.options;
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
        await stopContainer(runtime, container, { podIP: this.options.hostIP, ...(kill.graceSeconds !== undefined ? { graceSeconds: kill.graceSeconds } : {}), onHook: (c, r) => this.hookResult(pod.key, c, r) });
      }
      current = await this.options.relist(pod);
    }

    const podIP = await this.ensureSandbox(pod, current);
    if (podIP === undefined) return;
    if (podIP.recreated) current = await this.options.relist(pod);

    const plan = planPod(spec, current?.containers ?? []);
    if (plan.failed) {
      this.sayOnce(`${pod.key}|failed`, plan.failed, () => log('error', 'pod failed', { pod: pod.key, problem: plan.failed }));
    }
    for (const wait of plan.waits) {
      workers.wakeAt(pod.key, wait.notBefore);
      this.sayOnce(`${pod.key}|${wait.name}`, wait.previous.id, () =>
        log('warn', 'back-off restarting failed container', { pod: pod.key, container: wait.name, exitCode: wait.previous.exitCode, backoff: `${Math.round(wait.delayMs / 1000)}s`, next: new Date(wait.notBefore).toISOString() }),
      );
    }
    await Promise.all(plan.start.map((start) => this.startContainer(pod, current, start, podIP.address)));

    const probed = (spec.containers ?? []).some((c) => c.startupProbe || c.livenessProbe || c.readinessProbe);
    if (!probed) return;
    const after = plan.start.length > 0 ? await this.options.relist(pod) : current;
    this.options.probes.syncPod(pod.uid, this.probeTargets(pod, after, podIP.address));
  }

  /** Logs a line only when what it says about `topic` changes (no flood from a waiting pod). */
  private sayOnce(topic: string, text: string, log: () => void): void {
    if (this.said.get(topic) === text) return;
    this.said.set(topic, text);
    log();
  }

  /** The running containers of a pod as probe targets (each gets its startup/liveness/readiness probes). */
  private probeTargets(pod: StaticPod, runtimePod: RuntimePod | undefined, podIP: string): ProbeTarget[] {
    const specs = new Map((pod.pod.spec?.containers ?? []).map((c) => [c.name, c]));
    return (runtimePod?.containers ?? [])
      .filter((c) => c.running && specs.has(c.name))
      .map((c) => ({ podKey: pod.key, podUid: pod.uid, containerId: c.id, spec: specs.get(c.name)!, podIP }));
  }

  /**
   * A pod that is not hostNetwork needs a running sandbox. One that has died took the pod's network with
   * it: the containers still running are stopped and a new sandbox (attempt + 1) is made (the kubelet's
   * "Pod sandbox changed"). Returns the pod's address, or undefined when no sandbox could be made.
   */
  private async ensureSandbox(pod: StaticPod, current: RuntimePod | undefined): Promise<{ address: string; recreated: boolean } | undefined> {
    const { runtime, log, hostIP, workers } = this.options;
    if (pod.pod.spec?.hostNetwork === true) return { address: hostIP, recreated: false };
    const containers = current?.containers ?? [];
    let sandboxId = containers.find((c) => c.name === SANDBOX_CONTAINER && c.running)?.id;
    let recreated = false;
    if (!sandboxId) {
      const retry = this.sandboxFailures.waiting(pod.uid);
      if (retry) {
        workers.wakeAt(pod.key, retry.notBefore);
        return undefined;
      }
      const previous = containers.filter((c) => c.name === SANDBOX_CONTAINER);
      if (previous.length > 0) {
        log('info', 'pod sandbox changed, it will be killed and re-created', { pod: pod.key });
        await Promise.all(containers.filter((c) => c.name !== SANDBOX_CONTAINER && c.running).map((c) => stopContainer(runtime, c, { podIP: hostIP })));
        await Promise.all(previous.map((c) => runtime.removeContainer(c.id)));
      }
      const attempt = Math.max(-1, ...previous.map((c) => c.attempt)) + 1;
      try {
        if (runtime.usesSandboxImage) await ensureImage(runtime, this.options.sandboxImage, 'IfNotPresent', this.images);
        const notes = this.options.notes;
        sandboxId = await this.options.slots.run(() => runtime.runSandbox({ pod, node: this.options.node, image: this.options.sandboxImage, attempt, ...(notes ? { statusFile: notes.path } : {}) }));
        recreated = true;
        this.sandboxFailures.succeeded(pod.uid);
        this.sandboxWaiting(pod, undefined);
      } catch (err) {
        const message = (err as Error).message;
        this.sandboxFailures.failed(pod.uid, message);
        this.sandboxWaiting(pod, { reason: 'CreatePodSandboxError', message });
        this.sayOnce(`${pod.key}|sandbox`, message, () => log('error', 'pod sandbox could not be started', { pod: pod.key, error: message }));
        workers.wakeAt(pod.key, this.sandboxFailures.waiting(pod.uid)?.notBefore ?? Date.now() + this.options.backoff.initialMs);
        return undefined;
      }
      this.said.delete(`${pod.key}|sandbox`);
    }
    return { address: (await runtime.podAddress(sandboxId)) ?? hostIP, recreated };
  }

  /** Why a pod's containers wait for its sandbox (the kubelet's CreatePodSandboxError), for `ps`. */
  private sandboxWaiting(pod: StaticPod, value: { reason: string; message: string } | undefined): void {
    for (const container of pod.pod.spec?.containers ?? []) this.options.notes?.setWaiting(`${pod.uid}/${container.name}`, value);
  }

  private async startContainer(pod: StaticPod, current: RuntimePod | undefined, start: ContainerStart, podIP: string): Promise<void> {
    const { runtime, log, notes, workers } = this.options;
    const { container } = start;
    const pullKey = `${pod.uid}/${container.name}`;
    const waiting = this.pulls.waiting(pullKey);
    if (waiting) {
      notes?.setWaiting(pullKey, { reason: 'ImagePullBackOff', message: `Back-off pulling image "${container.image}": ${waiting.message}`, notBefore: waiting.notBefore });
      workers.wakeAt(pod.key, waiting.notBefore);
      return;
    }
    try {
      await ensureImage(runtime, container.image!, container.imagePullPolicy, this.images);
      this.pulls.succeeded(pullKey);
      notes?.setWaiting(pullKey, undefined);
    } catch (err) {
      const message = (err as Error).message;
      this.pulls.failed(pullKey, message);
      notes?.setWaiting(pullKey, { reason: err instanceof ImageNeverPullError ? 'ErrImageNeverPull' : 'ErrImagePull', message });
      log('error', 'image pull failed', { pod: pod.key, container: container.name, image: container.image, error: message });
      workers.wakeAt(pod.key, this.pulls.waiting(pullKey)?.notBefore ?? Date.now() + this.options.backoff.initialMs);
      return;
    }

    try {
      if (start.existing) {
        // Created by a reconciler that died before starting it: start that one, duplicate nothing.
        await this.options.slots.run(() => runtime.startContainer(start.existing!.id));
      } else {
        const previous = start.previous;
        const sandboxId = current?.containers.find((c) => c.name === SANDBOX_CONTAINER && c.running)?.id;
        // Keep the last exited container for `logs --previous`; older ones go.
        const older = (current?.containers ?? []).filter((c) => c.name === container.name && c.id !== previous?.id && !c.running);
        await Promise.all(older.map((c) => runtime.removeContainer(c.id)));
        await this.options.slots.run(() =>
          runtime.runContainer({
            pod,
            container,
            node: this.options.node,
            host: this.options.host,
            rootDir: this.options.rootDir,
            hostIP: this.options.hostIP,
            podIP,
            ...(sandboxId && pod.pod.spec?.hostNetwork !== true ? { sandboxId } : {}),
            attempt: previous ? previous.attempt + 1 : 0,
            restartCount: previous ? previous.restartCount + 1 : 0,
            backoff: { step: start.step, ...this.options.backoff },
            ...(notes ? { statusFile: notes.path } : {}),
          }),
        );
      }
      const fields = { pod: pod.key, uid: pod.uid, container: container.name, ...(start.init ? { init: true } : {}), source: pod.source };
      if (start.previous) log('info', 'container restarted', { ...fields, restartCount: start.previous.restartCount + 1, lastExitCode: start.previous.exitCode });
      else log('info', 'container started', fields);
    } catch (err) {
      // An earlier reconciler's never-started container that will not start either is made anew next time.
      if (start.existing) await runtime.removeContainer(start.existing.id).catch(() => undefined);
      log('error', 'container could not be started', { pod: pod.key, uid: pod.uid, container: container.name, error: (err as Error).message });
      workers.wakeAt(pod.key, Date.now() + this.options.backoff.initialMs);
    }
  }
}
