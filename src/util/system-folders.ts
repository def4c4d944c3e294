import { posix } from 'node:path';

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
