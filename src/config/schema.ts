import type { PathSegment } from './source.js';
import { show, typeName } from './problems.js';

/**
 * The shape of each document kind, as data: which fields exist and of which type. Checked before
 * anything else so that later code can trust the types; value rules live in validate.ts.
 */
export type Schema =
  | { type: 'string' }
  | { type: 'integer' }
  | { type: 'boolean' }
  | { type: 'duration' }
  | { type: 'any' }
  | { type: 'object'; fields: Record<string, Schema> }
  | { type: 'list'; items: Schema }
  | { type: 'map'; values: Schema };

const str: Schema = { type: 'string' };
const int: Schema = { type: 'integer' };
const bool: Schema = { type: 'boolean' };
const duration: Schema = { type: 'duration' };
const any: Schema = { type: 'any' };
const obj = (fields: Record<string, Schema>): Schema => ({ type: 'object', fields });
const list = (items: Schema): Schema => ({ type: 'list', items });
const map = (values: Schema): Schema => ({ type: 'map', values });

const typeMeta = { apiVersion: str, kind: str };
const argList = list(obj({ name: str, value: str }));
const envList = list(obj({ name: str, value: str, valueFrom: any }));
const hostPathMounts = list(obj({ name: str, hostPath: str, mountPath: str, readOnly: bool, pathType: str }));
const bootstrapTokens = list(
  obj({ token: str, description: str, ttl: duration, expires: str, usages: list(str), groups: list(str) }),
);
const taints = list(obj({ key: str, value: str, effect: str, timeAdded: str }));
const timeouts = obj({
  controlPlaneComponentHealthCheck: duration,
  kubeletHealthCheck: duration,
  kubernetesAPICall: duration,
  etcdAPICall: duration,
  tlsBootstrap: duration,
  discovery: duration,
  upgradeManifests: duration,
});

/** The node's registration, the same in InitConfiguration and JoinConfiguration. */
function nodeRegistration(v4: boolean): Schema {
  return obj({
    name: str,
    criSocket: str,
    taints,
    kubeletExtraArgs: v4 ? argList : map(str),
    ignorePreflightErrors: list(str),
    imagePullPolicy: str,
    ...(v4 ? { imagePullSerial: bool } : {}),
  });
}

function initConfiguration(version: 'v1beta3' | 'v1beta4'): Schema {
  const v4 = version === 'v1beta4';
  return obj({
    ...typeMeta,
    bootstrapTokens,
    ...(v4 ? { dryRun: bool, timeouts } : {}),
    nodeRegistration: nodeRegistration(v4),
    localAPIEndpoint: obj({ advertiseAddress: str, bindPort: int }),
    certificateKey: str,
    skipPhases: list(str),
    patches: obj({ directory: str }),
  });
}

function clusterConfiguration(version: 'v1beta3' | 'v1beta4'): Schema {
  const v4 = version === 'v1beta4';
  const args = v4 ? argList : map(str);
  const component = (extra: Record<string, Schema> = {}): Schema =>
    obj({ extraArgs: args, extraVolumes: hostPathMounts, ...(v4 ? { extraEnvs: envList } : {}), ...extra });
  return obj({
    ...typeMeta,
    etcd: obj({
      local: obj({
        imageRepository: str,
        imageTag: str,
        dataDir: str,
        extraArgs: args,
        ...(v4 ? { extraEnvs: envList } : {}),
        serverCertSANs: list(str),
        peerCertSANs: list(str),
      }),
      external: obj({ endpoints: list(str), caFile: str, certFile: str, keyFile: str }),
    }),
    networking: obj({ serviceSubnet: str, podSubnet: str, dnsDomain: str }),
    kubernetesVersion: str,
    controlPlaneEndpoint: str,
    apiServer: component({ certSANs: list(str), ...(v4 ? {} : { timeoutForControlPlane: duration }) }),
    controllerManager: component(),
    scheduler: component(),
    dns: obj({ imageRepository: str, imageTag: str, ...(v4 ? { disabled: bool } : {}) }),
    proxy: obj(v4 ? { disabled: bool } : {}),
    certificatesDir: str,
    imageRepository: str,
    featureGates: map(bool),
    clusterName: str,
    ...(v4 ? { encryptionAlgorithm: str, certificateValidityPeriod: duration, caCertificateValidityPeriod: duration } : {}),
  });
}

