import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import type { Role, RoleBinding } from 'kubernetes-types/rbac/v1.js';
import { omitEmpty, toYamlDocuments } from '../../config/serialize.js';
import type { ClusterConfiguration, KubeletConfiguration } from '../../config/types.js';
import { groupSubject, NODE_BOOTSTRAP_GROUP, NODES_GROUP, readOneObject } from './rbac.js';

export const KUBEADM_CONFIGMAP = 'kubeadm-config';
export const CLUSTER_CONFIGURATION_KEY = 'ClusterConfiguration';
export const KUBELET_CONFIGMAP = 'kubelet-config';
export const KUBELET_CONFIGMAP_KEY = 'kubelet';

/**
 * The ClusterConfiguration as kubeadm stores it in kubeadm-config: defaulted, the current apiVersion,
 * keys sorted, empty values left out as Go's omitempty does (an empty struct stays as `{}`, an empty map
 * such as featureGates goes).
 */
export function clusterConfigurationYaml(cluster: ClusterConfiguration): string {
  const document: Record<string, unknown> = omitEmpty(cluster) as unknown as Record<string, unknown>;
  if (Object.keys(cluster.featureGates).length === 0) delete document.featureGates;
  return toYamlDocuments([document]);
}

const configMap = (name: string, data: Record<string, string>): ConfigMap => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'kube-system' }, data });

/** upload-config kubeadm: ConfigMap kube-system/kubeadm-config and who may read it (joining nodes, nodes). */
export function kubeadmConfigObjects(cluster: ClusterConfiguration): [ConfigMap, Role, RoleBinding] {
  return [
    configMap(KUBEADM_CONFIGMAP, { [CLUSTER_CONFIGURATION_KEY]: clusterConfigurationYaml(cluster) }),
    ...readOneObject('kube-system', 'kubeadm:nodes-kubeadm-config', 'configmaps', KUBEADM_CONFIGMAP, [groupSubject(NODE_BOOTSTRAP_GROUP), groupSubject(NODES_GROUP)]),
  ];
}

/** upload-config kubelet: ConfigMap kube-system/kubelet-config (the cluster-wide KubeletConfiguration) and who may read it. */
export function kubeletConfigObjects(kubelet: KubeletConfiguration): [ConfigMap, Role, RoleBinding] {
  return [
    configMap(KUBELET_CONFIGMAP, { [KUBELET_CONFIGMAP_KEY]: toYamlDocuments([kubelet]) }),
    ...readOneObject('kube-system', 'kubeadm:kubelet-config', 'configmaps', KUBELET_CONFIGMAP, [groupSubject(NODES_GROUP), groupSubject(NODE_BOOTSTRAP_GROUP)]),
  ];
}
