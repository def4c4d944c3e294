import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node, Pod, PodList } from 'kubernetes-types/core/v1.js';
import { ApiClient, readKubeconfig } from '../util/kube-api.js';

/** The reconciler's API calls (its Node, its Lease, its mirror pods), typed, over the shared client. */
export class NodeApiClient extends ApiClient {
  constructor(kubeconfig: string) {
    super(readKubeconfig(kubeconfig));
  }

  readNode(name: string): Promise<Node> {
    return this.request('GET', `/api/v1/nodes/${encodeURIComponent(name)}`);
  }

  createNode(node: Node): Promise<Node> {
    return this.request('POST', '/api/v1/nodes', node);
  }

  replaceNodeStatus(node: Node): Promise<Node> {
    return this.request('PUT', `/api/v1/nodes/${encodeURIComponent(node.metadata!.name!)}/status`, node);
  }

  readLease(namespace: string, name: string): Promise<Lease> {
    return this.request('GET', `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases/${encodeURIComponent(name)}`);
  }

  createLease(lease: Lease): Promise<Lease> {
    return this.request('POST', `/apis/coordination.k8s.io/v1/namespaces/${lease.metadata!.namespace}/leases`, lease);
  }

  replaceLease(lease: Lease): Promise<Lease> {
    return this.request('PUT', `/apis/coordination.k8s.io/v1/namespaces/${lease.metadata!.namespace}/leases/${encodeURIComponent(lease.metadata!.name!)}`, lease);
  }

  listPodsOnNode(node: string): Promise<PodList> {
    return this.request('GET', `/api/v1/pods?fieldSelector=${encodeURIComponent(`spec.nodeName=${node}`)}`);
  }

  createPod(pod: Pod): Promise<Pod> {
    return this.request('POST', `/api/v1/namespaces/${pod.metadata!.namespace}/pods`, pod);
  }

  replacePodStatus(pod: Pod): Promise<Pod> {
    return this.request('PUT', `/api/v1/namespaces/${pod.metadata!.namespace}/pods/${encodeURIComponent(pod.metadata!.name!)}/status`, pod);
  }

  /** Deletes at once; with `uid`, only that object (a precondition: 409 when it is another one). */
  deletePod(namespace: string, name: string, uid?: string): Promise<Pod> {
    return this.request('DELETE', `/api/v1/namespaces/${namespace}/pods/${encodeURIComponent(name)}`, { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, ...(uid ? { preconditions: { uid } } : {}) });
  }
}
