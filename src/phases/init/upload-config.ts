import { kubeadmConfigObjects, kubeletConfigObjects } from '../../render/cluster/upload-config.js';
import type { Phase } from '../workflow.js';
import { applyObjects, clusterApi } from './cluster-api.js';
import type { InitData } from './data.js';

const example = (what: string): [string, string] => [`kubeboot init phase upload-config ${what} --config kubeboot.yaml`, `store the ${what === 'all' ? 'kubeadm and kubelet configuration' : `${what} configuration`} in the cluster`];

/**
 * kubeadm's upload-config: the ClusterConfiguration in kube-system/kubeadm-config and the KubeletConfiguration
 * in kube-system/kubelet-config, each with the Role and RoleBinding that let joining nodes and nodes read it.
 */
export const uploadConfigPhase: Phase<InitData> = {
  name: 'upload-config',
  short: 'Store the cluster configuration and the KubeletConfiguration in ConfigMaps, readable by nodes',
  phases: [
    { name: 'kubeadm', short: 'ConfigMap kube-system/kubeadm-config (key ClusterConfiguration)', examples: [example('kubeadm')] },
    { name: 'kubelet', short: 'ConfigMap kube-system/kubelet-config (key kubelet)', examples: [example('kubelet')] },
  ],
  examples: [example('all')],
  run: async (data, task, selected) => {
    const api = await clusterApi(data);
    const objects = [...(selected.includes('kubeadm') ? kubeadmConfigObjects(data.config.cluster) : []), ...(selected.includes('kubelet') ? kubeletConfigObjects(data.clusterKubelet) : [])];
    await applyObjects(api, objects, (line) => task.output(line));
  },
};
