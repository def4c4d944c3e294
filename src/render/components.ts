import { posix } from 'node:path';
import { defaults } from '../config/defaults.js';
import { imageOf } from '../config/images.js';
import type { Arg, ClusterConfiguration, EnvVar, HostPathMount, HostPathType, KubebootConfig } from '../config/types.js';
import { etcdVersionFor, parseKubernetesVersion } from '../config/versions.js';
import { parseGoDuration } from '../util/duration.js';
import type { ComponentName } from '../util/constants.js';
import { ipFamily } from '../util/ip.js';
import { argumentsToCommand, argValue } from './arguments.js';
import { atLeast, parseEtcdVersion } from './etcd-version.js';

export type Component = ComponentName;

export interface Probe {
  host: string;
  path: string;
  /** A number, or the named port `probe-port` (kubeadm v1.34+). */
  port: number | string;
  scheme: 'HTTP' | 'HTTPS';
  initialDelaySeconds?: number;
  timeoutSeconds: number;
  periodSeconds: number;
  failureThreshold: number;
}

export interface Volume {
  name: string;
  hostPath: string;
  pathType: HostPathType;
  mountPath: string;
  readOnly: boolean;
}

/** Everything that varies between the four static pods; the rest is in the templates. */
export interface ComponentPod {
  component: Component;
  image: string;
  imagePullPolicy: string;
  command: string[];
  env: EnvVar[];
  /** Only kube-apiserver and etcd have annotations. */
  annotations?: Record<string, string>;
  /** The container port named `probe-port`, when probes use it. */
  probePort?: number;
  livenessProbe: Probe;
  readinessProbe?: Probe;
  startupProbe: Probe;
  requests: Record<string, string>;
  /** Sorted by name, as kubeadm writes them. */
  volumes: Volume[];
  /** In kubeadm's order (sorted, except etcd's data-then-certs). */
  volumeMounts: Volume[];
}

/** What rendering reads from the host: injected so that tests decide. */
export interface HostView {
  /** Whether a system path exists (under --rootfs). */
  exists(systemPath: string): boolean;
  /** kubeadm's own environment: its proxy variables are passed to the components. */
  env: Record<string, string | undefined>;
}

const CA_CERT_DIRS = ['/etc/pki/ca-trust', '/etc/pki/tls/certs', '/etc/ca-certificates', '/usr/share/ca-certificates', '/usr/local/share/ca-certificates'];
const FLEXVOLUME_DIR = '/usr/libexec/kubernetes/kubelet-plugins/volume/exec';
const PROXY_VARS = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'NO_PROXY', 'no_proxy'];
const AUTHZ_MODES = ['Node', 'RBAC', 'ABAC', 'AlwaysAllow', 'AlwaysDeny', 'Webhook'];

const arg = (name: string, value: string): Arg => ({ name, value });
const bracket = (address: string) => (ipFamily(address) === 6 ? `[${address}]` : address);

function livenessProbe(base: Omit<Probe, 'timeoutSeconds' | 'periodSeconds' | 'failureThreshold'>): Probe {
  return { ...base, initialDelaySeconds: 10, timeoutSeconds: 15, periodSeconds: 10, failureThreshold: 8 };
}
function readinessProbe(base: Omit<Probe, 'timeoutSeconds' | 'periodSeconds' | 'failureThreshold'>): Probe {
  return { ...base, timeoutSeconds: 15, periodSeconds: 1, failureThreshold: 3 };
}
function startupProbe(base: Omit<Probe, 'timeoutSeconds' | 'periodSeconds' | 'failureThreshold'>, healthCheckTimeout: string): Probe {
  // kubeadm: as many 10 s periods as fit in the control-plane health-check timeout.
  const ms = parseGoDuration(healthCheckTimeout) ?? 240_000;
  return { ...base, initialDelaySeconds: 10, timeoutSeconds: 15, periodSeconds: 10, failureThreshold: Math.max(1, Math.ceil(ms / 10_000)) };
}

function volume(name: string, path: string, readOnly: boolean, pathType: HostPathType = 'DirectoryOrCreate'): Volume {
  return { name, hostPath: path, mountPath: path, readOnly, pathType };
}

