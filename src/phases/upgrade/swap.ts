import { cp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { renewCertificates } from '../../pki/renew.js';
import { KUBERNETES_DIR } from '../../util/constants.js';
import { KubebootError } from '../../util/errors.js';
import { componentRow, describeFailure, waitHealthy, type ComponentWatch } from './component-health.js';
import type { UpgradeData } from './data.js';
import type { PlannedManifest } from './manifests.js';

/** The certificates kubeadm renews before it swaps each component (app/phases/upgrade/staticpods.go). */
const RENEWED_WITH: Record<string, string[]> = {
  etcd: ['etcd-server', 'etcd-peer', 'etcd-healthcheck-client'],
  'kube-apiserver': ['apiserver', 'apiserver-kubelet-client', 'front-proxy-client'],
  'kube-controller-manager': ['controller-manager.conf'],
  'kube-scheduler': ['scheduler.conf'],
};

export function watchOf(data: UpgradeData): ComponentWatch {
  return { runtime: data.runtime, host: data.host, rootDir: data.rootDir, node: data.config.init.nodeRegistration.name };
}

/** Where kubeadm keeps an upgrade's backups: /etc/kubernetes/tmp/kubeadm-backup-<what>-YYYY-MM-DD-HH-MM-SS. */
export function backupFolder(what: 'manifests' | 'etcd', now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())}-${p(now.getHours())}-${p(now.getMinutes())}-${p(now.getSeconds())}`;
  return join(KUBERNETES_DIR, 'tmp', `kubeadm-backup-${what}-${stamp}`);
}

/**
 * One component to its new version: its certificates renewed (unless told not to), the new manifest
 * written, then the reconciler's pod waited for — a new container on the new image with its probes
 * passing. One that does not come healthy in time rolls back every component swapped so far, and the
 * error names it, its state and its last log lines.
 */
export async function swapComponent(data: UpgradeData, manifest: PlannedManifest, say: (line: string) => void): Promise<void> {
  const watch = watchOf(data);
  const renew = RENEWED_WITH[manifest.component] ?? [];
  const local = data.config.cluster.etcd.local && !data.config.cluster.etcd.external;
  const names = manifest.component === 'kube-apiserver' && local ? [...renew, 'apiserver-etcd-client'] : renew;
  if (data.certificateRenewal && names.length > 0) {
    const renewed = await renewCertificates(data.config, data.host, names, { restartPods: false }); // the new manifest restarts it
    say(`renewed ${renewed.renewed.map((r) => r.name).join(', ')}`);
  }
  const before = (await componentRow(watch, manifest.component, manifest.currentImage))?.containers[0]?.id;
  await data.host.write(manifest.path, manifest.next, { mode: 0o600, dirMode: 0o700 });
  data.swapped.push(manifest.component);
  say(`wrote the ${manifest.nextImage} manifest; waiting for the pod to run it with its probes passing (up to ${Math.round(data.timeoutMs / 1000)}s)`);
  const result = await waitHealthy(watch, manifest.component, manifest.nextImage, data.timeoutMs, before);
  if (result.ok) {
    say(`${manifest.component} runs ${manifest.nextImage}, healthy`);
    return;
  }
  const failure = await describeFailure(watch, manifest.component, result.row);
  const restored = await rollBack(data, say);
  throw new KubebootError(`${manifest.component} did not come healthy on ${manifest.nextImage} within ${Math.round(data.timeoutMs / 1000)}s; the upgrade was rolled back`, {
    details: [...failure, ...restored],
    hint: `The old manifests are kept in ${data.host.path(data.backupDir!)}. Look closer with: kubeboot logs ${manifest.component} --previous; kubeboot ps`,
  });
}

/** Puts back every swapped component's old manifest (etcd's data too when etcd was swapped), newest first, and waits for each to be healthy. */
async function rollBack(data: UpgradeData, say: (line: string) => void): Promise<string[]> {
  const watch = watchOf(data);
  const lines: string[] = [];
  for (const component of [...data.swapped].reverse()) {
    const manifest = data.manifests.find((m) => m.component === component)!;
    if (manifest.current === undefined || !manifest.currentImage) continue;
    if (component === 'etcd' && data.etcdBackupDir) await restoreEtcdData(data, manifest);
    await data.host.write(manifest.path, manifest.current, { mode: 0o600, dirMode: 0o700 });
    say(`rolled back ${component} to ${manifest.currentImage}`);
    const back = await waitHealthy(watch, component, manifest.currentImage, data.timeoutMs);
    lines.push(back.ok ? `rolled back: ${component} runs ${manifest.currentImage} again, healthy` : `rolled back: ${component}'s old manifest is in place, but it is not healthy yet (${back.row?.status ?? 'no pod'})`);
  }
  data.swapped = [];
  return lines;
}

/** etcd's data as the backup has it: the manifest taken away first (the reconciler stops etcd), then the folder replaced. */
async function restoreEtcdData(data: UpgradeData, manifest: PlannedManifest): Promise<void> {
  const dataDir = data.config.cluster.etcd.local!.dataDir;
  await data.host.remove(manifest.path);
  const watch = watchOf(data);
  for (let i = 0; i < 120 && (await componentRow(watch, 'etcd')); i++) await new Promise((resolve) => setTimeout(resolve, 500));
  const target = await data.host.checked(dataDir);
  await rm(target, { recursive: true, force: true });
  await cp(data.host.path(data.etcdBackupDir!), target, { recursive: true, preserveTimestamps: true });
}
