import type { KubebootConfig } from '../../config/types.js';
import { KUBELET_ROOT_DIR, KUBERNETES_DIR } from '../../util/constants.js';
import { KubebootError } from '../../util/errors.js';
import { unsafeRemoval } from '../../util/system-folders.js';

/**
 * Refuses (all problems at once) what a configuration would make reset empty (`emptied`: etcd's data
 * folder) or remove when left empty (`removed`): a system folder never, and a folder that is emptied
 * never when it holds another path kubeboot manages.
 */
export function refuseUnsafeRemovals(config: KubebootConfig, emptied: readonly string[], removed: readonly string[]): void {
  const managed = [config.cluster.certificatesDir, config.kubelet.staticPodPath, KUBERNETES_DIR, KUBELET_ROOT_DIR, ...removed];
  const problems = [
    ...emptied.flatMap((folder) => {
      const why = unsafeRemoval(folder, managed);
      return why ? [`${folder}: ${why}`] : [];
    }),
    ...removed.flatMap((folder) => {
      const why = unsafeRemoval(folder, []);
      return why ? [`${folder}: ${why}`] : [];
    }),
  ];
  if (problems.length > 0) {
    throw new KubebootError('reset refuses to empty or remove folders that are not kubeboot’s own; nothing was removed', {
      details: problems.map((p) => `\t${p}`),
      hint: 'Point etcd.local.dataDir, certificatesDir and staticPodPath at folders of their own (kubeadm’s defaults: /var/lib/etcd, /etc/kubernetes/pki, /etc/kubernetes/manifests).',
    });
  }
}
