import { isRecord } from '../util/records.js';
import { KUBEADM_V1BETA4 } from './types.js';

type Raw = Record<string, unknown>;


/** v1beta3 `{name: value}` maps become v1beta4 `[{name, value}]` lists, sorted by name as kubeadm does. */
function argsToList(value: unknown): unknown {
  if (!isRecord(value)) return value;
  return Object.keys(value)
    .sort()
    .map((name) => ({ name, value: value[name] }));
}

function convertArgsAt(owner: unknown, field: string): void {
  if (isRecord(owner) && field in owner) owner[field] = argsToList(owner[field]);
}

/** Converts a v1beta3 InitConfiguration body to v1beta4 in place. */
export function convertInitV1beta3(init: Raw): void {
  init.apiVersion = KUBEADM_V1BETA4;
  convertArgsAt(init.nodeRegistration, 'kubeletExtraArgs');
}

/** Converts a v1beta3 JoinConfiguration body to v1beta4 in place: args as lists, discovery.timeout as timeouts.discovery. */
export function convertJoinV1beta3(join: Raw): void {
  join.apiVersion = KUBEADM_V1BETA4;
  convertArgsAt(join.nodeRegistration, 'kubeletExtraArgs');
  const discovery = join.discovery;
  if (isRecord(discovery) && 'timeout' in discovery) {
    const timeouts = isRecord(join.timeouts) ? join.timeouts : {};
    timeouts.discovery ??= discovery.timeout;
    join.timeouts = timeouts;
    delete discovery.timeout;
  }
}

/**
 * Converts a v1beta3 ClusterConfiguration body to v1beta4 in place. Returns
 * apiServer.timeoutForControlPlane, which v1beta4 keeps in InitConfiguration.timeouts.controlPlaneComponentHealthCheck.
 */
export function convertClusterV1beta3(cluster: Raw): { timeoutForControlPlane?: unknown } {
  cluster.apiVersion = KUBEADM_V1BETA4;
  for (const component of ['apiServer', 'controllerManager', 'scheduler']) convertArgsAt(cluster[component], 'extraArgs');
  if (isRecord(cluster.etcd)) convertArgsAt(cluster.etcd.local, 'extraArgs');
  const apiServer = cluster.apiServer;
  if (isRecord(apiServer) && 'timeoutForControlPlane' in apiServer) {
    const timeoutForControlPlane = apiServer.timeoutForControlPlane;
    delete apiServer.timeoutForControlPlane;
    return { timeoutForControlPlane };
  }
  return {};
}

/**
 * Converts whichever of the two documents is v1beta3 (by its apiVersion) to v1beta4 in place.
 * Returns the InitConfiguration, created when a v1beta3 timeout has to move into one.
 */
export function convertToV1beta4(init: Raw | undefined, cluster: Raw | undefined): Raw | undefined {
  const isV1beta3 = (doc: Raw | undefined): doc is Raw => doc?.apiVersion === 'kubeadm.k8s.io/v1beta3';
  if (isV1beta3(init)) convertInitV1beta3(init);
  if (isV1beta3(cluster)) {
    const { timeoutForControlPlane } = convertClusterV1beta3(cluster);
    if (timeoutForControlPlane !== undefined) {
      init ??= { apiVersion: KUBEADM_V1BETA4, kind: 'InitConfiguration' };
      const timeouts = isRecord(init.timeouts) ? init.timeouts : {};
      timeouts.controlPlaneComponentHealthCheck ??= timeoutForControlPlane;
      init.timeouts = timeouts;
    }
  }
  return init;
}
