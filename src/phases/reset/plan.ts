import { dirname, join } from 'node:path';
import type { KubebootConfig } from '../../config/types.js';
import { certificateSpecs, kubeconfigSpecs } from '../../pki/spec.js';
import { KUBELET_FLAGS_FILE } from '../../config/kubelet-flags.js';
import { podDir } from '../../runtime/pod-dirs.js';
import { PROCESS_STATE_DIR } from '../../runtime/process/records.js';
import { stopPod } from '../../runtime/pod-stop.js';
import type { ContainerRuntime, RuntimePod } from '../../runtime/runtime.js';
import { statusNotesPath } from '../../runtime/status-notes.js';
import { COMPONENTS, INIT_RECORD, KUBELET_CONFIG_PATH, KUBELET_ROOT_DIR, KUBERNETES_DIR, RECONCILER_LOGFILE, RECONCILER_PIDFILE, RECONCILER_RUN_DIR } from '../../util/constants.js';
import type { Host } from '../../util/host.js';
import { runningReconciler, stopReconciler } from '../reconciler-service.js';
import { removeUnit, UNIT_PATH } from '../systemd-unit.js';
import { refuseUnsafeRemovals } from './safe-removal.js';

export interface ResetPlan {
  node: string;
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
  `the reconciler's log (${RECONCILER_LOGFILE}), and the images on the engine (or the process runtime's binaries)`,
];

/** What `kubeboot reset` would remove for this configuration and node; nothing is touched. */
export async function planReset(config: KubebootConfig, host: Host, runtime: ContainerRuntime): Promise<ResetPlan> {
  const node = config.init.nodeRegistration.name;
  const pki = config.cluster.certificatesDir;
  const folders = [join(pki, 'etcd'), pki, config.kubelet.staticPodPath, join(KUBELET_ROOT_DIR, 'kubeboot'), join(KUBELET_ROOT_DIR, PROCESS_STATE_DIR), RECONCILER_RUN_DIR];
  const dataDir = config.cluster.etcd.external ? undefined : config.cluster.etcd.local?.dataDir;
  // Refused before anything is looked at: what reset empties or removes must be kubeboot's own.
  refuseUnsafeRemovals(config, dataDir ? [dataDir] : [], folders);
  const candidates = [
    ...COMPONENTS.map((m) => join(config.kubelet.staticPodPath, `${m}.yaml`)),
    ...certificateSpecs(config).flatMap((spec) => [`${spec.file}.crt`, `${spec.file}.key`].map((f) => join(pki, f))),
    join(pki, 'sa.key'),
    join(pki, 'sa.pub'),
    ...kubeconfigSpecs(config).map((spec) => join(KUBERNETES_DIR, spec.file)),
    KUBELET_CONFIG_PATH,
    KUBELET_FLAGS_FILE,
    RECONCILER_PIDFILE,
    INIT_RECORD,
    statusNotesPath(KUBELET_ROOT_DIR, node),
  ];
  // Every path is checked for symlinks that lead out of the root before anything is looked at or removed.
  for (const path of [...candidates, ...folders, ...(dataDir ? [dataDir] : [])]) await host.checked(path);
  const files: string[] = [];
  for (const file of candidates) if (await host.exists(file)) files.push(file);

  const emptied: string[] = [];
  if (dataDir && (await host.list(dataDir)).length > 0) emptied.push(dataDir);
  const pods = [...(await runtime.listPods({ node })).values()];
  // The pods' own folders (emptyDir volumes) go with them.
  for (const pod of pods) {
    const folder = podDir(KUBELET_ROOT_DIR, pod.uid);
    if (await host.exists(folder)) emptied.push(folder);
  }
  const pid = await runningReconciler(host, node);
  return {
    node,
    ...(pid ? { reconcilerPid: pid } : {}),
    ...(!host.rootfs && (await host.exists(UNIT_PATH)) ? { unit: UNIT_PATH } : {}),
    pods,
    emptied,
    files,
    folders,
  };
}

export function planIsEmpty(plan: ResetPlan): boolean {
  return !plan.reconcilerPid && !plan.unit && plan.pods.length === 0 && plan.emptied.length === 0 && plan.files.length === 0;
}

/** Carries out a plan: the reconciler first (so it restarts nothing), then the containers, then the files. */
export async function applyReset(plan: ResetPlan, host: Host, runtime: ContainerRuntime, say: (line: string) => void): Promise<void> {
  if (!host.rootfs && (await removeUnit())) say(`[reset] Stopped and removed the systemd unit ${UNIT_PATH}`);
  if (plan.reconcilerPid) {
    await stopReconciler(host);
    say(`[reset] Stopped the reconciler (pid ${plan.reconcilerPid})`);
  }
  // Listed again now that nothing restarts them: the reconciler may have started containers after the
  // plan was made (while the question was asked, or the etcd member was removed); they are this node's too.
  const now = [...(await runtime.listPods({ node: plan.node })).values()];
  const pods = [...plan.pods.filter((p) => !now.some((n) => n.uid === p.uid)), ...now];
  for (const pod of pods) {
    await stopPod(runtime, pod, { podIP: '127.0.0.1', graceSeconds: 2 }).catch(async () => Promise.all(pod.containers.map((c) => runtime.removeContainer(c.id))));
    say(`[reset] Removed pod ${pod.namespace}/${pod.name} (${pod.containers.length} containers)`);
  }
  for (const dir of plan.emptied) {
    for (const entry of await host.list(dir)) await host.remove(join(dir, entry));
    if (dir.startsWith(`${KUBELET_ROOT_DIR}/pods/`)) await host.removeIfEmpty(dir);
    say(`[reset] Deleted contents of ${dir}`);
  }
  for (const file of plan.files) await host.remove(file);
  const byFolder = new Map<string, string[]>();
  for (const file of plan.files) byFolder.set(dirname(file), [...(byFolder.get(dirname(file)) ?? []), file.slice(dirname(file).length + 1)]);
  for (const [folder, names] of byFolder) say(`[reset] Deleted from ${folder}: ${names.join(' ')}`);
  // Folders kubeboot made go only when nothing else is left in them.
  for (const folder of plan.folders) await host.removeIfEmpty(folder);
}

/** The plan as lines a user reads before saying yes. */
export function describePlan(plan: ResetPlan): string[] {
  return [
    ...(plan.unit ? [`stop, disable and delete the systemd unit ${plan.unit}`] : []),
    ...(plan.reconcilerPid ? [`stop the reconciler (pid ${plan.reconcilerPid})`] : []),
    ...plan.pods.map((p) => `remove pod ${p.namespace}/${p.name} (${p.containers.length} containers)`),
    ...plan.emptied.map((d) => `delete the contents of ${d}`),
    ...plan.files.map((f) => `delete ${f}`),
  ];
}