/**
 * KubeletConfiguration v1beta1: every field the kubelet knows, so that a typo is reported; the
 * fields kubeboot reads are typed. `crashLoopBackOff.initialContainerRestartPeriod` is kubeboot's
 * own addition (the kubelet's initial back-off is fixed at 10 s).
 */
const kubeletConfiguration = obj({
  ...typeMeta,
  staticPodPath: str,
  staticPodURL: str,
  staticPodURLHeader: map(list(str)),
  fileCheckFrequency: duration,
  httpCheckFrequency: duration,
  syncFrequency: duration,
  healthzBindAddress: str,
  healthzPort: int,
  clusterDNS: list(str),
  clusterDomain: str,
  cgroupDriver: str,
  containerRuntimeEndpoint: str,
  crashLoopBackOff: obj({ maxContainerRestartPeriod: duration, initialContainerRestartPeriod: duration }),
  ...Object.fromEntries(
    [
      'enableServer', 'podLogsDir', 'address', 'port', 'readOnlyPort', 'tlsCertFile', 'tlsPrivateKeyFile',
      'tlsCipherSuites', 'tlsMinVersion', 'rotateCertificates', 'serverTLSBootstrap', 'authentication',
      'authorization', 'registryPullQPS', 'registryBurst', 'imagePullCredentialsVerificationPolicy',
      'preloadedImagesVerificationAllowlist', 'eventRecordQPS', 'eventBurst', 'enableDebuggingHandlers',
      'enableContentionProfiling', 'oomScoreAdj', 'streamingConnectionIdleTimeout', 'nodeStatusUpdateFrequency',
      'nodeStatusReportFrequency', 'nodeLeaseDurationSeconds', 'imageMinimumGCAge', 'imageMaximumGCAge',
      'imageGCHighThresholdPercent', 'imageGCLowThresholdPercent', 'volumeStatsAggPeriod', 'kubeletCgroups',
      'systemCgroups', 'cgroupRoot', 'cgroupsPerQOS', 'cpuManagerPolicy', 'singleProcessOOMKill',
      'cpuManagerPolicyOptions', 'cpuManagerReconcilePeriod', 'memoryManagerPolicy', 'topologyManagerPolicy',
      'topologyManagerScope', 'topologyManagerPolicyOptions', 'qosReserved', 'runtimeRequestTimeout', 'hairpinMode',
      'maxPods', 'podCIDR', 'podPidsLimit', 'resolvConf', 'runOnce', 'cpuCFSQuota', 'cpuCFSQuotaPeriod',
      'nodeStatusMaxImages', 'maxOpenFiles', 'contentType', 'kubeAPIQPS', 'kubeAPIBurst', 'serializeImagePulls',
      'maxParallelImagePulls', 'evictionHard', 'evictionSoft', 'evictionSoftGracePeriod',
      'evictionPressureTransitionPeriod', 'evictionMaxPodGracePeriod', 'evictionMinimumReclaim',
      'mergeDefaultEvictionSettings', 'podsPerCore', 'enableControllerAttachDetach', 'protectKernelDefaults',
      'makeIPTablesUtilChains', 'iptablesMasqueradeBit', 'iptablesDropBit', 'featureGates', 'failSwapOn',
      'memorySwap', 'containerLogMaxSize', 'containerLogMaxFiles', 'containerLogMaxWorkers',
      'containerLogMonitorInterval', 'configMapAndSecretChangeDetectionStrategy', 'systemReserved', 'kubeReserved',
      'reservedSystemCPUs', 'showHiddenMetricsForVersion', 'systemReservedCgroup', 'kubeReservedCgroup',
      'enforceNodeAllocatable', 'allowedUnsafeSysctls', 'volumePluginDir', 'providerID', 'kernelMemcgNotification',
      'logging', 'enableSystemLogHandler', 'enableSystemLogQuery', 'shutdownGracePeriod',
      'shutdownGracePeriodCriticalPods', 'shutdownGracePeriodByPodPriority', 'reservedMemory',
      'enableProfilingHandler', 'enableDebugFlagsHandler', 'seccompDefault', 'memoryThrottlingFactor',
      'registerWithTaints', 'registerNode', 'tracing', 'localStorageCapacityIsolation', 'imageServiceEndpoint',
      'failCgroupV1', 'userNamespaces',
    ].map((name) => [name, any]),
  ),
  // After the catch-all, so they win: typed so that `config validate` refuses what the kubelet would (`port: abc`).
  ...Object.fromEntries(['port', 'readOnlyPort', 'maxPods', 'podPidsLimit', 'registryPullQPS', 'registryBurst', 'eventRecordQPS', 'eventBurst', 'kubeAPIQPS', 'kubeAPIBurst', 'maxOpenFiles', 'nodeLeaseDurationSeconds', 'imageGCHighThresholdPercent', 'imageGCLowThresholdPercent', 'containerLogMaxFiles', 'containerLogMaxWorkers', 'podsPerCore', 'evictionMaxPodGracePeriod', 'oomScoreAdj', 'iptablesMasqueradeBit', 'iptablesDropBit', 'maxParallelImagePulls', 'nodeStatusMaxImages'].map((name) => [name, int])),
  ...Object.fromEntries(['enableServer', 'rotateCertificates', 'serverTLSBootstrap', 'failSwapOn', 'serializeImagePulls', 'cgroupsPerQOS', 'protectKernelDefaults', 'makeIPTablesUtilChains', 'registerNode', 'enableControllerAttachDetach', 'enableDebuggingHandlers', 'enableContentionProfiling', 'runOnce', 'cpuCFSQuota', 'seccompDefault', 'localStorageCapacityIsolation', 'enableProfilingHandler', 'enableDebugFlagsHandler', 'enableSystemLogHandler', 'enableSystemLogQuery', 'kernelMemcgNotification', 'failCgroupV1', 'singleProcessOOMKill', 'mergeDefaultEvictionSettings'].map((name) => [name, bool])),
  // The kubelet's v1beta1 types for the maps, lists and strings (a list where it wants a map fails to decode there).
  ...Object.fromEntries(['evictionHard', 'evictionSoft', 'evictionSoftGracePeriod', 'evictionMinimumReclaim', 'systemReserved', 'kubeReserved', 'qosReserved', 'cpuManagerPolicyOptions', 'topologyManagerPolicyOptions'].map((name) => [name, map(str)])),
  featureGates: map(bool),
  ...Object.fromEntries(['authentication', 'authorization', 'logging', 'tracing', 'memorySwap'].map((name) => [name, map(any)])),
  ...Object.fromEntries(['tlsCipherSuites', 'enforceNodeAllocatable', 'allowedUnsafeSysctls', 'preloadedImagesVerificationAllowlist'].map((name) => [name, list(str)])),
  ...Object.fromEntries(['registerWithTaints', 'reservedMemory', 'shutdownGracePeriodByPodPriority'].map((name) => [name, list(any)])),
  ...Object.fromEntries(['address', 'tlsCertFile', 'tlsPrivateKeyFile', 'tlsMinVersion', 'podLogsDir', 'kubeletCgroups', 'systemCgroups', 'cgroupRoot', 'cpuManagerPolicy', 'memoryManagerPolicy', 'topologyManagerPolicy', 'topologyManagerScope', 'hairpinMode', 'podCIDR', 'resolvConf', 'contentType', 'containerLogMaxSize', 'configMapAndSecretChangeDetectionStrategy', 'reservedSystemCPUs', 'showHiddenMetricsForVersion', 'systemReservedCgroup', 'kubeReservedCgroup', 'volumePluginDir', 'providerID', 'imageServiceEndpoint', 'imagePullCredentialsVerificationPolicy'].map((name) => [name, str])),
  ...Object.fromEntries(['nodeStatusUpdateFrequency', 'nodeStatusReportFrequency', 'streamingConnectionIdleTimeout', 'imageMinimumGCAge', 'imageMaximumGCAge', 'volumeStatsAggPeriod', 'cpuManagerReconcilePeriod', 'runtimeRequestTimeout', 'evictionPressureTransitionPeriod', 'shutdownGracePeriod', 'shutdownGracePeriodCriticalPods', 'containerLogMonitorInterval', 'cpuCFSQuotaPeriod'].map((name) => [name, duration])),
});

