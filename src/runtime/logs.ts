import { KubebootError, UsageError } from '../util/errors.js';
import { labels, SANDBOX_CONTAINER } from './labels.js';
import { podOfContainer } from './pod-labels.js';
import type { ContainerRuntime, LogOutput, RuntimeContainer, RuntimePod } from './runtime.js';

export interface LogsRequest {
  pod: string;
  namespace?: string;
  container?: string;
  node?: string;
  previous?: boolean;
  follow?: boolean;
  tail?: number;
  timestamps?: boolean;
}

/** The pod a user means: its full name, or the manifest's name when one node runs it (`etcd` for `etcd-n1`). */
function findPod(pods: RuntimePod[], request: LogsRequest): RuntimePod {
  const inNamespace = pods.filter((p) => !request.namespace || p.namespace === request.namespace);
  let matches = inNamespace.filter((p) => p.name === request.pod);
  if (matches.length === 0) {
    matches = inNamespace.filter((p) => {
      const node = p.containers[0]?.labels[labels.node];
      return node !== undefined && p.name === `${request.pod}-${node}`;
    });
  }
  const where = request.namespace ? ` in namespace ${request.namespace}` : '';
  if (matches.length === 0) {
    throw new KubebootError(`pod ${JSON.stringify(request.pod)} not found${where}`, { hint: 'See the pods with: kubeboot ps' });
  }
  if (matches.length > 1) {
    throw new UsageError(`${matches.length} pods match ${JSON.stringify(request.pod)}${where}: ${matches.map((p) => `${p.namespace}/${p.name}`).join(', ')}`, {
      hint: 'Give the full pod name, with -n NAMESPACE or --node-name NODE.',
    });
  }
  return matches[0]!;
}

/** The container a user means: -c, else the pod's default-container annotation, else its only or first container. */
function chooseContainer(pod: RuntimePod, wanted: string | undefined, say: (line: string) => void): string {
  const spec = pod.containers.map(podOfContainer).find((p) => p !== undefined);
  const names = [...(spec?.spec?.initContainers ?? []), ...(spec?.spec?.containers ?? [])].map((c) => c.name);
  const known = names.length > 0 ? names : [...new Set(pod.containers.filter((c) => c.name !== SANDBOX_CONTAINER).map((c) => c.name))];
  if (wanted) {
    if (!known.includes(wanted)) throw new KubebootError(`container ${JSON.stringify(wanted)} is not valid for pod ${pod.name}: choose one of ${known.join(', ')}`);
    return wanted;
  }
  const apps = spec?.spec?.containers?.map((c) => c.name) ?? known;
  const annotated = spec?.metadata?.annotations?.['kubectl.kubernetes.io/default-container'];
  const chosen = annotated && apps.includes(annotated) ? annotated : apps[0];
  if (!chosen) throw new KubebootError(`pod ${pod.name} has no containers yet`);
  if (apps.length > 1 && !annotated) say(`Defaulted container "${chosen}" out of: ${apps.join(', ')}`);
  return chosen;
}

/**
 * `kubeboot logs`: a static pod container's output from the engine, as `kubectl logs` shows it; with
 * --previous, the container before the current one (the reconciler keeps one exited container a name).
 */
export async function containerLogs(runtime: ContainerRuntime, request: LogsRequest, out: LogOutput): Promise<void> {
  const pod = findPod([...(await runtime.listPods(request.node ? { node: request.node } : {})).values()], request);
  const name = chooseContainer(pod, request.container, (line) => out.stderr.write(`${line}\n`));
  const attempts = pod.containers.filter((c) => c.name === name).sort((a, b) => b.attempt - a.attempt);
  let target: RuntimeContainer | undefined = attempts[0];
  if (request.previous) {
    target = attempts[1];
    if (!target) throw new KubebootError(`previous terminated container ${JSON.stringify(name)} in pod ${JSON.stringify(pod.name)} not found`);
  }
  if (!target) throw new KubebootError(`container ${JSON.stringify(name)} in pod ${JSON.stringify(pod.name)} has not been created yet`, { hint: `See why with: kubeboot ps --node-name ${pod.containers[0]?.labels[labels.node] ?? ''} -o json` });
  await runtime.containerLogs(target.id, { ...(request.follow ? { follow: true } : {}), ...(request.tail !== undefined ? { tail: request.tail } : {}), ...(request.timestamps ? { timestamps: true } : {}) }, out);
}
