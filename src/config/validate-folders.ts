import { KUBELET_ROOT_DIR, KUBERNETES_DIR } from '../util/constants.js';
import { unsafeRemoval } from '../util/system-folders.js';
import type { PathSegment } from './source.js';
import type { KubebootConfig } from './types.js';

type Report = (path: PathSegment[], message: string, severity?: 'error' | 'warning') => void;

/**
 * The folders kubeboot fills and `reset` empties or removes: never a system folder, and etcd's data
 * folder never one that holds another of them (kubeadm accepts `etcd.local.dataDir: /etc`, and its
 * reset then empties /etc). `reset` checks again before it removes anything.
 */
export function validateManagedFolders(config: KubebootConfig, report: Report): void {
  const dataDir = config.cluster.etcd.external ? undefined : config.cluster.etcd.local?.dataDir;
  const managed = [config.cluster.certificatesDir, config.kubelet.staticPodPath, KUBERNETES_DIR, KUBELET_ROOT_DIR];
  const folders: Array<[PathSegment[], string | undefined, readonly string[]]> = [
    [['ClusterConfiguration', 'etcd', 'local', 'dataDir'], dataDir, managed],
    [['ClusterConfiguration', 'certificatesDir'], config.cluster.certificatesDir, []],
    [['KubeletConfiguration', 'staticPodPath'], config.kubelet.staticPodPath, []],
  ];
  for (const [path, folder, others] of folders) {
    if (!folder?.startsWith('/')) continue; // not absolute: reported as such
    const why = unsafeRemoval(folder, others);
    if (why) report(path, `got ${JSON.stringify(folder)}: ${why}; expected a folder of kubeboot's own (reset empties or removes it)`);
  }
}
