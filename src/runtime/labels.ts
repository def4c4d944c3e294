/** Docker labels, as the dockershim set them, plus kubeboot's own for ownership. */
export const labels = {
  podName: 'io.kubernetes.pod.name',
  podNamespace: 'io.kubernetes.pod.namespace',
  podUid: 'io.kubernetes.pod.uid',
  containerName: 'io.kubernetes.container.name',
  /** `podsandbox` or `container`. */
  type: 'io.kubernetes.docker.type',
  restartCount: 'annotation.io.kubernetes.container.restartCount',
  terminationGracePeriod: 'annotation.io.kubernetes.pod.terminationGracePeriod',
  /** The node name of the reconciler that owns it: a reconciler touches only its own node's containers. */
  node: 'io.kubeboot.node',
  /** The manifest the pod came from, for `kubeboot ps -o wide`. */
  source: 'io.kubeboot.source',
  /** The pod's manifest (JSON), so that a restarted reconciler and `ps` know the pod without the file. */
  podSpec: 'io.kubeboot.pod',
  /** The crash-loop back-off step and periods this container was started with (see runtime/backoff.ts). */
  backoff: 'io.kubeboot.backoff',
  /** Where the reconciler writes what the engine cannot show (probe results, image pulls), for `ps`. */
  statusFile: 'io.kubeboot.status-file',
} as const;

export const SANDBOX_CONTAINER = 'POD';

/** `k8s_<container>_<pod>_<namespace>_<uid>_<attempt>`; the sandbox's container name is `POD`. */
export function containerName(container: string, pod: string, namespace: string, uid: string, attempt: number): string {
  return `k8s_${container}_${pod}_${namespace}_${uid}_${attempt}`;
}
