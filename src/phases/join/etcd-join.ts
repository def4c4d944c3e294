import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { Etcd3 } from 'etcd3';
import { bracket } from '../../render/component-parts.js';
import { writeStaticPods } from '../../render/write-manifests.js';
import { parseGoDuration } from '../../util/duration.js';
import { KubebootError } from '../../util/errors.js';
import { etcdCaller } from '../etcd-client.js';
import { ADMIN_KUBECONFIG } from '../../util/constants.js';
import { ApiClient, readKubeconfig } from '../../util/kube-api.js';
import { reportFiles } from '../init/report-files.js';
import type { Phase } from '../workflow.js';
import type { JoinData } from './data.js';

const ADVERTISE_ANNOTATION = 'kubeadm.kubernetes.io/etcd.advertise-client-urls';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The client URLs of the cluster's etcd members, from their (mirror) pods' kubeadm annotation, as kubeadm
 * finds them — read with the admin.conf control-plane-prepare wrote (a read: a dry run does it too).
 */
async function memberEndpoints(data: JoinData): Promise<string[]> {
  const admin = new ApiClient(readKubeconfig(data.host.path(ADMIN_KUBECONFIG)));
  const pods = await admin.get<{ items: Pod[] }>('/api/v1/namespaces/kube-system/pods?labelSelector=component%3Detcd').then((list) => list.items).finally(() => admin.close());
  const urls = pods.flatMap((pod) => (pod.metadata?.annotations?.[ADVERTISE_ANNOTATION] ?? '').split(',').filter(Boolean));
  if (urls.length === 0) throw new KubebootError('no etcd member of the cluster could be found: no etcd pod with the annotation kubeadm.kubernetes.io/etcd.advertise-client-urls', { hint: 'Is the first control-plane node up (kubeboot ps there)?' });
  return [...new Set(urls)];
}

/** Retries `attempt` every 500 ms until it returns true or the time is up (kubeadm's etcd API loop). */
async function until(ms: number, attempt: () => Promise<boolean>): Promise<{ ok: boolean; last?: string }> {
  const deadline = Date.now() + ms;
  let last: string | undefined;
  for (;;) {
    try {
      if (await attempt()) return { ok: true };
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline) return { ok: false, ...(last ? { last } : {}) };
    await sleep(500);
  }
}

/**
 * kubeadm's etcd join (learner mode, always on since v1.33): add this node's member as a learner (or find
 * it, when a join is run again), write its etcd manifest with every member in --initial-cluster and
 * --initial-cluster-state=existing, then promote it to a voting member once it has caught up. A member
 * that was added but never comes up is removed again, with its manifest, so the cluster is as before.
 */
export const etcdJoinPhase: Phase<JoinData> = {
  name: 'etcd-join',
  short: "Add this node's etcd member to the cluster (as a learner, then promoted) and write its manifest",
  examples: [['kubeboot join phase etcd-join 10.0.0.1:6443 --control-plane --token T --discovery-token-ca-cert-hash sha256:H', 'only the etcd member']],
  skipIf: (data) => (data.config.cluster.etcd.external ? 'the cluster uses external etcd' : undefined),
  run: async (data, task) => {
    const name = data.config.init.nodeRegistration.name;
    const peerURL = `https://${bracket(data.config.init.localAPIEndpoint.advertiseAddress)}:2380`;
    const timeout = parseGoDuration(data.config.init.timeouts.etcdAPICall) || 120_000;
    const hosts = await memberEndpoints(data);
    const call = await etcdCaller(data.config, data.host);
    const withClient = <T>(work: (client: Etcd3) => Promise<T>) => call(hosts, work);
    let members = (await withClient((c) => c.cluster.memberList({ linearizable: true }))).members;
    let mine = members.find((m) => m.peerURLs[0] === peerURL);
    if (data.dryRun) {
      task.output(`would add ${name} (${peerURL}) as a learner to the etcd members ${members.map((m) => m.name).join(', ')}`);
    } else if (!mine) {
      // As kubeadm: retried every 500 ms, since etcd refuses a new member ("unhealthy cluster") until every
      // member has been connected for a few seconds — a member that joined just before, say.
      const added = await until(timeout, async () => {
        try {
          const answer = await withClient((c) => c.cluster.memberAdd({ peerURLs: [peerURL], isLearner: true }));
          members = answer.members;
          mine = members.find((m) => m.ID === answer.member.ID);
          return true;
        } catch (err) {
          if (!/peer ?URLs? (already )?exists/i.test((err as Error).message)) throw err;
          // Added by an earlier try whose answer was lost: take it from the list (kubeadm's ErrPeerURLExist).
          members = (await withClient((c) => c.cluster.memberList({ linearizable: true }))).members;
          mine = members.find((m) => m.peerURLs[0] === peerURL);
          return mine !== undefined;
        }
      });
      if (!added.ok) throw new KubebootError(`the etcd cluster did not take this node's member ${peerURL} within ${data.config.init.timeouts.etcdAPICall}: ${added.last}`, { hint: `Are all members healthy? etcdctl --endpoints ${hosts.join(',')} endpoint health` });
      task.output(`added ${name} (${peerURL}) to the etcd cluster as a learner`);
    }
    // kubeadm's names: this member is the node; another member not started yet is its hex ID.
    const memberName = (m: (typeof members)[number]) => (m === mine ? name : m.name || BigInt(m.ID).toString(16));
    const initialCluster = members.map((m) => ({ name: memberName(m), peerURL: m.peerURLs[0]! }));
    if (!mine) initialCluster.push({ name, peerURL });
    data.etcdJoin = { initialCluster };
    task.output(reportFiles(await writeStaticPods(data.config, data.host, ['etcd'], { etcdJoin: data.etcdJoin, ...(data.patches ? { patches: data.patches } : {}) })));
    if (data.dryRun || !mine) return;
    if (!mine.isLearner) return; // promoted by an earlier run
    const id = mine.ID;
    const promoted = await until(timeout, async () => {
      await withClient((c) => c.cluster.memberPromote({ ID: id }));
      return true;
    });
    if (!promoted.ok) {
      const started = (await withClient((c) => c.cluster.memberList({ linearizable: true })).catch(() => ({ members: [] as Array<{ ID: string; name: string }> }))).members.find((m) => m.ID === id)?.name;
      if (!started) {
        await withClient((c) => c.cluster.memberRemove({ ID: id })).catch(() => undefined);
        await data.host.remove(join(data.config.kubelet.staticPodPath, 'etcd.yaml')).catch(() => undefined);
      }
      throw new KubebootError(`the etcd member ${name} was not promoted within ${data.config.init.timeouts.etcdAPICall}: ${promoted.last ?? 'it did not catch up'}`, {
        details: started ? [] : [`the member never started: it was removed from the etcd cluster again, and its manifest with it`],
        hint: `See its log: kubeboot logs etcd-${name}; then kubeboot reset${data.machine.rootfs ? ` --rootfs ${data.machine.rootfs}` : ''} and join again`,
      });
    }
    task.output(`promoted ${name} to a voting etcd member`);
  },
};
