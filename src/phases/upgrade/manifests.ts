import { join } from 'node:path';
import { parse } from 'yaml';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { KubebootConfig } from '../../config/types.js';
import type { Component } from '../../render/components.js';
import type { EtcdJoin } from '../../render/etcd-pod.js';
import type { PatchSet } from '../../render/patches.js';
import { renderStaticPods } from '../../render/write-manifests.js';
import type { Host } from '../../util/host.js';

/** The order kubeadm upgrades them in: etcd first, then the API server, then the two that use it. */
export const UPGRADE_ORDER: readonly Component[] = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'];

export interface PlannedManifest {
  component: Component;
  /** The manifest's system path. */
  path: string;
  /** Its text now (undefined: this node has none). */
  current?: string;
  next: string;
  currentImage?: string;
  nextImage: string;
  changed: boolean;
}

/** The image of a manifest's (first) container. */
export function manifestImage(text: string | undefined): string | undefined {
  if (!text) return undefined;
  try {
    return (parse(text) as Pod).spec?.containers?.[0]?.image;
  } catch {
    return undefined;
  }
}

/** The tag of an image (`registry.k8s.io/etcd:3.5.21-0` → `3.5.21-0`). */
export function imageTag(image: string | undefined): string | undefined {
  const last = image?.split('/').pop();
  return last?.includes(':') ? last.slice(last.lastIndexOf(':') + 1) : undefined;
}

/**
 * A member that joined an etcd cluster keeps --initial-cluster (every member) and
 * --initial-cluster-state=existing in its manifest; its new manifest must say the same.
 */
export function etcdJoinOf(text: string | undefined): EtcdJoin | undefined {
  const command = manifestCommand(text);
  if (!command.includes('--initial-cluster-state=existing')) return undefined;
  const value = command.find((c) => c.startsWith('--initial-cluster='))?.slice('--initial-cluster='.length);
  if (!value) return undefined;
  const initialCluster = value.split(',').map((pair) => ({ name: pair.slice(0, pair.indexOf('=')), peerURL: pair.slice(pair.indexOf('=') + 1) }));
  return { initialCluster };
}

function manifestCommand(text: string | undefined): string[] {
  if (!text) return [];
  try {
    return (parse(text) as Pod).spec?.containers?.[0]?.command ?? [];
  } catch {
    return [];
  }
}

/**
 * This node's control-plane manifests now and as they would be at the target: etcd only where it is
 * local and its manifest is here; the others where this node has them.
 */
export async function plannedManifests(host: Host, target: KubebootConfig, patches: PatchSet | undefined): Promise<PlannedManifest[]> {
  const current = new Map<Component, string | undefined>();
  for (const component of UPGRADE_ORDER) current.set(component, await host.read(join(target.kubelet.staticPodPath, `${component}.yaml`)));
  const present = UPGRADE_ORDER.filter((c) => current.get(c) !== undefined && (c !== 'etcd' || (target.cluster.etcd.local && !target.cluster.etcd.external)));
  const etcdJoin = etcdJoinOf(current.get('etcd'));
  const rendered = renderStaticPods(target, host, present, { ...(patches ? { patches } : {}), ...(etcdJoin ? { etcdJoin } : {}) });
  return UPGRADE_ORDER.flatMap((component) => {
    const next = rendered.find((r) => r.component === component);
    if (!next) return [];
    const text = current.get(component);
    const currentImage = manifestImage(text);
    const nextImage = manifestImage(next.content)!;
    // kubeadm leaves an etcd whose version does not change as it is, whatever else its new manifest would say.
    if (component === 'etcd' && text !== undefined && currentImage && imageTag(currentImage) === imageTag(nextImage)) {
      return [{ component, path: next.path, current: text, next: text, currentImage, nextImage: currentImage, changed: false }];
    }
    return [{ component, path: next.path, ...(text !== undefined ? { current: text } : {}), next: next.content, ...(currentImage ? { currentImage } : {}), nextImage, changed: text !== next.content }];
  });
}
