import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { defaults } from '../config/defaults.js';
import type { KubebootConfig } from '../config/types.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { readIfExists } from '../util/files.js';
import { KubebootError } from '../util/errors.js';
import { onHost } from '../util/rootfs.js';
import { componentPods, type Component, type HostView } from './components.js';
import { renderKubeletConfiguration, renderStaticPod } from './render.js';

export interface WrittenFile {
  /** The path as the system sees it (without --rootfs). */
  path: string;
  content: string;
  /** `unchanged`: the file already held exactly this; `dry-run`: nothing was written. */
  action: 'written' | 'unchanged' | 'dry-run';
}

export interface WriteOptions {
  rootfs?: string;
  dryRun?: boolean;
  env?: Record<string, string | undefined>;
}

export function hostView(options: WriteOptions): HostView {
  return { exists: (path) => existsSync(onHost(options.rootfs, path)), env: options.env ?? process.env };
}

/**
 * Writes files atomically (a dot-named temp file in the same folder, which the reconciler ignores),
 * and only when their content changes: rewriting a manifest as it is would restart nothing anyway,
 * but an unchanged file should not even be touched.
 */
async function writeAll(files: Array<{ path: string; content: string; mode: number; dirMode: number }>, options: WriteOptions): Promise<WrittenFile[]> {
  const results: WrittenFile[] = [];
  for (const file of files) {
    const target = onHost(options.rootfs, file.path);
    if (options.dryRun) {
      results.push({ path: file.path, content: file.content, action: 'dry-run' });
    } else if ((await readIfExists(target)) === file.content) {
      results.push({ path: file.path, content: file.content, action: 'unchanged' });
    } else {
      await writeFileAtomic(target, file.content, { mode: file.mode, dirMode: file.dirMode });
      results.push({ path: file.path, content: file.content, action: 'written' });
    }
  }
  return results;
}

/** `init phase etcd local` / `init phase control-plane`: manifests into staticPodPath, 0600 in a 0700 folder. */
export async function writeStaticPods(config: KubebootConfig, components: readonly Component[], options: WriteOptions = {}): Promise<WrittenFile[]> {
  if (components.includes('etcd') && (config.cluster.etcd.external || !config.cluster.etcd.local)) {
    throw new KubebootError('etcd static pod manifest cannot be generated for cluster using external etcd', {
      hint: 'Remove etcd.external from the ClusterConfiguration for a local etcd, or skip this phase.',
    });
  }
  const pods = componentPods(config, hostView(options)).filter((pod) => components.includes(pod.component));
  // Render all before writing any: one bad value writes nothing.
  const rendered = pods.map((pod) => ({
    path: join(config.kubelet.staticPodPath, `${pod.component}.yaml`),
    content: renderStaticPod(pod),
    mode: 0o600,
    dirMode: 0o700,
  }));
  return writeAll(rendered, options);
}

export const KUBELET_CONFIG_PATH = join(defaults.kubeletDir, 'config.yaml');

/** The KubeletConfiguration the reconciler reads, at /var/lib/kubelet/config.yaml (0644 in a 0700 folder). */
export async function writeKubeletConfiguration(config: KubebootConfig, options: WriteOptions = {}): Promise<WrittenFile[]> {
  return writeAll([{ path: KUBELET_CONFIG_PATH, content: renderKubeletConfiguration(config.kubelet), mode: 0o644, dirMode: 0o700 }], options);
}
