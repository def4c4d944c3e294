import type { Arg, ClusterConfiguration, EnvVar, HostPathMount, HostPathType } from '../config/types.js';
import { etcdVersionFor, parseKubernetesVersion } from '../config/versions.js';
import type { ComponentName } from '../util/constants.js';
import { parseGoDuration } from '../util/duration.js';
import { ipFamily } from '../util/ip.js';
import { argValue } from './arguments.js';
import { parseEtcdVersion } from './etcd-version.js';

// The parts the control-plane pods are made of: their types, kubeadm's probes and volumes.

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

export const CA_CERT_DIRS = ['/etc/pki/ca-trust', '/etc/pki/tls/certs', '/etc/ca-certificates', '/usr/share/ca-certificates', '/usr/local/share/ca-certificates'];
export const FLEXVOLUME_DIR = '/usr/libexec/kubernetes/kubelet-plugins/volume/exec';
export const PROXY_VARS = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'NO_PROXY', 'no_proxy'];
export const AUTHZ_MODES = ['Node', 'RBAC', 'ABAC', 'AlwaysAllow', 'AlwaysDeny', 'Webhook'];

export const arg = (name: string, value: string): Arg => ({ name, value });
export const bracket = (address: string) => (ipFamily(address) === 6 ? `[${address}]` : address);

export function livenessProbe(base: Omit<Probe, 'timeoutSeconds' | 'periodSeconds' | 'failureThreshold'>): Probe {
  return { ...base, initialDelaySeconds: 10, timeoutSeconds: 15, periodSeconds: 10, failureThreshold: 8 };
}
export function readinessProbe(base: Omit<Probe, 'timeoutSeconds' | 'periodSeconds' | 'failureThreshold'>): Probe {
  return { ...base, timeoutSeconds: 15, periodSeconds: 1, failureThreshold: 3 };
}
export function startupProbe(base: Omit<Probe, 'timeoutSeconds' | 'periodSeconds' | 'failureThreshold'>, healthCheckTimeout: string): Probe {
  // kubeadm: as many 10 s periods as fit in the control-plane health-check timeout.
  const ms = parseGoDuration(healthCheckTimeout) ?? 240_000;
  return { ...base, initialDelaySeconds: 10, timeoutSeconds: 15, periodSeconds: 10, failureThreshold: Math.max(1, Math.ceil(ms / 10_000)) };
}

export function volume(name: string, path: string, readOnly: boolean, pathType: HostPathType = 'DirectoryOrCreate'): Volume {
  return { name, hostPath: path, mountPath: path, readOnly, pathType };
}

/** extraVolumes are added; one with the name of a kubeadm volume replaces it. */
export function withExtraVolumes(base: Volume[], extra: HostPathMount[]): Volume[] {
  const byName = new Map(base.map((v) => [v.name, v]));
  for (const mount of extra) {
    byName.set(mount.name, { name: mount.name, hostPath: mount.hostPath, mountPath: mount.mountPath, readOnly: mount.readOnly, pathType: mount.pathType });
  }
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** /etc/ssl/certs always, and the distributions' CA folders that exist on this host. */
export function caCertVolumes(host: HostView): Volume[] {
  return [
    volume('ca-certs', '/etc/ssl/certs', true),
    ...CA_CERT_DIRS.filter((dir) => host.exists(dir)).map((dir) => volume(dir.slice(1).replaceAll('/', '-'), dir, true)),
  ];
}

/** kubeadm's own proxy variables, then extraEnvs (same name replaces), sorted by name. */
export function componentEnv(host: HostView, extra: EnvVar[]): EnvVar[] {
  const byName = new Map<string, EnvVar>();
  for (const name of PROXY_VARS) {
    const value = host.env[name];
    if (value) byName.set(name, { name, value });
  }
  for (const env of extra) byName.set(env.name, env);
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function usesNamedProbePort(cluster: ClusterConfiguration): boolean {
  const version = parseKubernetesVersion(cluster.kubernetesVersion);
  return version !== undefined && version.minor >= 34;
}

/** The etcd version of the image that will run: the imageTag, else the one kubeadm pairs with the version. */
export function etcdImageVersion(cluster: ClusterConfiguration) {
  const version = parseKubernetesVersion(cluster.kubernetesVersion) ?? parseKubernetesVersion('v1.34.0')!;
  return parseEtcdVersion(cluster.etcd.local?.imageTag || etcdVersionFor(version)) ?? { major: 3, minor: 6, patch: 0 };
}

/** Controller-manager and scheduler probe 127.0.0.1 or their bind-address extraArg, over HTTPS. */
export function probesOnBindAddress(cluster: ClusterConfiguration, extra: Arg[], port: number, live: string, ready: string | undefined, timeout: string) {
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
