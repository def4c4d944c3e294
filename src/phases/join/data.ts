import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { stringify } from 'yaml';
import { loadConfig } from '../../config/load.js';
import type { HostFacts } from '../../config/host.js';
import { KUBEADM_V1BETA4 } from '../../config/types.js';
import type { PatchSet } from '../../render/patches.js';
import type { EtcdJoin } from '../../render/etcd-pod.js';
import type { ContainerRuntime } from '../../runtime/runtime.js';
import { KubebootError } from '../../util/errors.js';
import type { Host } from '../../util/host.js';
import { ApiClient, ApiError } from '../../util/kube-api.js';
import { createInitData, type InitData } from '../init/data.js';
import type { DiscoveredCluster } from './discovery.js';

/** What `kubeboot join --control-plane` is told on its command line (kubeadm's JoinConfiguration fields). */
export interface JoinRequest {
  /** host:port (token discovery); with file discovery, the file names the server. */
  endpoint: string;
  token?: string;
  /** --discovery-file: a kubeconfig (path or https URL) instead of token discovery. */
  discoveryFile?: string;
  caCertHashes: string[];
  unsafeSkipCAVerification: boolean;
  certificateKey?: string;
  nodeName: string;
  advertiseAddress: string;
  bindPort: number;
  patchesDirectory?: string;
  skipPhases: string[];
  ignorePreflightErrors: string[];
  /** A JoinConfiguration's timeouts (etcdAPICall: how long the learner may take to be promoted, ...). */
  timeouts?: Record<string, string>;
}

/** init's data (the same phases run for a joining node) and what join adds: the cluster it joins. */
export interface JoinData extends InitData {
  request: JoinRequest;
  discovered: DiscoveredCluster;
  /** The API as the bootstrap token (what discovery trusts): reads kubeadm-config and kubeadm-certs. */
  tokenClient: ApiClient;
  /** Set by etcd-join once this node's member was added. */
  etcdJoin?: EtcdJoin;
}

const CONFIG_PATH = (name: string) => `/api/v1/namespaces/kube-system/configmaps/${name}`;

/**
 * The configuration of the joining node, as kubeadm builds it: the cluster's ClusterConfiguration and
 * KubeletConfiguration (read with the token), this node's InitConfiguration fields from the request.
 */
export async function joinConfiguration(client: ApiClient, request: JoinRequest, host?: HostFacts) {
  const read = async (name: string, key: string) => {
    try {
      const map = await client.get<ConfigMap>(CONFIG_PATH(name));
      const value = map.data?.[key];
      if (value === undefined) throw new KubebootError(`ConfigMap kube-system/${name} has no key ${key}`);
      return value;
    } catch (err) {
      if (err instanceof ApiError && (err.code === 403 || err.code === 401)) throw new KubebootError(`the token may not read kube-system/${name} (${err.code})`, { hint: 'Was the cluster made by kubeboot init or kubeadm init (upload-config)? Is the token for joining nodes (group system:bootstrappers:kubeadm:default-node-token)?' });
      throw err;
    }
  };
  const clusterText = await read('kubeadm-config', 'ClusterConfiguration');
  const kubeletText = await read('kubelet-config', 'kubelet');
  const node = {
    apiVersion: KUBEADM_V1BETA4,
    kind: 'InitConfiguration',
    bootstrapTokens: [],
    nodeRegistration: { name: request.nodeName, ignorePreflightErrors: request.ignorePreflightErrors },
    localAPIEndpoint: { advertiseAddress: request.advertiseAddress, bindPort: request.bindPort },
    skipPhases: request.skipPhases,
    ...(request.certificateKey ? { certificateKey: request.certificateKey } : {}),
    ...(request.patchesDirectory ? { patches: { directory: request.patchesDirectory } } : {}),
    ...(request.timeouts ? { timeouts: request.timeouts } : {}),
  };
  const content = [stringify(node), clusterText, kubeletText].map((doc) => doc.replace(/^---\n/, '')).join('---\n');
  const { config } = await loadConfig({ text: { origin: "the cluster's kubeadm-config and kubelet-config with this node's flags", content }, ...(host ? { host } : {}) });
  if (!config.cluster.controlPlaneEndpoint) {
    throw new KubebootError('One or more conditions for hosting a new control plane instance is not satisfied.', {
      details: ["unable to add a new control plane instance to a cluster that doesn't have a stable controlPlaneEndpoint address"],
      hint: 'Please ensure that: the cluster has a stable controlPlaneEndpoint address (set it at init: --control-plane-endpoint or ClusterConfiguration.controlPlaneEndpoint)',
    });
  }
  return config;
}

export interface JoinDataOptions {
  request: JoinRequest;
  discovered: DiscoveredCluster;
  tokenClient: ApiClient;
  config: Awaited<ReturnType<typeof joinConfiguration>>;
  machine: Host;
  runtime: ContainerRuntime;
  dryRunDir?: string;
  patches?: PatchSet;
}

export function createJoinData(options: JoinDataOptions): JoinData {
  const init = createInitData({
    config: options.config,
    machine: options.machine,
    runtime: options.runtime,
    ...(options.dryRunDir ? { dryRunDir: options.dryRunDir } : {}),
    ...(options.patches ? { patches: options.patches } : {}),
  });
  const data: JoinData = { ...init, request: options.request, discovered: options.discovered, tokenClient: options.tokenClient };
  data.closers.push(() => options.tokenClient.close());
  return data;
}
