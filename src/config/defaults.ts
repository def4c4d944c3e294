import type { HostFacts } from './host.js';
import { KUBELET_HEALTHZ_PORT, KUBELET_ROOT_DIR, KUBERNETES_DIR } from '../util/constants.js';
import { nthAddress, parseCidr } from '../util/ip.js';
import { isRecord } from '../util/records.js';
import { DEFAULT_KUBERNETES_VERSION } from './versions.js';
import {
  KUBEADM_V1BETA4,
  KUBELET_V1BETA1,
  type Arg,
  type BootstrapToken,
  type ClusterConfiguration,
  type ControlPlaneComponent,
  type EncryptionAlgorithm,
  type EnvVar,
  type HostPathMount,
  type HostPathType,
  type ImagePullPolicy,
  type InitConfiguration,
  type KubeletConfiguration,
  type LocalEtcd,
  type Taint,
  type Timeouts,
} from './types.js';

/** kubeadm's constants (cmd/kubeadm/app/constants, apis/kubeadm/v1beta4/defaults.go). */
export const defaults = {
  kubernetesDir: KUBERNETES_DIR,
  staticPodPath: '/etc/kubernetes/manifests',
  kubeletDir: KUBELET_ROOT_DIR,
  certificatesDir: '/etc/kubernetes/pki',
  etcdDataDir: '/var/lib/etcd',
  imageRepository: 'registry.k8s.io',
  serviceSubnet: '10.96.0.0/12',
  dnsDomain: 'cluster.local',
  clusterName: 'kubernetes',
  bindPort: 6443,
  /** kubeboot runs its pods on a Docker engine; kubeadm's default is containerd's socket. */
  criSocket: 'unix:///var/run/docker.sock',
  encryptionAlgorithm: 'RSA-2048' as EncryptionAlgorithm,
  certificateValidityPeriod: '8760h0m0s',
  caCertificateValidityPeriod: '87600h0m0s',
  controlPlaneTaint: { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' } as Taint,
  timeouts: {
    controlPlaneComponentHealthCheck: '4m0s',
    kubeletHealthCheck: '4m0s',
    kubernetesAPICall: '1m0s',
    etcdAPICall: '2m0s',
    tlsBootstrap: '5m0s',
    discovery: '5m0s',
    upgradeManifests: '5m0s',
  } as Timeouts,
  bootstrapToken: {
    ttl: '24h0m0s',
    usages: ['signing', 'authentication'],
    groups: ['system:bootstrappers:kubeadm:default-node-token'],
  },
} as const;

type Raw = Record<string, unknown>;

// Readers that take a value only when it has the right type: a wrongly-typed value has been
// reported already, and falling back keeps defaulting (and the rest of validation) going.
const rec = (value: unknown): Raw => (isRecord(value) ? value : {});
const str = (value: unknown, fallback = ''): string => (typeof value === 'string' && value !== '' ? value : fallback);
const num = (value: unknown, fallback: number): number => (typeof value === 'number' && Number.isInteger(value) && value !== 0 ? value : fallback);
const bool = (value: unknown, fallback: boolean): boolean => (typeof value === 'boolean' ? value : fallback);
const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);
const records = (value: unknown): Raw[] => (Array.isArray(value) ? value.map(rec) : []);

const args = (value: unknown): Arg[] => records(value).map((a) => ({ name: str(a.name), value: typeof a.value === 'string' ? a.value : '' }));
const envs = (value: unknown): EnvVar[] => records(value).map((e) => ({ name: str(e.name), value: typeof e.value === 'string' ? e.value : '' }));
const mounts = (value: unknown): HostPathMount[] =>
  records(value).map((m) => ({
    name: str(m.name),
    hostPath: str(m.hostPath),
    mountPath: str(m.mountPath),
    readOnly: bool(m.readOnly, false),
    pathType: str(m.pathType) as HostPathType,
  }));
const component = (value: unknown): ControlPlaneComponent => {
  const c = rec(value);
  return { extraArgs: args(c.extraArgs), extraVolumes: mounts(c.extraVolumes), extraEnvs: envs(c.extraEnvs) };
};

function isUnspecifiedAddress(address: string): boolean {
  return address === '' || address === '0.0.0.0' || address === '::';
}

