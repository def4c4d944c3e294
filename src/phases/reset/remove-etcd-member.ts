import type { Phase } from '../workflow.js';
import { nothingToRemove, type ResetData } from './data.js';

/**
 * kubeadm's remove-etcd-member. A kubeboot control plane has one stacked etcd member today, which is
 * never removed from its own cluster (kubeadm skips the last member too); its data goes with
 * cleanup-node. With `join --control-plane` this phase removes this node's member from the others.
 */
export const removeEtcdMemberPhase: Phase<ResetData> = {
  name: 'remove-etcd-member',
  short: "Remove this node's local etcd member from the etcd cluster (not the last one)",
  skipIf: (data) => (data.config.cluster.etcd.external ? 'external etcd: no local member' : nothingToRemove(data)),
  run: async (data) => {
    data.say('[reset] No other etcd member: this node runs the only one, so it is not removed from a cluster; its data is deleted with the node');
  },
};
