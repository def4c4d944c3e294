import { lstat, readdir, realpath, rm, rmdir } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { KubebootConfig } from '../config/types.js';
import { certificateSpecs, kubeconfigSpecs } from '../pki/spec.js';
import { KUBELET_CONFIG_PATH } from '../render/write-manifests.js';
import { stopPod } from '../runtime/pod-stop.js';
import type { ContainerRuntime, RuntimePod } from '../runtime/runtime.js';
import { statusNotesPath } from '../runtime/status-notes.js';
import { KubebootError } from '../util/errors.js';
import { onHost } from '../util/rootfs.js';
import { INIT_RECORD } from './init.js';
import { MANIFESTS } from './preflight.js';
import { PIDFILE, runningReconciler, stopReconciler } from './reconciler-service.js';
import { removeUnit, UNIT_PATH } from './systemd-unit.js';

export interface ResetPlan {
  node: string;
  rootfs?: string;
  reconcilerPid?: number;
  /** The systemd unit init installed (only without --rootfs). */
  unit?: string;
  pods: RuntimePod[];
  /** Folders whose contents go (the etcd data dir), as system paths. */
  emptied: string[];
  /** Files that go, as system paths. */
  files: string[];
  /** Folders removed when they are left empty. */
  folders: string[];
}

/** What kubeadm's reset leaves too, said at the end. */
export const LEFT_BEHIND = [
  'CNI configuration (/etc/cni/net.d)',
  'iptables, nftables and IPVS rules',
  'kubeconfig files outside /etc/kubernetes, such as $HOME/.kube/config',
  `the reconciler's log (${'/var/log/kubeboot/kubelet.log'}) and the images on the engine`,
];

/**
 * Resolves a system path under the rootfs and refuses what reset must never touch: `/`, an empty path,
 * anything outside the rootfs, and a path whose folders lead out of it through a symlink.
 */
async function safe(rootfs: string | undefined, systemPath: string): Promise<string> {
  if (!systemPath || !systemPath.startsWith('/') || resolve(systemPath) === '/') throw new KubebootError(`reset refuses to remove ${JSON.stringify(systemPath)}: not a path kubeboot made`);
  const target = onHost(rootfs, systemPath);
  if (!rootfs) return target;
  const root = await realpath(resolve(rootfs));
  // The deepest existing folder on the way must still be inside the rootfs once symlinks are followed.
  let existing = dirname(target);
  for (;;) {
    const real = await realpath(existing).catch(() => undefined);
    if (real !== undefined) {
      if (real !== root && !real.startsWith(root + sep)) throw new KubebootError(`reset refuses ${target}: a symlink leads it out of the rootfs ${rootfs}`);
      break;
    }
    existing = dirname(existing);
  }
  return target;
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(() => true, () => false);
}

/** What `kubeboot reset` would remove for this configuration and node; nothing is touched. */
export async function planReset(config: KubebootConfig, runtime: ContainerRuntime, rootfs: string | undefined): Promise<ResetPlan> {
  const node = config.init.nodeRegistration.name;
  const pki = config.cluster.certificatesDir;
  const candidates = [
    ...MANIFESTS.map((m) => join(config.kubelet.staticPodPath, `${m}.yaml`)),
    ...certificateSpecs(config).flatMap((spec) => [`${spec.file}.crt`, `${spec.file}.key`].map((f) => join(pki, f))),
    join(pki, 'sa.key'),
    join(pki, 'sa.pub'),
    ...kubeconfigSpecs(config).map((spec) => join('/etc/kubernetes', spec.file)),
    KUBELET_CONFIG_PATH,
    PIDFILE,
    INIT_RECORD,
  ];
  const files: string[] = [];
  for (const file of candidates) if (await exists(await safe(rootfs, file))) files.push(file);
  const stateFile = statusNotesPath('/var/lib/kubelet', node);
  if (await exists(await safe(rootfs, stateFile))) files.push(stateFile);

  const emptied: string[] = [];
  const dataDir = config.cluster.etcd.external ? undefined : config.cluster.etcd.local?.dataDir;
  if (dataDir) {
    const entries = await readdir(await safe(rootfs, dataDir)).catch(() => [] as string[]);
    if (entries.length > 0) emptied.push(dataDir);
  }
  const pods = [...(await runtime.listPods({ node })).values()];
  // The pods' own folders (emptyDir volumes) go with them.
  for (const pod of pods) {
    const folder = join('/var/lib/kubelet/pods', pod.uid);
    if (await exists(await safe(rootfs, folder))) emptied.push(folder);
  }
  const pid = await runningReconciler(rootfs, node);
  return {
    node,
    ...(rootfs ? { rootfs } : {}),
    ...(pid ? { reconcilerPid: pid } : {}),
    ...(!rootfs && (await exists(UNIT_PATH)) ? { unit: UNIT_PATH } : {}),
    pods,
    emptied,
    files,
    folders: [join(pki, 'etcd'), pki, config.kubelet.staticPodPath, '/var/lib/kubelet/kubeboot', '/var/run/kubeboot'],
  };
}

export function planIsEmpty(plan: ResetPlan): boolean {
  return !plan.reconcilerPid && !plan.unit && plan.pods.length === 0 && plan.emptied.length === 0 && plan.files.length === 0;
}

/** Carries out a plan: the reconciler first (so it restarts nothing), then the containers, then the files. */
export async function applyReset(plan: ResetPlan, runtime: ContainerRuntime, say: (line: string) => void): Promise<void> {
  const { rootfs } = plan;
  if (!rootfs && (await removeUnit())) say(`[reset] Stopped and removed the systemd unit ${UNIT_PATH}`);
  if (plan.reconcilerPid) {
    await stopReconciler(rootfs);
    say(`[reset] Stopped the reconciler (pid ${plan.reconcilerPid})`);
  }
  for (const pod of plan.pods) {
    await stopPod(runtime, pod, { podIP: '127.0.0.1', graceSeconds: 2 }).catch(async () => Promise.all(pod.containers.map((c) => runtime.removeContainer(c.id))));
    say(`[reset] Removed pod ${pod.namespace}/${pod.name} (${pod.containers.length} containers)`);
  }
  for (const dir of plan.emptied) {
    const target = await safe(rootfs, dir);
    for (const entry of await readdir(target).catch(() => [] as string[])) await rm(join(target, entry), { recursive: true, force: true });
    if (dir.startsWith('/var/lib/kubelet/pods/')) await rmdir(target).catch(() => undefined);
    say(`[reset] Deleted contents of ${dir}`);
  }
  for (const file of plan.files) await rm(await safe(rootfs, file), { force: true });
  const byFolder = new Map<string, string[]>();
  for (const file of plan.files) byFolder.set(dirname(file), [...(byFolder.get(dirname(file)) ?? []), file.slice(dirname(file).length + 1)]);
  for (const [folder, names] of byFolder) say(`[reset] Deleted from ${folder}: ${names.join(' ')}`);
  // Folders kubeboot made go only when nothing else is left in them.
  for (const folder of plan.folders) await rmdir(await safe(rootfs, folder)).catch(() => undefined);
}