/** extraVolumes are added; one with the name of a kubeadm volume replaces it. */
function withExtraVolumes(base: Volume[], extra: HostPathMount[]): Volume[] {
  const byName = new Map(base.map((v) => [v.name, v]));
  for (const mount of extra) {
    byName.set(mount.name, { name: mount.name, hostPath: mount.hostPath, mountPath: mount.mountPath, readOnly: mount.readOnly, pathType: mount.pathType });
  }
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** /etc/ssl/certs always, and the distributions' CA folders that exist on this host. */
function caCertVolumes(host: HostView): Volume[] {
  return [
    volume('ca-certs', '/etc/ssl/certs', true),
    ...CA_CERT_DIRS.filter((dir) => host.exists(dir)).map((dir) => volume(dir.slice(1).replaceAll('/', '-'), dir, true)),
  ];
}

/** kubeadm's own proxy variables, then extraEnvs (same name replaces), sorted by name. */
function componentEnv(host: HostView, extra: EnvVar[]): EnvVar[] {
  const byName = new Map<string, EnvVar>();
  for (const name of PROXY_VARS) {
    const value = host.env[name];
    if (value) byName.set(name, { name, value });
  }
  for (const env of extra) byName.set(env.name, env);
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function usesNamedProbePort(cluster: ClusterConfiguration): boolean {
  const version = parseKubernetesVersion(cluster.kubernetesVersion);
  return version !== undefined && version.minor >= 34;
}

/** The etcd version of the image that will run: the imageTag, else the one kubeadm pairs with the version. */
export function etcdImageVersion(cluster: ClusterConfiguration) {
  const version = parseKubernetesVersion(cluster.kubernetesVersion) ?? parseKubernetesVersion('v1.34.0')!;
  return parseEtcdVersion(cluster.etcd.local?.imageTag || etcdVersionFor(version)) ?? { major: 3, minor: 6, patch: 0 };
}

function apiServer(config: KubebootConfig, host: HostView): ComponentPod {
  const { init, cluster } = config;
  const pki = cluster.certificatesDir;
  const advertise = init.localAPIEndpoint.advertiseAddress;
  const port = init.localAPIEndpoint.bindPort;
  const extra = cluster.apiServer.extraArgs;
  const base: Arg[] = [
    arg('advertise-address', advertise),
    arg('allow-privileged', 'true'),
    arg('client-ca-file', `${pki}/ca.crt`),
    arg('enable-admission-plugins', 'NodeRestriction'),
    arg('enable-bootstrap-token-auth', 'true'),
    arg('kubelet-client-certificate', `${pki}/apiserver-kubelet-client.crt`),
    arg('kubelet-client-key', `${pki}/apiserver-kubelet-client.key`),
    arg('kubelet-preferred-address-types', 'InternalIP,ExternalIP,Hostname'),
    arg('proxy-client-cert-file', `${pki}/front-proxy-client.crt`),
    arg('proxy-client-key-file', `${pki}/front-proxy-client.key`),
    arg('requestheader-allowed-names', 'front-proxy-client'),
    arg('requestheader-client-ca-file', `${pki}/front-proxy-ca.crt`),
    arg('requestheader-extra-headers-prefix', 'X-Remote-Extra-'),
    arg('requestheader-group-headers', 'X-Remote-Group'),
    arg('requestheader-username-headers', 'X-Remote-User'),
    arg('secure-port', String(port)),
    arg('service-account-issuer', `https://kubernetes.default.svc.${cluster.networking.dnsDomain}`),
    arg('service-account-key-file', `${pki}/sa.pub`),
    arg('service-account-signing-key-file', `${pki}/sa.key`),
    arg('service-cluster-ip-range', cluster.networking.serviceSubnet),
    arg('tls-cert-file', `${pki}/apiserver.crt`),
    arg('tls-private-key-file', `${pki}/apiserver.key`),
  ];
  if (!extra.some((a) => a.name === 'authorization-config')) base.push(arg('authorization-mode', 'Node,RBAC'));
  const overrides = extra.map((a) => {
    if (a.name !== 'authorization-mode') return a;
    // kubeadm's getAuthzModes: only valid modes, in the user's order; Node,RBAC when none is left.
    const modes = a.value.split(',').filter((mode) => AUTHZ_MODES.includes(mode));
    return arg('authorization-mode', modes.length > 0 ? [...new Set(modes)].join(',') : 'Node,RBAC');
  });

  const volumes: Volume[] = [volume('k8s-certs', pki, true), ...caCertVolumes(host)];
  const external = cluster.etcd.external;
  if (external) {
    if (external.caFile) base.push(arg('etcd-cafile', external.caFile));
    if (external.certFile && external.keyFile) base.push(arg('etcd-certfile', external.certFile), arg('etcd-keyfile', external.keyFile));
    base.push(arg('etcd-servers', external.endpoints.join(',')));
    const covered = ['/etc/ssl/certs', pki, ...CA_CERT_DIRS];
    const dirs = [...new Set([external.caFile, external.certFile, external.keyFile].filter(Boolean).map((file) => posix.dirname(file)))];
    dirs
      .filter((dir) => !covered.some((root) => dir === root || dir.startsWith(`${root}/`)))
      .forEach((dir, i) => volumes.push(volume(`etcd-certs-${i}`, dir, true)));
  } else {
    const localAdvertise = argValue(cluster.etcd.local?.extraArgs ?? [], 'advertise-client-urls');
    base.push(
      arg('etcd-cafile', `${pki}/etcd/ca.crt`),
      arg('etcd-certfile', `${pki}/apiserver-etcd-client.crt`),
      arg('etcd-keyfile', `${pki}/apiserver-etcd-client.key`),
      arg('etcd-servers', localAdvertise ?? `https://${ipFamily(advertise) === 6 ? '[::1]' : '127.0.0.1'}:2379`),
    );
  }

  const named = usesNamedProbePort(cluster);
  const probeHost = advertise === '' || advertise === '0.0.0.0' || advertise === '::' ? '127.0.0.1' : advertise;
  const probe = (path: string) => ({ host: probeHost, path, port: named ? 'probe-port' : port, scheme: 'HTTPS' as const });
  const sorted = withExtraVolumes(volumes, cluster.apiServer.extraVolumes);
  return {
    component: 'kube-apiserver',
    image: imageOf(cluster, 'kube-apiserver')!,
    imagePullPolicy: init.nodeRegistration.imagePullPolicy,
    command: ['kube-apiserver', ...argumentsToCommand(base, overrides)],
    env: componentEnv(host, cluster.apiServer.extraEnvs),
    annotations: { 'kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint': `${bracket(advertise)}:${port}` },
    ...(named ? { probePort: port } : {}),
    livenessProbe: livenessProbe(probe('/livez')),
    readinessProbe: readinessProbe(probe('/readyz')),
    startupProbe: startupProbe(probe('/livez'), init.timeouts.controlPlaneComponentHealthCheck),
    requests: { cpu: '250m' },
    volumes: sorted,
    volumeMounts: sorted,
  };
}

function controllerManager(config: KubebootConfig, host: HostView): ComponentPod {
  const { init, cluster } = config;
  const pki = cluster.certificatesDir;
  const kubeconfig = posix.join(defaults.kubernetesDir, 'controller-manager.conf');
  const extra = cluster.controllerManager.extraArgs;
  const externalCa = !host.exists(`${pki}/ca.key`) && host.exists(`${pki}/ca.crt`);
  const base: Arg[] = [
    arg('authentication-kubeconfig', kubeconfig),
    arg('authorization-kubeconfig', kubeconfig),
    arg('bind-address', '127.0.0.1'),
    arg('client-ca-file', `${pki}/ca.crt`),
    arg('cluster-signing-cert-file', externalCa ? '' : `${pki}/ca.crt`),
    arg('cluster-signing-key-file', externalCa ? '' : `${pki}/ca.key`),
    arg('controllers', '*,bootstrapsigner,tokencleaner'),
    arg('kubeconfig', kubeconfig),
    arg('leader-elect', 'true'),
    arg('requestheader-client-ca-file', `${pki}/front-proxy-ca.crt`),
    arg('root-ca-file', `${pki}/ca.crt`),
    arg('service-account-private-key-file', `${pki}/sa.key`),
    arg('use-service-account-credentials', 'true'),
  ];
  if (cluster.clusterName) base.push(arg('cluster-name', cluster.clusterName));
  if (cluster.networking.podSubnet) {
    base.push(arg('allocate-node-cidrs', 'true'), arg('cluster-cidr', cluster.networking.podSubnet));
    if (cluster.networking.serviceSubnet) base.push(arg('service-cluster-ip-range', cluster.networking.serviceSubnet));
  }
  const flexDir = argValue(extra, 'flex-volume-plugin-dir') ?? FLEXVOLUME_DIR;
  const volumes = withExtraVolumes(
    [
      volume('k8s-certs', pki, true),
      ...caCertVolumes(host),
      volume('kubeconfig', kubeconfig, true, 'FileOrCreate'),
      volume('flexvolume-dir', flexDir, false),
    ],
    cluster.controllerManager.extraVolumes,
  );
  return {
    component: 'kube-controller-manager',
    image: imageOf(cluster, 'kube-controller-manager')!,
    imagePullPolicy: init.nodeRegistration.imagePullPolicy,
    command: ['kube-controller-manager', ...argumentsToCommand(base, extra)],
    env: componentEnv(host, cluster.controllerManager.extraEnvs),
    ...probesOnBindAddress(cluster, extra, 10257, '/healthz', undefined, init.timeouts.controlPlaneComponentHealthCheck),
    requests: { cpu: '200m' },
    volumes,
    volumeMounts: volumes,
  };
}

function scheduler(config: KubebootConfig, host: HostView): ComponentPod {
  const { init, cluster } = config;
  const kubeconfig = posix.join(defaults.kubernetesDir, 'scheduler.conf');
  const extra = cluster.scheduler.extraArgs;
  const base: Arg[] = [
    arg('authentication-kubeconfig', kubeconfig),
    arg('authorization-kubeconfig', kubeconfig),
    arg('bind-address', '127.0.0.1'),
    arg('kubeconfig', kubeconfig),
    arg('leader-elect', 'true'),
  ];
  const version = parseKubernetesVersion(cluster.kubernetesVersion);
  const livez = version === undefined || version.minor >= 32;
  const volumes = withExtraVolumes([volume('kubeconfig', kubeconfig, true, 'FileOrCreate')], cluster.scheduler.extraVolumes);
  return {
    component: 'kube-scheduler',
    image: imageOf(cluster, 'kube-scheduler')!,
    imagePullPolicy: init.nodeRegistration.imagePullPolicy,
    command: ['kube-scheduler', ...argumentsToCommand(base, extra)],
    env: componentEnv(host, cluster.scheduler.extraEnvs),
    ...probesOnBindAddress(cluster, extra, 10259, livez ? '/livez' : '/healthz', livez ? '/readyz' : undefined, init.timeouts.controlPlaneComponentHealthCheck),
    requests: { cpu: '100m' },
    volumes,
    volumeMounts: volumes,
  };
}

/** Controller-manager and scheduler probe 127.0.0.1 or their bind-address extraArg, over HTTPS. */
function probesOnBindAddress(cluster: ClusterConfiguration, extra: Arg[], port: number, live: string, ready: string | undefined, timeout: string) {
  const bind = argValue(extra, 'bind-address');
  const host = !bind || bind === '0.0.0.0' || bind === '::' ? '127.0.0.1' : bind;
  const named = usesNamedProbePort(cluster);
  const probe = (path: string) => ({ host, path, port: named ? 'probe-port' : port, scheme: 'HTTPS' as const });
  return {
    ...(named ? { probePort: port } : {}),
    livenessProbe: livenessProbe(probe(live)),
    ...(ready ? { readinessProbe: readinessProbe(probe(ready)) } : {}),
    startupProbe: startupProbe(probe(live), timeout),
  };
}

function etcd(config: KubebootConfig, host: HostView): ComponentPod {
  const { init, cluster } = config;
  const local = cluster.etcd.local!;
  const pki = cluster.certificatesDir;
  const node = init.nodeRegistration.name;
  const advertise = bracket(init.localAPIEndpoint.advertiseAddress);
  const loopback = ipFamily(init.localAPIEndpoint.advertiseAddress) === 6 ? '[::1]' : '127.0.0.1';
  const version = etcdImageVersion(cluster);
  const v36 = atLeast(version, 3, 6, 0);
  const base: Arg[] = [
    arg('advertise-client-urls', `https://${advertise}:2379`),
    arg('cert-file', `${pki}/etcd/server.crt`),
    arg('client-cert-auth', 'true'),
    arg('data-dir', local.dataDir),
    arg('initial-advertise-peer-urls', `https://${advertise}:2380`),
    arg('initial-cluster', `${node}=https://${advertise}:2380`),
    arg('key-file', `${pki}/etcd/server.key`),
    arg('listen-client-urls', `https://${loopback}:2379,https://${advertise}:2379`),
    arg('listen-metrics-urls', `http://${loopback}:2381`),
    arg('listen-peer-urls', `https://${advertise}:2380`),
    arg('name', node),
    arg('peer-cert-file', `${pki}/etcd/peer.crt`),
    arg('peer-client-cert-auth', 'true'),
    arg('peer-key-file', `${pki}/etcd/peer.key`),
    arg('peer-trusted-ca-file', `${pki}/etcd/ca.crt`),
    arg('snapshot-count', '10000'),
    arg('trusted-ca-file', `${pki}/etcd/ca.crt`),
    ...(v36
      ? [arg('feature-gates', 'InitialCorruptCheck=true'), arg('watch-progress-notify-interval', '5s')]
      : [arg('experimental-initial-corrupt-check', 'true'), arg('experimental-watch-progress-notify-interval', '5s')]),
  ];
  // Probes follow listen-metrics-urls when the user moves it (the first URL).
  const metrics = new URL((argValue(local.extraArgs, 'listen-metrics-urls') ?? `http://${loopback}:2381`).split(',')[0]!.trim());
  const probeHost = metrics.hostname.replace(/^\[|\]$/g, '');
  const probePort = Number(metrics.port || (metrics.protocol === 'https:' ? 443 : 80));
  const scheme = metrics.protocol === 'https:' ? 'HTTPS' : 'HTTP';
  const named = usesNamedProbePort(cluster);
  const probe = (path: string) => ({ host: probeHost, path, port: named ? 'probe-port' : probePort, scheme: scheme as Probe['scheme'] });
  // etcd has /livez and /readyz from 3.5.11; before that kubeadm probed /health (etcd 3.4 has nothing else).
  const modern = atLeast(version, 3, 5, 11);
  const dataVolume: Volume = { name: 'etcd-data', hostPath: local.dataDir, mountPath: local.dataDir, readOnly: false, pathType: 'DirectoryOrCreate' };
  const certsVolume: Volume = { name: 'etcd-certs', hostPath: `${pki}/etcd`, mountPath: `${pki}/etcd`, readOnly: false, pathType: 'DirectoryOrCreate' };
  return {
    component: 'etcd',
    image: imageOf(cluster, 'etcd')!,
    imagePullPolicy: init.nodeRegistration.imagePullPolicy,
    command: ['etcd', ...argumentsToCommand(base, local.extraArgs)],
    env: componentEnv({ ...host, env: {} }, local.extraEnvs),
    annotations: { 'kubeadm.kubernetes.io/etcd.advertise-client-urls': `https://${advertise}:2379` },
    ...(named ? { probePort } : {}),
    livenessProbe: livenessProbe(probe(modern ? '/livez' : '/health?exclude=NOSPACE&serializable=true')),
    ...(modern ? { readinessProbe: readinessProbe(probe('/readyz')) } : {}),
    startupProbe: startupProbe(probe(modern ? '/readyz' : '/health?serializable=false'), init.timeouts.controlPlaneComponentHealthCheck),
    requests: { cpu: '100m', memory: '100Mi' },
    volumes: [certsVolume, dataVolume],
    volumeMounts: [dataVolume, certsVolume],
  };
}

/** The control-plane pods of this configuration: no etcd with external etcd. */
export function componentPods(config: KubebootConfig, host: HostView): ComponentPod[] {
  const pods = [apiServer(config, host), controllerManager(config, host), scheduler(config, host)];
  if (config.cluster.etcd.local && !config.cluster.etcd.external) pods.unshift(etcd(config, host));
  return pods;
}
