import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from 'kubernetes-types/rbac/v1.js';
import { stringify } from 'yaml';
import { clusterRole, clusterRoleBinding, groupSubject, NODE_BOOTSTRAP_GROUP, NODES_GROUP, readOneObject, rule, userSubject } from './rbac.js';

export const CLUSTER_INFO = 'cluster-info';

/**
 * What lets a node join with a bootstrap token (app/phases/bootstraptoken/node): read Nodes, post CSRs,
 * have them approved, and rotate its certificate later.
 */
export function bootstrapRbacObjects(): Array<ClusterRole | ClusterRoleBinding> {
  const bootstrappers = [groupSubject(NODE_BOOTSTRAP_GROUP)];
  return [
    clusterRole('kubeadm:get-nodes', [rule([''], ['nodes'], ['get'])]),
    clusterRoleBinding('kubeadm:get-nodes', 'kubeadm:get-nodes', bootstrappers),
    clusterRoleBinding('kubeadm:kubelet-bootstrap', 'system:node-bootstrapper', bootstrappers),
    clusterRoleBinding('kubeadm:node-autoapprove-bootstrap', 'system:certificates.k8s.io:certificatesigningrequests:nodeclient', bootstrappers),
    clusterRoleBinding('kubeadm:node-autoapprove-certificate-rotation', 'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', [groupSubject(NODES_GROUP)]),
  ];
}

/**
 * The kubeconfig in cluster-info, byte for byte as kubeadm's clientcmd writes it: only the cluster
 * (named ""), no contexts, no users. The bootstrap signer signs this exact text, so it must not change
 * between runs.
 */
export function clusterInfoKubeconfig(server: string, caPem: string): string {
  const document = {
    apiVersion: 'v1',
    clusters: [{ cluster: { 'certificate-authority-data': Buffer.from(caPem).toString('base64'), server }, name: '' }],
    contexts: null,
    'current-context': '',
    kind: 'Config',
    preferences: {},
    users: null,
  };
  return stringify(document, { lineWidth: 0, indentSeq: false });
}

/** ConfigMap kube-public/cluster-info, readable by anyone (User system:anonymous), as `kubeadm join` discovers the cluster. */
export function clusterInfoObjects(server: string, caPem: string): [ConfigMap, Role, RoleBinding] {
  return [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: CLUSTER_INFO, namespace: 'kube-public' }, data: { kubeconfig: clusterInfoKubeconfig(server, caPem) } },
    ...readOneObject('kube-public', 'kubeadm:bootstrap-signer-clusterinfo', 'configmaps', CLUSTER_INFO, [userSubject('system:anonymous')]),
  ];
}
