import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { dirname, resolve } from 'node:path';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node, Pod, PodList } from 'kubernetes-types/core/v1.js';
import { parse } from 'yaml';
import { isRecord } from '../util/records.js';

/** An API error with the HTTP status, as the callers branch on 404 and 409. */
export class ApiError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

interface Credentials {
  server: string;
  ca?: string;
  cert: string;
  key: string;
}

/** The current context's server, CA and client certificate of a kubeconfig (embedded data or files). */
export function readKubeconfig(path: string): Credentials {
  const doc = parse(readFileSync(path, 'utf8')) as unknown;
  if (!isRecord(doc)) throw new Error(`${path}: not a kubeconfig`);
  const named = (list: unknown, name: unknown, field: string): Record<string, unknown> => {
    const entry = (Array.isArray(list) ? list : []).find((e: unknown) => isRecord(e) && e.name === name) as Record<string, unknown> | undefined;
    if (!entry || !isRecord(entry[field])) throw new Error(`${path}: no ${field} ${JSON.stringify(name)} for the current context`);
    return entry[field] as Record<string, unknown>;
  };
  const context = named(doc.contexts, doc['current-context'], 'context');
  const cluster = named(doc.clusters, context.cluster, 'cluster');
  const user = named(doc.users, context.user, 'user');
  const data = (embedded: unknown, file: unknown, what: string): string | undefined => {
    if (typeof embedded === 'string') return Buffer.from(embedded, 'base64').toString('utf8');
    if (typeof file === 'string') return readFileSync(resolve(dirname(path), file), 'utf8');
    if (what !== 'certificate-authority') throw new Error(`${path}: the user has no ${what} (kubeboot authenticates with a client certificate)`);
    return undefined;
  };
  if (typeof cluster.server !== 'string') throw new Error(`${path}: the cluster has no server`);
  const ca = data(cluster['certificate-authority-data'], cluster['certificate-authority'], 'certificate-authority');
  return {
    server: cluster.server.replace(/\/$/, ''),
    ...(ca ? { ca } : {}),
    cert: data(user['client-certificate-data'], user['client-certificate'], 'client-certificate')!,
    key: data(user['client-key-data'], user['client-key'], 'client-key')!,
  };
}

/**
 * The few Kubernetes API calls the reconciler makes (its Node, its Lease, its mirror pods), over HTTPS
 * with the kubeconfig's client certificate and the server verified against its CA. A small typed
 * client instead of @kubernetes/client-node: that library adds about 54 MiB to the daemon's memory,
 * most of the reconciler's budget, for ten calls.
 */
export class ApiClient {
  private readonly credentials: Credentials;
  private readonly agent: Agent;

  constructor(kubeconfig: string) {
    this.credentials = readKubeconfig(kubeconfig);
    const { ca, cert, key } = this.credentials;
    this.agent = new Agent({ keepAlive: true, maxSockets: 4, cert, key, ...(ca ? { ca } : {}) });
  }

  close(): void {
    this.agent.destroy();
  }

  private call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const url = new URL(this.credentials.server + path);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolvePromise, reject) => {
      const req = request(
        url,
        { method, agent: this.agent, timeout: 10_000, headers: { Accept: 'application/json', 'User-Agent': 'kubeboot', ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) } : {}) } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            let value: unknown;
            try {
              value = text ? JSON.parse(text) : undefined;
            } catch {
              value = undefined;
            }
            if (status >= 200 && status < 300) return resolvePromise(value as T);
            const message = isRecord(value) && typeof value.message === 'string' ? value.message : text.slice(0, 200);
            reject(new ApiError(status, `${method} ${url.pathname}: ${status} ${message}`));
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${url.pathname}: timed out`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  readNode(name: string): Promise<Node> {
    return this.call('GET', `/api/v1/nodes/${encodeURIComponent(name)}`);
  }

  createNode(node: Node): Promise<Node> {
    return this.call('POST', '/api/v1/nodes', node);
  }

  replaceNodeStatus(node: Node): Promise<Node> {
    return this.call('PUT', `/api/v1/nodes/${encodeURIComponent(node.metadata!.name!)}/status`, node);
  }

  readLease(namespace: string, name: string): Promise<Lease> {
    return this.call('GET', `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases/${encodeURIComponent(name)}`);
  }

  createLease(lease: Lease): Promise<Lease> {
    return this.call('POST', `/apis/coordination.k8s.io/v1/namespaces/${lease.metadata!.namespace}/leases`, lease);
  }

  replaceLease(lease: Lease): Promise<Lease> {
    return this.call('PUT', `/apis/coordination.k8s.io/v1/namespaces/${lease.metadata!.namespace}/leases/${encodeURIComponent(lease.metadata!.name!)}`, lease);
  }

  listPodsOnNode(node: string): Promise<PodList> {
    return this.call('GET', `/api/v1/pods?fieldSelector=${encodeURIComponent(`spec.nodeName=${node}`)}`);
  }

  createPod(pod: Pod): Promise<Pod> {
    return this.call('POST', `/api/v1/namespaces/${pod.metadata!.namespace}/pods`, pod);
  }

  replacePodStatus(pod: Pod): Promise<Pod> {
    return this.call('PUT', `/api/v1/namespaces/${pod.metadata!.namespace}/pods/${encodeURIComponent(pod.metadata!.name!)}/status`, pod);
  }

  /** Deletes at once; with `uid`, only that object (a precondition: 409 when it is another one). */
  deletePod(namespace: string, name: string, uid?: string): Promise<Pod> {
    return this.call('DELETE', `/api/v1/namespaces/${namespace}/pods/${encodeURIComponent(name)}`, { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, ...(uid ? { preconditions: { uid } } : {}) });
  }
}
