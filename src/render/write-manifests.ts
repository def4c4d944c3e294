import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { KubebootConfig } from '../config/types.js';
import { KubebootError } from '../util/errors.js';
import { KUBELET_CONFIG_PATH } from '../util/constants.js';
import type { Host } from '../util/host.js';
import { componentPods, type Component, type HostView } from './components.js';
import type { EtcdJoin } from './etcd-pod.js';
import { applyPatches, type PatchSet } from './patches.js';
import { checkedPodYaml, kubeadmYaml, renderKubeletConfigurationDocument, renderPodDocument } from './render.js';

export interface WrittenFile {
  /** The path as the system sees it (without --rootfs). */
  path: string;
  content: string;
  /** `unchanged`: the file already held exactly this. */
  action: 'written' | 'unchanged';
  /** The patches applied to it ("[patches] Applied patch ..."). */
  patches?: string[];
}

export interface WriteOptions {
  /** kubeadm's environment, whose proxy variables the components get (default: this process's). */
  env?: Record<string, string | undefined>;
  /** --patches / patches.directory, read: applied to what is rendered, before it is checked and written. */
  patches?: PatchSet;
  /** etcd of a control-plane node that joins: the members to start with. */
  etcdJoin?: EtcdJoin;
}

/** What rendering may know of the host: which system paths exist there, and the environment. */
export function hostView(host: Host, env: Record<string, string | undefined> = process.env): HostView {
  return { exists: (path) => existsSync(host.path(path)), env };
}

/**
 * Writes files atomically (a dot-named temp file in the same folder, which the reconciler ignores),
 * and only when their content changes: rewriting a manifest as it is would restart nothing anyway,
 * but an unchanged file should not even be touched.
 */
async function writeAll(host: Host, files: Array<{ path: string; content: string; mode: number; dirMode: number; patches: string[] }>): Promise<WrittenFile[]> {
  const results: WrittenFile[] = [];
  for (const file of files) {
    const patches = file.patches.length > 0 ? { patches: file.patches } : {};
    if ((await host.read(file.path)) === file.content) {
      results.push({ path: file.path, content: file.content, action: 'unchanged', ...patches });
    } else {
      await host.write(file.path, file.content, { mode: file.mode, dirMode: file.dirMode });
      results.push({ path: file.path, content: file.content, action: 'written', ...patches });
    }
  }
  return results;
}

/** `init phase etcd local` / `init phase control-plane`: manifests into staticPodPath, 0600 in a 0700 folder. */
export async function writeStaticPods(config: KubebootConfig, host: Host, components: readonly Component[], options: WriteOptions = {}): Promise<WrittenFile[]> {
  if (components.includes('etcd') && (config.cluster.etcd.external || !config.cluster.etcd.local)) {
    throw new KubebootError('etcd static pod manifest cannot be generated for cluster using external etcd', {
      hint: 'Remove etcd.external from the ClusterConfiguration for a local etcd, or skip this phase.',
    });
  }
  // Render (and patch) all before writing any: one bad value or patch writes nothing.
  return writeAll(host, renderStaticPods(config, host, components, options));
}

/** The static pod manifests of `components`, rendered, patched and checked, as they would be written (0600 in a 0700 folder). */
export function renderStaticPods(config: KubebootConfig, host: Host, components: readonly Component[], options: WriteOptions = {}) {
  const pods = componentPods(config, hostView(host, options.env), options.etcdJoin).filter((pod) => components.includes(pod.component));
  return pods.map((pod) => {
    const { object, applied } = applyPatches(options.patches, pod.component, renderPodDocument(pod));
    return { component: pod.component, path: join(config.kubelet.staticPodPath, `${pod.component}.yaml`), content: checkedPodYaml(pod.component, object), mode: 0o600, dirMode: 0o700, patches: applied };
  });
}

export { KUBELET_CONFIG_PATH };

/** The KubeletConfiguration the reconciler reads, at /var/lib/kubelet/config.yaml (0644 in a 0700 folder). */
export async function writeKubeletConfiguration(config: KubebootConfig, host: Host, patches?: PatchSet): Promise<WrittenFile[]> {
  const { object, applied } = applyPatches(patches, 'kubeletconfiguration', renderKubeletConfigurationDocument(config.kubelet));
  return writeAll(host, [{ path: KUBELET_CONFIG_PATH, content: kubeadmYaml(object), mode: 0o644, dirMode: 0o700, patches: applied }]);
}
