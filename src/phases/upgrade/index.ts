import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { renewCertificates } from '../../pki/renew.js';
import { kubeadmConfigObjects } from '../../render/cluster/upload-config.js';
import { pullImageForUser } from '../../runtime/image-policy.js';
import { KubebootError } from '../../util/errors.js';
import type { Phase } from '../workflow.js';
import { componentRow, healthyOn } from './component-health.js';
import type { UpgradeData } from './data.js';
import { imageTag, plannedManifests } from './manifests.js';
import { checkSkew } from './skew.js';
import { backupFolder, swapComponent, watchOf } from './swap.js';

/** What a phase that swaps `component` does with its planned manifest. */
function componentPhase(component: string, short: string): Phase<UpgradeData> {
  return {
    name: component,
    short,
    skipIf: (data) => {
      const manifest = data.manifests.find((m) => m.component === component);
      if (!manifest) return 'not on this node';
      if (!manifest.changed) return 'the manifest is already the target\'s';
      if (component === 'etcd') return etcdSkip(data);
      return data.dryRun ? 'dry run' : undefined;
    },
    run: async (data, task) => swapComponent(data, data.manifests.find((m) => m.component === component)!, (line) => task.output(line)),
  };
}

/** kubeadm: etcd only with --etcd-upgrade, and never to an older version. */
function etcdSkip(data: UpgradeData): string | undefined {
  if (!data.etcdUpgrade) return '--etcd-upgrade=false';
  const manifest = data.manifests.find((m) => m.component === 'etcd')!;
  const [now, next] = [imageTag(manifest.currentImage), imageTag(manifest.nextImage)];
  if (now && next && next.localeCompare(now, undefined, { numeric: true }) < 0) return `won't downgrade etcd (${now} → ${next})`;
  if (now && now === next) return `etcd stays at ${now}`;
  return data.dryRun ? 'dry run' : undefined;
}

const preflight: Phase<UpgradeData> = {
  name: 'preflight',
  short: 'Check the version skew, that every component is healthy now, and that the new images are here',
  run: async (data, task) => {
    const skew = checkSkew(data.currentVersion, data.targetVersion);
    for (const warning of skew.warnings) task.output(`warning: ${warning}`);
    if (skew.errors.length > 0) throw new KubebootError(`cannot upgrade from ${data.currentVersion.text} to ${data.targetVersion.text}`, { details: skew.errors, hint: 'See the versions with: kubeboot upgrade plan' });
    data.manifests = await plannedManifests(data.host, data.target, data.patches);
    if (data.manifests.length === 0) throw new KubebootError('this node has no control-plane manifests to upgrade', { hint: `Is ${data.config.kubelet.staticPodPath} the right folder (--rootfs)?` });
    const watch = watchOf(data);
    const unhealthy: string[] = [];
    for (const manifest of data.manifests) {
      const row = await componentRow(watch, manifest.component, manifest.currentImage);
      if (!manifest.currentImage || !healthyOn(row, manifest.currentImage)) unhealthy.push(`${manifest.component}: ${row ? `${row.status}, ready ${row.ready}` : 'no pod'}`);
    }
    if (unhealthy.length > 0) throw new KubebootError('every control-plane component must be healthy before an upgrade', { details: unhealthy, hint: 'See why with: kubeboot ps; kubeboot logs <pod>' });
    const changed = data.manifests.filter((m) => m.changed);
    for (const manifest of changed) {
      if (await data.runtime.imagePresent(manifest.nextImage)) continue;
      if (data.dryRun) throw new KubebootError(`image ${manifest.nextImage} is not on this machine`, { hint: 'Bring it in first (kubeboot config images pull, or kubeboot images load).' });
      await pullImageForUser(data.runtime, manifest.nextImage, (line) => task.output(line));
    }
    task.output(changed.length === 0 ? `this node is at ${data.targetVersion.text} already` : `to change: ${changed.map((m) => `${m.component} ${m.currentImage ?? '-'} → ${m.nextImage}`).join('; ')}`);
  },
};

const backup: Phase<UpgradeData> = {
  name: 'backup',
  short: 'Copy the manifests (and etcd\'s data, when etcd changes) under /etc/kubernetes/tmp',
  skipIf: (data) => (data.dryRun ? 'dry run' : data.manifests.every((m) => !m.changed) ? 'nothing changes' : undefined),
  run: async (data, task) => {
    const now = new Date();
    data.backupDir = backupFolder('manifests', now);
    await data.host.mkdir(data.backupDir, 0o700);
    for (const manifest of data.manifests) if (manifest.current !== undefined) await data.host.write(join(data.backupDir, `${manifest.component}.yaml`), manifest.current, { mode: 0o600, dirMode: 0o700 });
    task.output(`manifests: ${data.host.path(data.backupDir)}`);
    const etcd = data.manifests.find((m) => m.component === 'etcd');
    if (etcd?.changed && !etcdSkip({ ...data, dryRun: false })) {
      data.etcdBackupDir = backupFolder('etcd', now);
      await cp(data.host.path(data.config.cluster.etcd.local!.dataDir), await data.host.checked(data.etcdBackupDir), { recursive: true, preserveTimestamps: true });
      task.output(`etcd data: ${data.host.path(data.etcdBackupDir)}`);
    }
  },
};

const uploadConfig: Phase<UpgradeData> = {
  name: 'upload-config',
  short: 'Store the new ClusterConfiguration in ConfigMap kube-system/kubeadm-config',
  skipIf: (data) => (data.mode === 'node' ? 'upgrade node keeps the cluster\'s configuration' : data.dryRun ? 'dry run' : undefined),
  run: async (data, task) => {
    const [configMap] = kubeadmConfigObjects(data.target.cluster);
    await data.api!.apply(configMap);
    task.output(`kubernetesVersion ${data.targetVersion.text} stored`);
  },
};

const postUpgrade: Phase<UpgradeData> = {
  name: 'post-upgrade',
  short: 'Renew admin.conf, as kubeadm does last',
  skipIf: (data) => (data.dryRun ? 'dry run' : !data.certificateRenewal ? '--certificate-renewal=false' : data.swapped.length === 0 ? 'nothing changed' : undefined),
  run: async (data, task) => {
    await renewCertificates(data.config, data.host, ['admin.conf']);
    task.output('renewed admin.conf');
  },
};

/** `upgrade apply` and `upgrade node`: one list, as kubeadm's phases run them. */
export const upgradePhases: ReadonlyArray<Phase<UpgradeData>> = [
  preflight,
  backup,
  componentPhase('etcd', 'Upgrade the local etcd member'),
  componentPhase('kube-apiserver', 'Upgrade the API server'),
  componentPhase('kube-controller-manager', 'Upgrade the controller-manager'),
  componentPhase('kube-scheduler', 'Upgrade the scheduler'),
  uploadConfig,
  postUpgrade,
];
