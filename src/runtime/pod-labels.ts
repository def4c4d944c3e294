import { encodeBackoff } from './backoff.js';
import { labels } from './labels.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { ContainerRequest, PodDescription, RuntimeContainer, SandboxRequest } from './runtime.js';

/** The labels every container of a pod carries: what `ps`, adoption and ownership read back. */
export function podLabels(pod: PodDescription, node: string, statusFile?: string): Record<string, string> {
  const meta = pod.pod.metadata!;
  return {
    ...(statusFile ? { [labels.statusFile]: statusFile } : {}),
    [labels.podName]: meta.name!,
    [labels.podNamespace]: meta.namespace!,
    [labels.podUid]: pod.uid,
    [labels.node]: node,
    [labels.source]: pod.source,
    [labels.terminationGracePeriod]: String(pod.pod.spec?.terminationGracePeriodSeconds ?? 30),
  };
}

/** An app or init container's labels: the pod's, plus its name, restart count, back-off and the pod spec. */
export function containerLabels(request: ContainerRequest): Record<string, string> {
  return {
    ...podLabels(request.pod, request.node, request.statusFile),
    [labels.containerName]: request.container.name,
    [labels.type]: 'container',
    [labels.restartCount]: String(request.restartCount),
    [labels.backoff]: encodeBackoff(request.backoff),
    [labels.podSpec]: JSON.stringify(request.pod.pod),
  };
}

/** A sandbox's labels. The pod's own labels come first: they must never override the ones that decide ownership. */
export function sandboxLabels(request: SandboxRequest): Record<string, string> {
  const meta = request.pod.pod.metadata!;
  return { ...(meta.labels ?? {}), ...podLabels(request.pod, request.node, request.statusFile), [labels.type]: 'podsandbox', [labels.podSpec]: JSON.stringify(request.pod.pod) };
}

/** The pod a container was made for, from its label (also when the manifest is gone). */
export function podOfContainer(c: RuntimeContainer): Pod | undefined {
  try {
    return JSON.parse(c.labels[labels.podSpec] ?? '') as Pod;
  } catch {
    return undefined;
  }
}
