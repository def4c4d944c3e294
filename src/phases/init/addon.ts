import type { Deployment } from 'kubernetes-types/apps/v1.js';
import { corednsObjects } from '../../render/cluster/coredns.js';
import { applyPatches } from '../../render/patches.js';
import { kubeProxyObjects } from '../../render/cluster/kube-proxy.js';
import type { KubeObject } from '../../util/kube-api.js';
import type { Phase } from '../workflow.js';
import { apiFailure, clusterApi, describeObject } from './cluster-api.js';
import type { InitData } from './data.js';

/** A Deployment that exists keeps its replica count (someone may have scaled CoreDNS). */
function keepReplicas(stored: KubeObject, wanted: KubeObject): KubeObject {
  const [had, want] = [stored as Deployment, wanted as Deployment];
  if (want.kind !== 'Deployment' || had.spec?.replicas === undefined) return wanted;
  return { ...want, spec: { ...want.spec!, replicas: had.spec.replicas } } as KubeObject;
}

/**
 * kubeadm's addon phase: CoreDNS (Deployment, Service kube-dns at the 10th address of the service
 * subnet, Corefile, RBAC) and kube-proxy (DaemonSet, its configuration, RBAC). The cluster runs them on
 * its nodes; dns.disabled and proxy.disabled turn them off.
 */
export const addonPhase: Phase<InitData> = {
  name: 'addon',
  short: 'Install the CoreDNS and kube-proxy addons',
  phases: [
    {
      name: 'coredns',
      short: 'CoreDNS: Deployment, Service kube-dns, Corefile, RBAC',
      skipIf: (data) => (data.config.cluster.dns.disabled ? 'dns.disabled is true in the ClusterConfiguration' : undefined),
      examples: [['kubeboot init phase addon coredns --config kubeboot.yaml', 'install CoreDNS']],
    },
    {
      name: 'kube-proxy',
      short: 'kube-proxy: DaemonSet, its configuration, RBAC',
      skipIf: (data) => (data.config.cluster.proxy.disabled ? 'proxy.disabled is true in the ClusterConfiguration' : undefined),
      examples: [['kubeboot init phase addon kube-proxy --config kubeboot.yaml', 'install kube-proxy']],
    },
  ],
  examples: [['kubeboot init phase addon all --config kubeboot.yaml', 'install both addons']],
  run: async (data, task, selected) => {
    const api = await clusterApi(data);
    const { cluster } = data.config;
    const objects: KubeObject[] = [];
    if (selected.includes('coredns') && !cluster.dns.disabled) {
      for (const object of corednsObjects(cluster)) {
        if (object.kind !== 'Deployment') objects.push(object);
        else {
          const { object: patched, applied } = applyPatches(data.patches, 'corednsdeployment', object);
          for (const line of applied) task.output(line);
          objects.push(patched);
        }
      }
    }
    if (selected.includes('kube-proxy') && !cluster.proxy.disabled) objects.push(...kubeProxyObjects(data.config, api.server));
    for (const object of objects) {
      const { action } = await api.apply(object, keepReplicas).catch((err) => Promise.reject(apiFailure(err, api.server)));
      task.output(`${action} ${describeObject(object)}`);
    }
  },
};
