import type { Pod } from 'kubernetes-types/core/v1.js';
import { ADMIN_KUBECONFIG } from '../../util/constants.js';
import { ApiClient, readKubeconfig } from '../../util/kube-api.js';
import { etcdCaller, type EtcdCall } from '../etcd-client.js';
import { bracket } from '../../render/component-parts.js';
import type { Phase } from '../workflow.js';
import { nothingToRemove, type ResetData } from './data.js';


/** The other members' client URLs as the API server knows them (their etcd pods' kubeadm annotation); none when it cannot be asked. */
async function clusterEndpoints(data: ResetData): Promise<string[]> {
  try {
    const client = new ApiClient(readKubeconfig(data.host.path(ADMIN_KUBECONFIG)));
    try {
      const pods = await client.get<{ items: Pod[] }>('/api/v1/namespaces/kube-system/pods?labelSelector=component%3Detcd');
      return pods.items.flatMap((pod) => (pod.metadata?.annotations?.['kubeadm.kubernetes.io/etcd.advertise-client-urls'] ?? '').split(',').filter(Boolean));
    } finally {
      client.close();
    }
  } catch {
    return [];
  }
}

/**
 * etcd's "unhealthy cluster" passes once every member has been connected for its health interval (5 s):
 * retried for 15 s (each try has a client of its own, see etcdCaller).
 */
async function removeWithRetries(remove: () => Promise<unknown>): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      await remove();
      return;
    } catch (err) {
      if (!/unhealthy cluster/.test((err as Error).message) || Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

/**
 * kubeadm's remove-etcd-member: this node's member leaves the etcd cluster so that the others keep their
 * quorum without it — found by its peer URL through this node's etcd or, when that is down, through the
 * members the API server knows, and removed through the others. The last member is never removed from its own cluster (its data goes with
 * cleanup-node). Failures only warn, as kubeadm's do: reset goes on.
 */
export const removeEtcdMemberPhase: Phase<ResetData> = {
  name: 'remove-etcd-member',
  short: "Remove this node's local etcd member from the etcd cluster (not the last one)",
  skipIf: (data) => (data.config.cluster.etcd.external ? 'external etcd: no local member' : nothingToRemove(data)),
  run: async (data) => {
    const advertise = bracket(data.config.init.localAPIEndpoint.advertiseAddress);
    const peerURL = `https://${advertise}:2380`;
    let withClient: EtcdCall;
    try {
      withClient = await etcdCaller(data.config, data.host, 3000);
    } catch {
      data.say('[reset] No etcd client certificate on this node: the member (if any) cannot be removed; please manually remove this etcd member using etcdctl');
      return;
    }
    const local = `https://${advertise}:2379`;
    const list = (hosts: string[]) => withClient(hosts, (c) => c.cluster.memberList({ linearizable: true }));
    try {
      // This node's etcd first (quick, and enough for a single member); the members the API server knows when it is down.
      const { members } = await list([local]).catch(async () => list((await clusterEndpoints(data)).filter((url) => url !== local)));
      const mine = members.find((m) => m.peerURLs[0] === peerURL);
      if (!mine) data.say(`[reset] This node's etcd member (${peerURL}) is not in the cluster: already removed`);
      else if (members.length === 1) data.say('[reset] No other etcd member: this node runs the only one, so it is not removed from a cluster; its data is deleted with the node');
      else {
        // Asked through the other members: etcd refuses a removal ("unhealthy cluster") unless the member
        // handling it has been connected to the others for a few seconds, which this one may not have been.
        const others = members.filter((m) => m !== mine).flatMap((m) => m.clientURLs);
        await removeWithRetries(() => withClient(others, (c) => c.cluster.memberRemove({ ID: mine.ID })));
        data.say(`[reset] Removed etcd member ${mine.name || mine.ID} (${peerURL}); ${members.length - 1} members remain`);
      }
    } catch (err) {
      data.say(`[reset] Failed to remove the etcd member ${peerURL}: ${(err as Error).message.split('\n')[0]}; please manually remove this etcd member using etcdctl`);
    }
  },
};
