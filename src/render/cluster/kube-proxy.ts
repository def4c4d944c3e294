import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { ConfigMap, ServiceAccount } from 'kubernetes-types/core/v1.js';
import type { ClusterRoleBinding, Role, RoleBinding } from 'kubernetes-types/rbac/v1.js';
import { stringify } from 'yaml';
import { addonImages } from '../../config/images.js';
import type { KubebootConfig } from '../../config/types.js';
import { clusterRoleBinding, groupSubject, NODE_BOOTSTRAP_GROUP, readOneObject, serviceAccountSubject } from './rbac.js';

const LABELS = { 'k8s-app': 'kube-proxy' };
const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** kube-proxy's kubeconfig: the API server, authenticated with the pod's service-account token. */
function kubeconfig(server: string): string {
  return stringify(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ cluster: { 'certificate-authority': `${SA_DIR}/ca.crt`, server }, name: 'default' }],
      contexts: [{ context: { cluster: 'default', namespace: 'default', user: 'default' }, name: 'default' }],
      'current-context': 'default',
      users: [{ name: 'default', user: { tokenFile: `${SA_DIR}/token` } }],
    },
    { lineWidth: 0, indentSeq: false },
  );
}

/**
 * The KubeProxyConfiguration: the user's document when the config file has one, else kubeproxy's
 * v1alpha1 kind with what kubeadm sets (componentconfigs/kubeproxy.go): the kubeconfig above, the pod
 * subnet as clusterCIDR, the bind address of the node's address family. kubeboot does not write out
 * every kube-proxy default as kubeadm does: kube-proxy applies them itself.
 */
function proxyConfiguration(config: KubebootConfig): string {
  const given = config.passthrough.find((doc) => doc.kind === 'KubeProxyConfiguration');
  const ipv6 = config.init.localAPIEndpoint.advertiseAddress.includes(':');
  const document = {
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    bindAddress: ipv6 ? '::' : '0.0.0.0',
    ...(config.cluster.networking.podSubnet ? { clusterCIDR: config.cluster.networking.podSubnet } : {}),
    ...(given?.body ?? {}),
    clientConnection: { ...((given?.body.clientConnection as object | undefined) ?? {}), kubeconfig: '/var/lib/kube-proxy/kubeconfig.conf' },
  };
  return stringify(document, { lineWidth: 0, sortMapEntries: true });
}

function daemonSet(image: string): DaemonSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'kube-proxy', namespace: 'kube-system', labels: LABELS },
    spec: {
      selector: { matchLabels: LABELS },
      updateStrategy: { type: 'RollingUpdate' },
      template: {
        metadata: { labels: LABELS },
        spec: {
          priorityClassName: 'system-node-critical',
          containers: [
            {
              name: 'kube-proxy',
              image,
              imagePullPolicy: 'IfNotPresent',
              command: ['/usr/local/bin/kube-proxy', '--config=/var/lib/kube-proxy/config.conf', '--hostname-override=$(NODE_NAME)'],
              securityContext: { privileged: true },
              volumeMounts: [
                { mountPath: '/var/lib/kube-proxy', name: 'kube-proxy' },
                { mountPath: '/run/xtables.lock', name: 'xtables-lock', readOnly: false },
                { mountPath: '/lib/modules', name: 'lib-modules', readOnly: true },
              ],
              env: [{ name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
            },
          ],
          hostNetwork: true,
          serviceAccountName: 'kube-proxy',
          volumes: [
            { name: 'kube-proxy', configMap: { name: 'kube-proxy' } },
            { name: 'xtables-lock', hostPath: { path: '/run/xtables.lock', type: 'FileOrCreate' } },
            { name: 'lib-modules', hostPath: { path: '/lib/modules' } },
          ],
          tolerations: [{ operator: 'Exists' }],
          nodeSelector: { 'kubernetes.io/os': 'linux' },
        },
      },
    },
  };
}

/** addon kube-proxy: kubeadm's objects (app/phases/addons/proxy), `server` as in cluster-info. */
export function kubeProxyObjects(config: KubebootConfig, server: string): [ServiceAccount, ClusterRoleBinding, Role, RoleBinding, ConfigMap, DaemonSet] {
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'kube-proxy', namespace: 'kube-system' } },
    clusterRoleBinding('kubeadm:node-proxier', 'system:node-proxier', [serviceAccountSubject('kube-system', 'kube-proxy')]),
    ...readOneObject('kube-system', 'kube-proxy', 'configmaps', 'kube-proxy', [groupSubject(NODE_BOOTSTRAP_GROUP)]),
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'kube-proxy', namespace: 'kube-system', labels: { app: 'kube-proxy' } },
      data: { 'config.conf': proxyConfiguration(config), 'kubeconfig.conf': kubeconfig(server) },
    },
    daemonSet(addonImages(config.cluster).kubeProxy),
  ];
}
