import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { createSecureContext } from 'node:tls';
import { dirname, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import { parse } from 'yaml';
import { isRecord } from './records.js';

/** An API error with the HTTP status and the Status reason, as callers branch on 404, 409 and 403. */
export class ApiError extends Error {
  constructor(readonly code: number, message: string, readonly reason = '') {
    super(message);
  }
}

/** How to reach and authenticate to an API server: a client certificate, a bearer token, or anonymous. */
export interface ApiCredentials {
  server: string;
  /** The CA that signs the server's certificate; `insecure` skips the check (token discovery's first look). */
  ca?: string;
  insecure?: boolean;
  cert?: string;
  key?: string;
  token?: string;
}

/** A Kubernetes object as the API returns it; typed by the caller. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
}

/** The current context's server, CA and user of a kubeconfig (embedded data or files, certificate or token). */
export function readKubeconfig(path: string): ApiCredentials {
  return parseKubeconfig(readFileSync(path, 'utf8'), path);
}

export function parseKubeconfig(text: string, path: string): ApiCredentials {
  const doc = parse(text) as unknown;
  if (!isRecord(doc)) throw new Error(`${path}: not a kubeconfig`);
  const named = (list: unknown, name: unknown, field: string): Record<string, unknown> => {
    const entry = (Array.isArray(list) ? list : []).find((e: unknown) => isRecord(e) && e.name === name) as Record<string, unknown> | undefined;
    if (!entry || !isRecord(entry[field])) throw new Error(`${path}: no ${field} ${JSON.stringify(name)} for the current context`);
    return entry[field] as Record<string, unknown>;
  };
  const context = named(doc.contexts, doc['current-context'], 'context');
  const cluster = named(doc.clusters, context.cluster, 'cluster');
  const user = named(doc.users, context.user, 'user');
  const data = (embedded: unknown, file: unknown): string | undefined => {
    if (typeof embedded === 'string') return Buffer.from(embedded, 'base64').toString('utf8');
    if (typeof file === 'string') return readFileSync(resolve(dirname(path), file), 'utf8');
    return undefined;
  };
  if (typeof cluster.server !== 'string') throw new Error(`${path}: the cluster has no server`);
  const credentials: ApiCredentials = { server: cluster.server.replace(/\/$/, '') };
  const ca = data(cluster['certificate-authority-data'], cluster['certificate-authority']);
  if (ca) credentials.ca = ca;
  const cert = data(user['client-certificate-data'], user['client-certificate']);
  const key = data(user['client-key-data'], user['client-key']);
  if (cert && key) Object.assign(credentials, { cert, key });
  const token = typeof user.token === 'string' ? user.token : typeof user.tokenFile === 'string' ? readFileSync(resolve(dirname(path), user.tokenFile), 'utf8').trim() : undefined;
  if (token) credentials.token = token;
  if (!credentials.cert && !credentials.token) throw new Error(`${path}: the user has neither a client certificate and key nor a token`);
  return credentials;
}

/** The plural resource names of the kinds kubeboot reads and writes (the API path needs them). */
const PLURALS: Record<string, string> = {
  Namespace: 'namespaces', Node: 'nodes', Pod: 'pods', ConfigMap: 'configmaps', Secret: 'secrets', ServiceAccount: 'serviceaccounts',
  Service: 'services', Deployment: 'deployments', DaemonSet: 'daemonsets', Role: 'roles', RoleBinding: 'rolebindings',
  ClusterRole: 'clusterroles', ClusterRoleBinding: 'clusterrolebindings', Lease: 'leases',
};

/** /api/v1/namespaces/ns/configmaps[/name] for an apiVersion and kind. */
export function resourcePath(apiVersion: string, kind: string, namespace?: string, name?: string): string {
  const plural = PLURALS[kind];
  if (!plural) throw new Error(`kubeboot does not know the resource of kind ${kind}`);
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  return `${base}${namespace ? `/namespaces/${encodeURIComponent(namespace)}` : ''}/${plural}${name ? `/${encodeURIComponent(name)}` : ''}`;
}

export function objectPath(object: KubeObject, withName = true): string {
  return resourcePath(object.apiVersion ?? '', object.kind ?? '', object.metadata?.namespace, withName ? object.metadata?.name : undefined);
}

/**
 * A small Kubernetes API client over HTTPS (keep-alive), shared by the init phases, the token commands and
 * the reconciler. Not @kubernetes/client-node: that library adds about 54 MiB to the reconciler's memory
 * (most of its budget) and needs Node >= 22.19, for a dozen calls.
 */
export class ApiClient {
  private readonly agent: Agent;

  constructor(readonly credentials: ApiCredentials) {
    const { ca, cert, key, insecure } = credentials;
    // One TLS context for every connection: given as cert/key/ca, each new connection parsed them again
    // (the reconciler's periodic calls outlive the server's idle timeout, so most calls connect anew).
    const secureContext = createSecureContext({ ...(cert && key ? { cert, key } : {}), ...(ca ? { ca } : {}) });
    this.agent = new Agent({ keepAlive: true, maxSockets: 4, secureContext, rejectUnauthorized: !insecure });
  }

  static fromKubeconfig(path: string): ApiClient {
    return new ApiClient(readKubeconfig(path));
  }

  close(): void {
    this.agent.destroy();
  }

  request<T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    const url = new URL(this.credentials.server + path);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string | number> = { Accept: 'application/json', 'User-Agent': 'kubeboot' };
    if (payload) Object.assign(headers, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(payload) });
    if (this.credentials.token) headers.Authorization = `Bearer ${this.credentials.token}`;
    return new Promise((resolvePromise, reject) => {
      const req = request(url, { method, agent: this.agent, timeout: 10_000, headers }, (res) => {
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
          const reason = isRecord(value) && typeof value.reason === 'string' ? value.reason : '';
          reject(new ApiError(status, `${method} ${url.pathname}: ${status} ${message}`, reason));
        });
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${url.pathname}: timed out`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  get<T = KubeObject>(path: string): Promise<T> {
    return this.request('GET', path);
  }

  /** The object at `path`, or undefined when it does not exist. */
  async find<T = KubeObject>(path: string): Promise<T | undefined> {
    try {
      return await this.get<T>(path);
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return undefined;
      throw err;
    }
  }

  create<T extends KubeObject>(object: T): Promise<T> {
    return this.request('POST', objectPath(object, false), object);
  }

  replace<T extends KubeObject>(object: T): Promise<T> {
    return this.request('PUT', objectPath(object), object);
  }

  delete(path: string, options: Record<string, unknown> = {}): Promise<KubeObject> {
    return this.request('DELETE', path, { apiVersion: 'v1', kind: 'DeleteOptions', ...options });
  }

  /**
   * kubeadm's create-or-update: create; when it exists, replace it (keeping what `keep` takes from the
   * stored object) unless it already holds what is wanted, retrying on a conflict. Returns what the
   * server stored and what happened.
   */
  async apply<T extends KubeObject>(object: T, keep: (stored: T, wanted: T) => T = (_stored, wanted) => wanted): Promise<{ object: T; action: 'created' | 'updated' | 'unchanged' }> {
    try {
      return { object: await this.create(object), action: 'created' };
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 409)) throw err;
    }
    for (let attempt = 1; ; attempt++) {
      const stored = await this.get<T>(objectPath(object));
      const next = keep(stored, object);
      if (holds(stored, next)) return { object: stored, action: 'unchanged' };
      try {
        return { object: await this.replace({ ...next, metadata: { ...next.metadata, resourceVersion: stored.metadata?.resourceVersion } }), action: 'updated' };
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 409) || attempt >= 5) throw err;
      }
    }
  }
}

/** Whether `stored` already holds what `wanted` sets: each of its fields but metadata, and its labels, annotations and owners. */
export function holds(stored: KubeObject, wanted: KubeObject): boolean {
  const [has, want] = [stored as Record<string, unknown>, wanted as Record<string, unknown>];
  const fields = Object.keys(want).filter((key) => key !== 'metadata' && key !== 'status');
  const meta = (['labels', 'annotations', 'ownerReferences'] as const).filter((key) => wanted.metadata?.[key] !== undefined);
  return fields.every((key) => isDeepStrictEqual(has[key], want[key])) && meta.every((key) => isDeepStrictEqual(stored.metadata?.[key], wanted.metadata?.[key]));
}
