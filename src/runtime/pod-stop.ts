import type { Container, LifecycleHandler } from 'kubernetes-types/core/v1.js';
import { httpGetHandler, resolvePort } from './handlers.js';
import { labels, SANDBOX_CONTAINER } from './labels.js';
import { podOfContainer } from './pod-labels.js';
import type { ContainerRuntime, ExecResult, RuntimeContainer, RuntimePod } from './runtime.js';

export interface StopContext {
  /** The grace period; the pod's terminationGracePeriodSeconds when not given. 2 s is the minimum. */
  graceSeconds?: number;
  /** Where an httpGet preStop hook goes when it names no host: the pod's address. */
  podIP: string;
  onHook?: (container: RuntimeContainer, result: ExecResult) => void;
}

async function runPreStop(runtime: ContainerRuntime, c: RuntimeContainer, hook: LifecycleHandler, spec: Container, podIP: string, timeoutMs: number): Promise<ExecResult> {
  if (hook.exec?.command) return runtime.exec(c.id, hook.exec.command, timeoutMs);
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
export async function stopContainer(runtime: ContainerRuntime, c: RuntimeContainer, context: StopContext): Promise<void> {
  if (!c.running) return;
  const pod = podOfContainer(c);
  const grace = context.graceSeconds ?? pod?.spec?.terminationGracePeriodSeconds ?? Number(c.labels[labels.terminationGracePeriod] ?? 30);
  const started = Date.now();
  const spec = pod?.spec?.containers?.find((s) => s.name === c.name) ?? pod?.spec?.initContainers?.find((s) => s.name === c.name);
  const hook = spec?.lifecycle?.preStop;
  if (hook && spec && grace > 0) {
    const result = await runPreStop(runtime, c, hook, spec, context.podIP, grace * 1000).catch((err: Error) => ({ ok: false, message: err.message }));
    context.onHook?.(c, result);
  }
  await runtime.stopContainer(c.id, Math.max(2, Math.ceil(grace - (Date.now() - started) / 1000)));
}

/**
 * Stops a pod's app containers (each gracefully, at once) and removes each once it has stopped, so the
 * exited ones kept for `logs --previous` go while the running ones take their grace period. The sandbox
 * goes last, in one engine call: the pause process has nothing to finish, so it is not given a stop of
 * its own (a removal with force kills it), which took a second stop's time off every deleted pod.
 */
export async function stopPod(runtime: ContainerRuntime, pod: RuntimePod, context: StopContext): Promise<void> {
  const apps = pod.containers.filter((c) => c.name !== SANDBOX_CONTAINER);
  const graceSeconds = context.graceSeconds === undefined ? undefined : Math.max(2, context.graceSeconds);
  await Promise.all(
    apps.map(async (c) => {
      await stopContainer(runtime, c, { ...context, ...(graceSeconds !== undefined ? { graceSeconds } : {}) });
      await runtime.removeContainer(c.id);
    }),
  );
  await Promise.all(pod.containers.filter((c) => c.name === SANDBOX_CONTAINER).map((c) => runtime.removeContainer(c.id)));
}
