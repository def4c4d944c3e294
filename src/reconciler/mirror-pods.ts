import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { NodeApiClient } from './api-client.js';
import type { Logger } from '../util/log.js';
import { CONFIG_HASH } from './static-pod.js';

export const CONFIG_MIRROR = 'kubernetes.io/config.mirror';
const LEASE_NAMESPACE = 'kube-node-lease';
const LEASE_SECONDS = 40;

export interface MirrorOptions {
  kubeconfig: string;
  node: string;
  hostIP: string;
  log: Logger;
  /** The static pods with their status now. */
  pods: () => Promise<Pod[]>;
  /**
   * How often mirrors, node status and lease are reconciled: 10 s, the kubelet's node status, lease and
   * status-manager period. (Its 2 s housekeeping reads a watch-fed cache; here every round lists the
   * node's pods, so status changes kick a round instead: see kick().)
   */
  periodMs?: number;
}

/** The kubelet's nodeStatusReportFrequency default. */
const NODE_STATUS_REPORT_MS = 5 * 60_000;

const statusCode = (err: unknown): number | undefined => (err as { code?: number }).code;

/** The status without the times that change on every computation: what decides whether to write it. */
function statusKey(status: Pod['status']): string {
  return JSON.stringify(status, (key, value: unknown) => (key === 'lastTransitionTime' || key === 'lastProbeTime' ? undefined : value));
}

/**
 * The kubelet's mirror pods and node registration (kubelet.go tryReconcileMirrorPods, mirror_client.go,
 * the node lease), through a small typed API client (api-client.ts) authenticated with the kubeconfig's
 * client certificate. The API server being away never touches the
 * static pods: mirrors wait, retried with back-off, and each change of reachability is logged once.
 */
export class MirrorManager {
  private client: NodeApiClient | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private reachable: boolean | undefined;
  private reachedOnce = false;
  private failures = 0;
  private nodeUid: string | undefined;
  private lastLease = 0;
  /** The lease as the API server returned it last. */
  private lease: Lease | undefined;
  private lastNodeStatus = 0;
  /** When the next round is due after a kick, if one is. */
  private kickAt: number | undefined;
  private readonly written = new Map<string, string>();

  constructor(private readonly options: MirrorOptions) {}

  start(): void {
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.client?.close();
  }