function joinConfiguration(version: 'v1beta3' | 'v1beta4'): Schema {
  const v4 = version === 'v1beta4';
  return obj({
    ...typeMeta,
    ...(v4 ? { dryRun: bool, timeouts } : {}),
    caCertPath: str,
    nodeRegistration: nodeRegistration(v4),
    discovery: obj({
      bootstrapToken: obj({ token: str, apiServerEndpoint: str, caCertHashes: list(str), unsafeSkipCAVerification: bool }),
      file: obj({ kubeConfigPath: str }),
      tlsBootstrapToken: str,
      ...(v4 ? {} : { timeout: duration }),
    }),
    controlPlane: obj({ localAPIEndpoint: obj({ advertiseAddress: str, bindPort: int }), certificateKey: str }),
    skipPhases: list(str),
    patches: obj({ directory: str }),
  });
}

export const schemas = {
  'v1beta3/JoinConfiguration': joinConfiguration('v1beta3'),
  'v1beta4/JoinConfiguration': joinConfiguration('v1beta4'),
  'v1beta3/InitConfiguration': initConfiguration('v1beta3'),
  'v1beta3/ClusterConfiguration': clusterConfiguration('v1beta3'),
  'v1beta4/InitConfiguration': initConfiguration('v1beta4'),
  'v1beta4/ClusterConfiguration': clusterConfiguration('v1beta4'),
  KubeletConfiguration: kubeletConfiguration,
} as const;

