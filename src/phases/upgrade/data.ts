import { readFile } from 'node:fs/promises';
import { parseAllDocuments, stringify } from 'yaml';
import { loadConfig } from '../../config/load.js';
import type { KubebootConfig } from '../../config/types.js';
import { parseKubernetesVersion, type KubernetesVersion } from '../../config/versions.js';
import type { PatchSet } from '../../render/patches.js';
import type { ContainerRuntime } from '../../runtime/runtime.js';
import { ADMIN_KUBECONFIG, INIT_RECORD } from '../../util/constants.js';
import { KubebootError } from '../../util/errors.js';
import type { Host } from '../../util/host.js';
import { ApiClient, readKubeconfig, type KubeObject } from '../../util/kube-api.js';
import type { PlannedManifest } from './manifests.js';

/** What the upgrade's phases share (kubeadm's upgrade apply/node data). */
export interface UpgradeData {
  /** The machine (under --rootfs). */
  host: Host;
  runtime: ContainerRuntime;
  /** The reconciler's --root-dir (a system path): its status file tells whether probes pass. */
  rootDir: string;
  /** `apply` upgrades the cluster's configuration too; `node` only this node's control plane. */
  mode: 'apply' | 'node';
  /** This node now: its InitConfiguration (init's record) with the cluster's ClusterConfiguration. */
  config: KubebootConfig;
  /** The same at the target version. */
  target: KubebootConfig;
  currentVersion: KubernetesVersion;
  targetVersion: KubernetesVersion;
  dryRun: boolean;
  etcdUpgrade: boolean;
  certificateRenewal: boolean;
  patches?: PatchSet;
  /** How long a component may take to run healthy at the new version before it is rolled back. */
  timeoutMs: number;
  /** Filled by preflight: each manifest now and at the target. */
  manifests: PlannedManifest[];
  /** Filled by backup: where the old manifests and etcd's data were copied (system paths). */
  backupDir?: string;
  etcdBackupDir?: string;
  /** The components whose new manifest was written, in order: what a rollback puts back. */
  swapped: string[];
  api?: ApiClient;
}

/** The cluster's ClusterConfiguration as kubeadm keeps it: ConfigMap kube-system/kubeadm-config. */
async function clusterConfiguration(host: Host): Promise<{ text: string; api: ApiClient }> {
  let api: ApiClient;
  try {
    api = new ApiClient(readKubeconfig(host.path(ADMIN_KUBECONFIG)));
  } catch (err) {
    throw new KubebootError(`cannot read ${host.path(ADMIN_KUBECONFIG)}: ${(err as Error).message}`, { hint: 'Run the upgrade on a control-plane node that kubeboot init or join set up.' });
  }
  try {
    const map = await api.find<KubeObject & { data?: Record<string, string> }>('/api/v1/namespaces/kube-system/configmaps/kubeadm-config');
    const text = map?.data?.ClusterConfiguration;
    if (!text) throw new KubebootError('ConfigMap kube-system/kubeadm-config has no ClusterConfiguration', { hint: 'Store it first: kubeboot init phase upload-config kubeadm' });
    return { text, api };
  } catch (err) {
    api.close();
    if (err instanceof KubebootError) throw err;
    throw new KubebootError(`the API server at ${api.credentials.server} did not give the cluster's configuration: ${(err as Error).message}`, { hint: 'The control plane must be healthy before an upgrade: kubeboot ps; kubeboot logs kube-apiserver' });
  }
}

/**
 * This node's configuration as an upgrade sees it: its own documents from init's record (or --config),
 * with the ClusterConfiguration the cluster keeps (the one every node's manifests come from).
 */
export async function loadUpgradeConfig(host: Host, configFile: string | undefined): Promise<{ config: KubebootConfig; api: ApiClient }> {
  const recordPath = configFile ?? host.path(INIT_RECORD);
  const record = await readFile(recordPath, 'utf8').catch(() => undefined);
  if (record === undefined) throw new KubebootError(`${recordPath}: no such file`, { hint: 'Run the upgrade on a node that kubeboot init or join set up (they keep their configuration there), or give it with --config.' });
  const { text, api } = await clusterConfiguration(host);
  const own = parseAllDocuments(record).map((d) => d.toJS() as { kind?: string }).filter((d) => d && d.kind !== 'ClusterConfiguration');
  const content = [...own.map((d) => stringify(d)), text].join('---\n');
  const { config } = await loadConfig({ text: { origin: `${recordPath} with ConfigMap kube-system/kubeadm-config`, content } });
  return { config, api };
}

/** The configuration at another Kubernetes version. */
export function atVersion(config: KubebootConfig, version: KubernetesVersion): KubebootConfig {
  return { ...config, cluster: { ...config.cluster, kubernetesVersion: version.text } };
}

/** The cluster's version, from its configuration. */
export function clusterVersion(config: KubebootConfig): KubernetesVersion {
  const version = parseKubernetesVersion(config.cluster.kubernetesVersion);
  if (!version) throw new KubebootError(`the cluster's kubernetesVersion ${JSON.stringify(config.cluster.kubernetesVersion)} is not a version`);
  return version;
}