  /** Sync soon: a static pod changed (at once), or a pod's status may have (`delayMs`: changes that come together go together). */
  kick(delayMs = 0): void {
    if (this.running || this.stopped) return;
    if (delayMs > 0 && this.reachable === false) return; // the back-off decides when to try again
    if (delayMs > 0 && this.kickAt !== undefined && this.kickAt <= Date.now() + delayMs) return; // one is due sooner
    this.kickAt = Date.now() + delayMs;
    this.schedule(delayMs);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.kickAt = undefined;
      this.running = this.sync().finally(() => {
        this.running = undefined;
        const period = this.options.periodMs ?? 10_000;
        // Not reached yet: the kubelet's registration back-off (100 ms doubling to 7 s), since init's
        // mark-control-plane waits for the Node of a control plane that comes up after the reconciler.
        // Away after that: 2 s, 4 s, then every 7 s.
        const first = this.reachedOnce ? period : 100;
        this.schedule(this.reachable === false ? Math.min(7_000, first * 2 ** Math.min(this.failures - 1, 7)) : period);
      });
    }, ms);
  }

  private api(): NodeApiClient {
    this.client ??= new NodeApiClient(this.options.kubeconfig);
    return this.client;
  }

  private async sync(): Promise<void> {
    try {
      const client = this.api();
      await this.ensureNode(client);
      await this.renewLease(client);
      await this.syncMirrors(client);
      if (this.reachable !== true) this.options.log('info', this.reachable === false ? 'the API server answers again: mirror pods are synced' : 'mirror pods are kept on the API server', { kubeconfig: this.options.kubeconfig, node: this.options.node });
      this.reachable = true;
      this.reachedOnce = true;
      this.failures = 0;
    } catch (err) {
      this.failures++;
      if (this.reachable !== false) {
        this.options.log('warn', 'the API server cannot be reached or refused a request: mirror pods wait, the static pods keep running', {
          kubeconfig: this.options.kubeconfig,
          error: (err as Error).message.split('\n')[0],
        });
      }
      this.reachable = false;
      this.nodeUid = undefined;
    }
  }

  /** Registers this node (a control-plane node: labelled and tainted as kubeadm's mark-control-plane does) and reports its status. */
  private async ensureNode(client: NodeApiClient): Promise<void> {
    const { node, hostIP } = this.options;
    if (!this.nodeUid) {
      let found = await client.readNode(node).catch((err: unknown) => (statusCode(err) === 404 ? undefined : Promise.reject(err)));
      if (!found) {
        found = await client.createNode({
          apiVersion: 'v1',
          kind: 'Node',
          metadata: {
            name: node,
            labels: { 'kubernetes.io/hostname': node, 'kubernetes.io/os': 'linux', 'node-role.kubernetes.io/control-plane': '', 'node.kubernetes.io/exclude-from-external-load-balancers': '' },
          },
          spec: { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] },
        });
        this.options.log('info', 'registered the node on the API server', { node });
      }
      this.nodeUid = found.metadata?.uid;
      if (!this.nodeUid) throw new Error(`the API server returned node ${node} without a uid`);
      this.lastNodeStatus = 0;
    }
    // The status kubeboot reports does not change while it runs: like the kubelet with node leases, it is
    // written when the node is (re)registered and then every nodeStatusReportFrequency (5 min); the
    // lease, renewed every 10 s, is what says the node is alive.
    if (Date.now() - this.lastNodeStatus < NODE_STATUS_REPORT_MS) return;
    const current = await client.readNode(node);
    const now = new Date().toISOString();
    await client.replaceNodeStatus({
      ...current,
      status: {
        ...current.status,
        addresses: [{ type: 'InternalIP', address: hostIP }, { type: 'Hostname', address: node }],
        conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubeboot is posting ready status', lastHeartbeatTime: now, lastTransitionTime: now }],
        nodeInfo: { ...(current.status?.nodeInfo ?? {}), kubeletVersion: 'kubeboot', containerRuntimeVersion: 'docker', operatingSystem: 'linux', architecture: process.arch === 'x64' ? 'amd64' : process.arch } as never,
      },
    });
    this.lastNodeStatus = Date.now();
  }

  private async renewLease(client: NodeApiClient): Promise<void> {
    if (Date.now() - this.lastLease < 10_000) return;
    const { node } = this.options;
    const spec = { holderIdentity: node, leaseDurationSeconds: LEASE_SECONDS, renewTime: new Date().toISOString() };
    const owner = [{ apiVersion: 'v1', kind: 'Node', name: node, uid: this.nodeUid! }];
    // As the kubelet's lease controller: the lease it wrote last is updated as it is (one PUT); read
    // again only when that fails (a conflict, or the lease was deleted).
    const renew = (lease: Lease) => client.replaceLease({ ...lease, spec: { ...lease.spec, ...spec } });
    let renewed = this.lease ? await renew(this.lease).catch(() => undefined) : undefined;
    if (!renewed) {
      const lease = await client.readLease(LEASE_NAMESPACE, node).catch((err: unknown) => (statusCode(err) === 404 ? undefined : Promise.reject(err)));
      renewed = lease ? await renew(lease) : await client.createLease({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: node, namespace: LEASE_NAMESPACE, ownerReferences: owner }, spec });
    }
    this.lease = renewed;
    this.lastLease = Date.now();
  }

  /** A mirror: the static pod as it is, plus the mirror annotation and the Node as its one owner (NodeRestriction's rule). */
  private mirrorOf(pod: Pod): Pod {
    const { status: _status, ...rest } = pod;
    const meta = pod.metadata!;
    const { uid: _uid, ...metadata } = meta;
    return {
      ...rest,
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        ...metadata,
        annotations: { ...(meta.annotations ?? {}), [CONFIG_MIRROR]: meta.annotations?.[CONFIG_HASH] ?? '' },
        ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: this.options.node, uid: this.nodeUid!, controller: true }],
      },
    };
  }

  private async syncMirrors(client: NodeApiClient): Promise<void> {
    const { log, node } = this.options;
    const pods = await this.options.pods();
    const list = await client.listPodsOnNode(node);
    const mirrors = new Map(list.items.filter((p) => p.metadata?.annotations?.[CONFIG_MIRROR] !== undefined).map((p) => [`${p.metadata!.namespace}/${p.metadata!.name}`, p]));
    const wanted = new Set<string>();
    for (const pod of pods) {
      const key = `${pod.metadata!.namespace}/${pod.metadata!.name}`;
      wanted.add(key);
      let mirror = mirrors.get(key);
      const hash = pod.metadata?.annotations?.[CONFIG_HASH];
      if (mirror && (mirror.metadata?.deletionTimestamp || mirror.metadata?.annotations?.[CONFIG_MIRROR] !== hash)) {
        // Deleted through the API, or a mirror of an older version of the pod: delete it (only that one) and make a new one.
        await client
          .deletePod(pod.metadata!.namespace!, pod.metadata!.name!, mirror.metadata!.uid!)
          .catch((err: unknown) => (statusCode(err) === 404 || statusCode(err) === 409 ? undefined : Promise.reject(err)));
        log('info', 'deleted a mirror pod that did not match its static pod', { pod: key, reason: mirror.metadata?.deletionTimestamp ? 'deleted through the API' : 'the static pod changed' });
        mirror = undefined;
        this.written.delete(key);
      }
      if (!mirror) {
        mirror = await client.createPod(this.mirrorOf(pod));
        log('info', 'created the mirror pod', { pod: key, uid: mirror.metadata?.uid });
      }
      const key2 = statusKey(pod.status);
      if (this.written.get(key) !== `${mirror.metadata?.uid}|${key2}`) {
        await client.replacePodStatus({ ...mirror, status: pod.status! });
        this.written.set(key, `${mirror.metadata?.uid}|${key2}`);
      }
    }
    for (const [key, mirror] of mirrors) {
      if (wanted.has(key)) continue;
      await client
        .deletePod(mirror.metadata!.namespace!, mirror.metadata!.name!)
        .catch((err: unknown) => (statusCode(err) === 404 ? undefined : Promise.reject(err)));
      this.written.delete(key);
      log('info', 'deleted a mirror pod whose static pod is gone', { pod: key });
    }
  }
}