export function defaultInitConfiguration(raw: Raw | undefined, host: HostFacts): InitConfiguration {
  const init = rec(raw);
  const registration = rec(init.nodeRegistration);
  const endpoint = rec(init.localAPIEndpoint);
  const timeouts = rec(init.timeouts);
  const tokens: BootstrapToken[] = Array.isArray(init.bootstrapTokens)
    ? records(init.bootstrapTokens).map((t) => ({
        ...(typeof t.token === 'string' ? { token: t.token } : {}),
        ...(typeof t.description === 'string' ? { description: t.description } : {}),
        ttl: str(t.ttl, defaults.bootstrapToken.ttl),
        ...(typeof t.expires === 'string' ? { expires: t.expires } : {}),
        usages: Array.isArray(t.usages) ? strings(t.usages) : [...defaults.bootstrapToken.usages],
        groups: Array.isArray(t.groups) ? strings(t.groups) : [...defaults.bootstrapToken.groups],
      }))
    : [{ ttl: defaults.bootstrapToken.ttl, usages: [...defaults.bootstrapToken.usages], groups: [...defaults.bootstrapToken.groups] }];
  const advertiseAddress = str(endpoint.advertiseAddress);
  let criSocket = str(registration.criSocket, defaults.criSocket);
  if (!criSocket.includes('://')) criSocket = `unix://${criSocket}`;
  return {
    apiVersion: KUBEADM_V1BETA4,
    kind: 'InitConfiguration',
    bootstrapTokens: tokens,
    dryRun: bool(init.dryRun, false),
    nodeRegistration: {
      name: str(registration.name, host.hostname).toLowerCase(),
      criSocket,
      // kubeadm: no taints field means the control-plane taint; an explicit [] means none.
      taints: Array.isArray(registration.taints)
        ? records(registration.taints).map((t) => ({
            key: str(t.key),
            ...(typeof t.value === 'string' ? { value: t.value } : {}),
            effect: str(t.effect) as Taint['effect'],
          }))
        : [{ ...defaults.controlPlaneTaint }],
      kubeletExtraArgs: args(registration.kubeletExtraArgs),
      ignorePreflightErrors: strings(registration.ignorePreflightErrors),
      imagePullPolicy: str(registration.imagePullPolicy, 'IfNotPresent') as ImagePullPolicy,
      imagePullSerial: bool(registration.imagePullSerial, true),
    },
    localAPIEndpoint: {
      advertiseAddress: isUnspecifiedAddress(advertiseAddress) ? (host.defaultAddress ?? '') : advertiseAddress,
      bindPort: num(endpoint.bindPort, defaults.bindPort),
    },
    ...(typeof init.certificateKey === 'string' ? { certificateKey: init.certificateKey } : {}),
    skipPhases: strings(init.skipPhases),
    ...(typeof rec(init.patches).directory === 'string' ? { patches: { directory: str(rec(init.patches).directory) } } : {}),
    timeouts: Object.fromEntries(
      Object.entries(defaults.timeouts).map(([name, value]) => [name, str(timeouts[name], value)]),
    ) as unknown as Timeouts,
  };
}

