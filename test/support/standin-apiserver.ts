import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * A STAND-IN for kube-apiserver in the mirror-pod tests (the real one cannot run here): HTTPS with
 * client-certificate authentication against the cluster CA, just the endpoints the reconciler uses
 * (nodes and their status, pods and their status, delete with preconditions, leases), a record of the
 * requests, and the refusals a real API server with NodeRestriction would make: a node may only create
 * mirror pods of itself, owned by its Node, and only touch pods bound to it.
 */
export class StandinApiServer {
  readonly requests: Array<{ method: string; path: string; user: string }> = [];
  readonly nodes = new Map<string, Obj>();
  readonly pods = new Map<string, Obj>();
  readonly leases = new Map<string, Obj>();
  private server: Server | undefined;
  private version = 1;

  constructor(private readonly tls: { cert: string; key: string; ca: string }) {}

  async listen(port = 0): Promise<number> {
    this.server = createServer({ ...this.tls, requestCert: true, rejectUnauthorized: true }, (req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        const peer = (req.socket as TLSSocket).getPeerCertificate();
        const cn = peer.subject?.CN ?? '';
        const user = Array.isArray(cn) ? (cn[0] ?? '') : cn;
        const url = new URL(req.url ?? '/', 'https://x');
        this.requests.push({ method: req.method ?? '', path: url.pathname, user });
        const [status, answer] = this.handle(req.method ?? 'GET', url, body ? (JSON.parse(body) as Obj) : undefined, user);
        res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(answer));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    return (this.server!.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  /** `kubectl delete pod` without --force: the object stays with a deletionTimestamp until its node deletes it. */
  gracefulDelete(namespace: string, name: string): void {
    const pod = this.pods.get(`${namespace}/${name}`);
    if (pod) pod.metadata.deletionTimestamp = new Date().toISOString();
  }

  private status(code: number, reason: string, message: string): [number, Obj] {
    return [code, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, message, code }];
  }

  private stamp(object: Obj): Obj {
    object.metadata.resourceVersion = String(++this.version);
    return object;
  }

  private handle(method: string, url: URL, body: Obj | undefined, user: string): [number, Obj] {
    const node = /^system:node:(.+)$/.exec(user)?.[1];
    if (!node) return this.status(403, 'Forbidden', `${user} is not a node`);
    const path = url.pathname.split('/').filter(Boolean);
    const route = path.join('/');
    let m: RegExpExecArray | null;

    if ((m = /^api\/v1\/nodes\/([^/]+)(\/status)?$/.exec(route))) {
      const name = m[1]!;
      if (name !== node) return this.status(403, 'Forbidden', `node ${node} cannot touch node ${name}`);
      const current = this.nodes.get(name);
      if (method === 'GET') return current ? [200, current] : this.status(404, 'NotFound', `nodes "${name}" not found`);
      if (method === 'PUT' && m[2] && current) {
        current.status = body?.status;
        return [200, this.stamp(current)];
      }
    }
    if (route === 'api/v1/nodes' && method === 'POST') {
      const name = body?.metadata?.name as string;
      if (name !== node) return this.status(403, 'Forbidden', `node ${node} cannot create node ${name}`);
      if (this.nodes.has(name)) return this.status(409, 'AlreadyExists', `nodes "${name}" already exists`);
      const created = this.stamp({ ...body, metadata: { ...body!.metadata, uid: randomUUID(), creationTimestamp: new Date().toISOString() } });
      this.nodes.set(name, created);
      return [201, created];
    }
    if (route === 'api/v1/pods' && method === 'GET') {
      const selector = url.searchParams.get('fieldSelector') ?? '';
      const bound = /^spec\.nodeName=(.+)$/.exec(selector)?.[1];
      const items = [...this.pods.values()].filter((p) => !bound || p.spec?.nodeName === bound);
      return [200, { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: String(this.version) }, items }];
    }
    if ((m = /^api\/v1\/namespaces\/([^/]+)\/pods$/.exec(route)) && method === 'POST') {
      const problem = this.mirrorProblem(body!, node);
      if (problem) return this.status(403, 'Forbidden', problem);
      const key = `${m[1]}/${body!.metadata.name}`;
      if (this.pods.has(key)) return this.status(409, 'AlreadyExists', `pods "${body!.metadata.name}" already exists`);
      const created = this.stamp({ ...body, metadata: { ...body!.metadata, namespace: m[1], uid: randomUUID(), creationTimestamp: new Date().toISOString(), generation: 1 } });
      this.pods.set(key, created);
      return [201, created];
    }
    if ((m = /^api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)(\/status)?$/.exec(route))) {
      const key = `${m[1]}/${m[2]}`;
      const current = this.pods.get(key);
      if (!current) return this.status(404, 'NotFound', `pods "${m[2]}" not found`);
      if (current.spec?.nodeName !== node) return this.status(403, 'Forbidden', `node ${node} can only touch pods bound to it`);
      if (method === 'GET') return [200, current];
      if (method === 'DELETE') {
        const uid = body?.preconditions?.uid;
        if (uid && uid !== current.metadata.uid) return this.status(409, 'Conflict', `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${current.metadata.uid}`);
        this.pods.delete(key);
        return [200, current];
      }
      if (method === 'PUT' && m[3]) {
        if (JSON.stringify(body?.metadata?.labels ?? {}) !== JSON.stringify(current.metadata.labels ?? {})) return this.status(403, 'Forbidden', 'a node may not change the labels of a pod');
        current.status = body?.status;
        return [200, this.stamp(current)];
      }
    }
    if ((m = /^apis\/coordination\.k8s\.io\/v1\/namespaces\/kube-node-lease\/leases(?:\/([^/]+))?$/.exec(route))) {
      const name = m[1] ?? body?.metadata?.name;
      if (name !== node) return this.status(403, 'Forbidden', `node ${node} cannot touch lease ${name}`);
      const current = this.leases.get(name);
      if (method === 'GET') return current ? [200, current] : this.status(404, 'NotFound', `leases "${name}" not found`);
      if (method === 'POST') {
        if (current) return this.status(409, 'AlreadyExists', 'exists');
        const created = this.stamp({ ...body, metadata: { ...body!.metadata, uid: randomUUID() } });
        this.leases.set(name, created);
        return [201, created];
      }
      if (method === 'PUT' && current) {
        current.spec = body?.spec;
        return [200, this.stamp(current)];
      }
    }
    return this.status(404, 'NotFound', `the stand-in API server does not serve ${method} /${route}`);
  }

  /** NodeRestriction (plugin/pkg/admission/noderestriction) for a pod a node creates. */
  private mirrorProblem(pod: Obj, node: string): string | undefined {
    if (pod.metadata?.annotations?.['kubernetes.io/config.mirror'] === undefined) return `pod does not have "kubernetes.io/config.mirror" annotation, node "${node}" can only create mirror pods`;
    if (pod.spec?.nodeName !== node) return `node "${node}" can only create pods with spec.nodeName set to itself`;
    const owners = (pod.metadata?.ownerReferences ?? []) as Obj[];
    const nodeUid = this.nodes.get(node)?.metadata?.uid;
    if (owners.length !== 1) return `node "${node}" can only create pods with a single owner reference set to itself`;
    const owner = owners[0]!;
    if (owner.apiVersion !== 'v1' || owner.kind !== 'Node' || owner.name !== node || owner.uid !== nodeUid || owner.controller !== true || owner.blockOwnerDeletion) {
      return `node "${node}" can only create pods with an owner reference set to itself (v1/Node ${node} uid ${nodeUid}, controller, no blockOwnerDeletion)`;
    }
    if (pod.spec?.serviceAccountName) return `node "${node}" can not create pods that reference a service account`;
    return undefined;
  }
}