/** Go's time.Duration text: `4m0s`, `1h30m`, `500ms`, `0`. */
const GO_DURATION = /^(0|[-+]?((\d+(\.\d*)?|\.\d+)(ns|us|\u00b5s|ms|s|m|h))+)$/;

export function isGoDuration(text: string): boolean {
  return GO_DURATION.test(text);
}

export type ShapeReport = (severity: 'error' | 'warning', path: PathSegment[], message: string, at?: 'key') => void;

/** Reports wrong types as errors and unknown fields as warnings; returns nothing. */
export function checkShape(value: unknown, schema: Schema, path: PathSegment[], report: ShapeReport): void {
  switch (schema.type) {
    case 'any':
      return;
    case 'string':
      if (typeof value !== 'string') report('error', path, `got ${show(value)} (${typeName(value)}), expected a string`);
      return;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) {
        report('error', path, `got ${show(value)} (${typeName(value)}), expected an integer`);
      }
      return;
    case 'boolean':
      if (typeof value !== 'boolean') report('error', path, `got ${show(value)} (${typeName(value)}), expected true or false`);
      return;
    case 'duration':
      if (typeof value !== 'string' || !isGoDuration(value)) {
        report('error', path, `got ${show(value)}, expected a duration such as "4m0s", "30s" or "1h"`);
      }
      return;
    case 'list':
      if (value === null) return;
      if (!Array.isArray(value)) {
        report('error', path, `got ${show(value)} (${typeName(value)}), expected a list`);
        return;
      }
      value.forEach((item, i) => checkShape(item, schema.items, [...path, i], report));
      return;
    case 'map':
    case 'object': {
      if (value === null) return;
      if (typeof value !== 'object' || Array.isArray(value)) {
        report('error', path, `got ${show(value)} (${typeName(value)}), expected a mapping`);
        return;
      }
      for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
        if (schema.type === 'map') {
          checkShape(item, schema.values, [...path, key], report);
          continue;
        }
        const field = schema.fields[key];
        if (field) {
          checkShape(item, field, [...path, key], report);
        } else {
          const near = Object.keys(schema.fields).find((known) => known.toLowerCase() === key.toLowerCase());
          const hint = near ? ` (did you mean ${near}?)` : '';
          report('warning', [...path, key], `unknown field, ignored${hint}`, 'key');
        }
      }
      return;
    }
  }
}