export function defaultClusterConfiguration(raw: Raw | undefined): ClusterConfiguration {
  const cluster = rec(raw);
  const networking = rec(cluster.networking);
  const etcd = rec(cluster.etcd);
  const apiServer = rec(cluster.apiServer);
  const dns = rec(cluster.dns);
  const version = str(cluster.kubernetesVersion, DEFAULT_KUBERNETES_VERSION);
  const local = (value: unknown): LocalEtcd => {
    const l = rec(value);
    return {
      imageRepository: str(l.imageRepository),
      imageTag: str(l.imageTag),
      dataDir: str(l.dataDir, defaults.etcdDataDir),
      extraArgs: args(l.extraArgs),
      extraEnvs: envs(l.extraEnvs),
      serverCertSANs: strings(l.serverCertSANs),
      peerCertSANs: strings(l.peerCertSANs),
    };
  };
  const external = rec(etcd.external);
  const hasExternal = etcd.external !== undefined && etcd.external !== null;
  return {
    apiVersion: KUBEADM_V1BETA4,
    kind: 'ClusterConfiguration',
    kubernetesVersion: /^\d/.test(version) ? `v${version}` : version,
    controlPlaneEndpoint: str(cluster.controlPlaneEndpoint),
    networking: {
      serviceSubnet: str(networking.serviceSubnet, defaults.serviceSubnet),
      podSubnet: str(networking.podSubnet),
      dnsDomain: str(networking.dnsDomain, defaults.dnsDomain),
    },
    etcd: {
      // Local etcd is the default; both present is kept so that validation can say so.
      ...(!hasExternal || (etcd.local !== undefined && etcd.local !== null) ? { local: local(etcd.local) } : {}),
      ...(hasExternal
        ? {
            external: {
              endpoints: strings(external.endpoints),
              caFile: str(external.caFile),
              certFile: str(external.certFile),
              keyFile: str(external.keyFile),
            },
          }
        : {}),
    },
    apiServer: { ...component(apiServer), certSANs: strings(apiServer.certSANs).map((san) => san.toLowerCase()) },
    controllerManager: component(cluster.controllerManager),
    scheduler: component(cluster.scheduler),
    dns: { imageRepository: str(dns.imageRepository), imageTag: str(dns.imageTag), disabled: bool(dns.disabled, false) },
    proxy: { disabled: bool(rec(cluster.proxy).disabled, false) },
    certificatesDir: str(cluster.certificatesDir, defaults.certificatesDir),
    imageRepository: str(cluster.imageRepository, defaults.imageRepository),
    featureGates: Object.fromEntries(Object.entries(rec(cluster.featureGates)).filter(([, v]) => typeof v === 'boolean')) as Record<string, boolean>,
    clusterName: str(cluster.clusterName, defaults.clusterName),
    encryptionAlgorithm: str(cluster.encryptionAlgorithm, defaults.encryptionAlgorithm) as EncryptionAlgorithm,
    certificateValidityPeriod: str(cluster.certificateValidityPeriod, defaults.certificateValidityPeriod),
    caCertificateValidityPeriod: str(cluster.caCertificateValidityPeriod, defaults.caCertificateValidityPeriod),
  };
}

/** The cluster DNS address kubeadm writes: the 10th address of the (first) service subnet. */
export function clusterDnsAddress(serviceSubnet: string): string {
  const cidr = parseCidr(serviceSubnet.split(',')[0]?.trim() ?? '');
  try {
    return cidr ? nthAddress(cidr, 10) : '10.96.0.10';
  } catch {
    return '10.96.0.10';
  }
}

/** kubeadm's KubeletConfiguration values (componentconfigs/kubelet.go), with the user's document over them. */
export function defaultKubeletConfiguration(raw: Raw | undefined, cluster: ClusterConfiguration): KubeletConfiguration {
  const base: Raw = {
    apiVersion: KUBELET_V1BETA1,
    kind: 'KubeletConfiguration',
    authentication: {
      anonymous: { enabled: false },
      webhook: { cacheTTL: '0s', enabled: true },
      x509: { clientCAFile: `${cluster.certificatesDir}/ca.crt` },
    },
    authorization: { mode: 'Webhook', webhook: { cacheAuthorizedTTL: '0s', cacheUnauthorizedTTL: '0s' } },
    cgroupDriver: 'systemd',
    clusterDNS: [clusterDnsAddress(cluster.networking.serviceSubnet)],
    clusterDomain: cluster.networking.dnsDomain,
    healthzBindAddress: '127.0.0.1',
    healthzPort: KUBELET_HEALTHZ_PORT,
    rotateCertificates: true,
    staticPodPath: defaults.staticPodPath,
  };
  const merged = deepMerge(base, rec(raw));
  merged.apiVersion = KUBELET_V1BETA1;
  merged.kind = 'KubeletConfiguration';
  if (typeof merged.staticPodPath !== 'string' || merged.staticPodPath === '') merged.staticPodPath = defaults.staticPodPath;
  return merged as KubeletConfiguration;
}

function deepMerge(under: Raw, over: Raw): Raw {
  const result: Raw = { ...under };
  for (const [key, value] of Object.entries(over)) {
    const below = result[key];
    const isMapping = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
    result[key] = isMapping(below) && isMapping(value) ? deepMerge(below as Raw, value as Raw) : value;
  }
  return result;
}
