import { posix } from 'node:path';
import type { KubebootConfig } from '../../config/types.js';
import { KUBELET_ROOT_DIR, KUBERNETES_DIR } from '../../util/constants.js';
import { KubebootError } from '../../util/errors.js';

/**
 * Folders no configuration can make kubeboot empty or remove: the root, the system's own folders and
 * their usual parents. kubeadm's reset empties whatever etcd.local.dataDir says (`/etc` included);
 * kubeboot refuses.
 */
export const SYSTEM_FOLDERS = [
  '/', '/bin', '/boot', '/dev', '/etc', '/home', '/lib', '/lib32', '/lib64', '/libx32', '/media', '/mnt', '/opt', '/proc', '/root', '/run', '/sbin', '/srv',
  '/sys', '/tmp', '/usr', '/usr/bin', '/usr/lib', '/usr/local', '/usr/sbin', '/usr/share', '/var', '/var/lib', '/var/log', '/var/run', '/var/tmp',
  '/etc/kubernetes', '/var/lib/kubelet',
];

/** Why kubeboot must not empty or remove `folder`, or undefined when it may. `others`: the other paths kubeboot manages. */
export function unsafeRemoval(folder: string, others: readonly string[]): string | undefined {
  if (!folder || !folder.startsWith('/')) return 'not an absolute path';
  const normal = posix.normalize(folder).replace(/(.)\/$/, '$1');
  if (SYSTEM_FOLDERS.includes(normal)) return `${normal} is a system folder`;
  const inside = others.map((p) => posix.normalize(p)).find((p) => p !== normal && p.startsWith(`${normal}/`));
  if (inside) return `it holds ${inside}, which kubeboot manages separately`;
  return undefined;
}

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
