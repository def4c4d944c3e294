import { isAbsolute } from 'node:path';
import { DNS1123_SUBDOMAIN, isDnsLabel, isDnsSubdomain, isQualifiedName, LABEL_VALUE } from '../util/names.js';
import { cidrsOverlap, ipFamily, ipRange, parseCidr, type Cidr } from '../util/ip.js';
import { show } from './problems.js';
import type { PathSegment } from './source.js';
import type { Arg, ClusterConfiguration, ControlPlaneComponent, InitConfiguration, KubebootConfig } from './types.js';
import { isSupported, parseKubernetesVersion, SUPPORTED_RANGE } from './versions.js';
import { parseGoDuration } from '../util/duration.js';
import { isGoDuration } from './schema.js';
import { validateManagedFolders } from './validate-folders.js';
import { validateReferences } from './validate-references.js';

export interface SemanticProblem {
  severity: 'error' | 'warning';
  /** Starts with the kind: ['ClusterConfiguration', 'networking', 'podSubnet']. */
  path: PathSegment[];
  message: string;
}

type Report = (path: PathSegment[], message: string, severity?: 'error' | 'warning') => void;

/** kubeadm's ValidateCertSANs: an IP address, a DNS-1123 subdomain, or a wildcard one ("*.example.com"). */
function isCertSAN(san: string): boolean {
  return ipFamily(san) !== undefined || isDnsSubdomain(san.replace(/^\*\./, ''));
}
const PATH_TYPES = ['', 'DirectoryOrCreate', 'Directory', 'FileOrCreate', 'File', 'Socket', 'CharDevice', 'BlockDevice'];
const ENCRYPTION_ALGORITHMS = ['RSA-2048', 'RSA-3072', 'RSA-4096', 'ECDSA-P256', 'ECDSA-P384'];
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
/** kubeadm: a service subnet may have at most 20 host bits (MaximumBitsForServiceSubnet). */
const MAX_SERVICE_SUBNET_HOST_BITS = 20;
/** 9999-12-31T23:59:59Z: the last time an X.509 certificate can hold. */
const X509_LAST_TIME = Date.UTC(9999, 11, 31, 23, 59, 59);

/** Every semantic problem of a defaulted configuration, in one pass. */
export function validateConfig(config: KubebootConfig): SemanticProblem[] {
  const problems: SemanticProblem[] = [];
  const report: Report = (path, message, severity = 'error') => problems.push({ severity, path, message });
  validateInit(config.init, report);
  validateCluster(config.cluster, report);
  validateKubelet(config.kubelet, report);
  validateManagedFolders(config, report);
  validateReferences(config, report);
  return problems;
}

function validateInit(init: InitConfiguration, report: Report): void {
  const at = (...path: PathSegment[]) => ['InitConfiguration', ...path];
  const { name } = init.nodeRegistration;
  if (!isDnsSubdomain(name)) {
    report(at('nodeRegistration', 'name'), `got ${show(name)}, expected a DNS-1123 subdomain (lower-case letters, digits, '-' and '.', at most 253 characters)`);
  }
  if (!PULL_POLICIES.includes(init.nodeRegistration.imagePullPolicy)) {
    report(at('nodeRegistration', 'imagePullPolicy'), `got ${show(init.nodeRegistration.imagePullPolicy)}, expected one of ${PULL_POLICIES.join(', ')}`);
  }
  init.nodeRegistration.taints.forEach((taint, i) => {
    if (!taint.key) report(at('nodeRegistration', 'taints', i, 'key'), 'a taint needs a key');
    else if (!isQualifiedName(taint.key)) report(at('nodeRegistration', 'taints', i, 'key'), `got ${show(taint.key)}, expected a qualified name ([prefix/]name: a name of at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit; the prefix a DNS subdomain)`);
    if (taint.value !== undefined && taint.value !== '' && (taint.value.length > 63 || !LABEL_VALUE.test(taint.value))) {
      report(at('nodeRegistration', 'taints', i, 'value'), `got ${show(taint.value)}, expected at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit`);
    }
    if (!TAINT_EFFECTS.includes(taint.effect)) {
      report(at('nodeRegistration', 'taints', i, 'effect'), `got ${show(taint.effect)}, expected one of ${TAINT_EFFECTS.join(', ')}`);
    }
  });
  validateArgs(init.nodeRegistration.kubeletExtraArgs, at('nodeRegistration', 'kubeletExtraArgs'), report);

  const { advertiseAddress, bindPort } = init.localAPIEndpoint;
  if (advertiseAddress === '') {
    report(
      at('localAPIEndpoint', 'advertiseAddress'),
      'no address given and none could be detected (no default route); expected the IP address the API server is reached at (--apiserver-advertise-address)',
    );
  } else if (ipFamily(advertiseAddress) === undefined) {
    report(at('localAPIEndpoint', 'advertiseAddress'), `got ${show(advertiseAddress)}, expected an IPv4 or IPv6 address`);
  } else if (['multicast', 'broadcast', 'linkLocal'].includes(ipRange(advertiseAddress))) {
    report(at('localAPIEndpoint', 'advertiseAddress'), `got ${show(advertiseAddress)} (a ${ipRange(advertiseAddress)} address), expected a unicast address`);
  }
  validatePort(bindPort, at('localAPIEndpoint', 'bindPort'), report);

  if (init.patches && init.patches.directory.trim() === '') report(at('patches', 'directory'), 'expected the path of a folder of patch files');
  for (const [field, value] of Object.entries(init.timeouts)) {
    if (!isGoDuration(value)) report(at('timeouts', field), `got ${show(value)}, expected a duration such as "4m0s"`);
  }
}

function validateCluster(cluster: ClusterConfiguration, report: Report): void {
  const at = (...path: PathSegment[]) => ['ClusterConfiguration', ...path];

  const version = parseKubernetesVersion(cluster.kubernetesVersion);
  if (!version) {
    report(at('kubernetesVersion'), `got ${show(cluster.kubernetesVersion)}, expected a version such as "v1.34.2"`);
  } else if (!isSupported(version)) {
    report(at('kubernetesVersion'), `got ${show(cluster.kubernetesVersion)}, expected a version kubeboot supports: ${SUPPORTED_RANGE}`);
  }

  const services = validateSubnets(cluster.networking.serviceSubnet, at('networking', 'serviceSubnet'), report, true);
  const pods = cluster.networking.podSubnet ? validateSubnets(cluster.networking.podSubnet, at('networking', 'podSubnet'), report, false) : undefined;
  if (services && pods) {
    const families = (cidrs: Cidr[]) => cidrs.map((c) => c.family).sort().join('+');
    if (families(services) !== families(pods)) {
      report(
        at('networking', 'podSubnet'),
        `is ${describeFamilies(pods)} but the service subnet is ${describeFamilies(services)}; expected the same IP families (both single-stack of one family, or both dual-stack)`,
      );
    }
    for (const service of services) {
      for (const pod of pods) {
        if (cidrsOverlap(service, pod)) report(at('networking', 'podSubnet'), `${pod.text} overlaps the service subnet ${service.text}; expected disjoint ranges`);
      }
    }
  }
  if (!isDnsSubdomain(cluster.networking.dnsDomain)) {
    report(at('networking', 'dnsDomain'), `got ${show(cluster.networking.dnsDomain)}, expected a DNS domain such as "cluster.local"`);
  }

  if (cluster.controlPlaneEndpoint) validateEndpoint(cluster.controlPlaneEndpoint, at('controlPlaneEndpoint'), report);

  const { local, external } = cluster.etcd;
  if (local && external) {
    report(at('etcd'), 'both etcd.local and etcd.external are set; expected one of them (external etcd: remove etcd.local)');
  }
  if (local) {
    validateAbsolutePath(local.dataDir, at('etcd', 'local', 'dataDir'), report);
    validateArgs(local.extraArgs, at('etcd', 'local', 'extraArgs'), report);
  }
  if (external) {
    if (external.endpoints.length === 0) report(at('etcd', 'external', 'endpoints'), 'expected at least one etcd endpoint such as "https://10.0.0.5:2379"');
    external.endpoints.forEach((endpoint, i) => {
      if (!/^https?:\/\/[^/\s]+/.test(endpoint)) report(at('etcd', 'external', 'endpoints', i), `got ${show(endpoint)}, expected a URL such as "https://10.0.0.5:2379"`);
    });
    if (Boolean(external.certFile) !== Boolean(external.keyFile)) {
      const missing = external.certFile ? 'keyFile' : 'certFile';
      report(at('etcd', 'external', missing), `is missing; expected both certFile and keyFile, or neither`);
    }
    for (const field of ['caFile', 'certFile', 'keyFile'] as const) {
      if (external[field]) validateAbsolutePath(external[field], at('etcd', 'external', field), report);
    }
  }

  for (const name of ['apiServer', 'controllerManager', 'scheduler'] as const) {
    validateComponent(cluster[name], at(name), report);
  }
  const sans: Array<[PathSegment[], string[]]> = [[at('apiServer', 'certSANs'), cluster.apiServer.certSANs]];
  if (local) sans.push([at('etcd', 'local', 'serverCertSANs'), local.serverCertSANs], [at('etcd', 'local', 'peerCertSANs'), local.peerCertSANs]);
  for (const [path, list] of sans) {
    list.forEach((san, i) => {
      if (!isCertSAN(san)) report([...path, i], `got ${show(san)}, expected an IP address or a DNS name`);
    });
  }

  validateAbsolutePath(cluster.certificatesDir, at('certificatesDir'), report);
  // kubeadm takes any name; one beyond a DNS name's length (it names the cluster in every kubeconfig) is a mistake.
  if (cluster.clusterName.length > 253 || (!DNS1123_SUBDOMAIN.test(cluster.clusterName) && !/^[A-Za-z0-9][-A-Za-z0-9_.]*$/.test(cluster.clusterName))) {
    report(at('clusterName'), `got ${show(cluster.clusterName)}, expected a name of at most 253 letters, digits, '-', '_' and '.'`);
  }
  if (!ENCRYPTION_ALGORITHMS.includes(cluster.encryptionAlgorithm)) {
    report(at('encryptionAlgorithm'), `got ${show(cluster.encryptionAlgorithm)}, expected one of ${ENCRYPTION_ALGORITHMS.join(', ')}`);
  }
  for (const field of ['certificateValidityPeriod', 'caCertificateValidityPeriod'] as const) {
    const ms = isGoDuration(cluster[field]) ? parseGoDuration(cluster[field]) : undefined;
    if (ms === undefined) report(at(field), `got ${show(cluster[field])}, expected a duration such as "8760h0m0s"`);
    else if (ms <= 0) report(at(field), `got ${show(cluster[field])}, expected a positive duration`);
    // X.509 times end with the year 9999; later dates are written as garbage some tools misread.
    else if (Date.now() + ms > X509_LAST_TIME) report(at(field), `got ${show(cluster[field])}: certificates would expire after the year 9999, the last time X.509 can write; expected a shorter period`);
  }
}

/** The KubeletConfiguration's own rules: shared by `config validate`, `init` and `kubeboot kubelet`. */
export function kubeletProblems(kubelet: Record<string, unknown>): SemanticProblem[] {
  const problems: SemanticProblem[] = [];
  validateKubelet(kubelet, (path, message, severity = 'error') => problems.push({ severity, path, message }));
  return problems;
}

/** Durations the kubelet refuses when they are not positive (its ValidateKubeletConfiguration). */
const POSITIVE_DURATIONS: PathSegment[][] = [['fileCheckFrequency'], ['httpCheckFrequency'], ['syncFrequency'], ['crashLoopBackOff', 'maxContainerRestartPeriod'], ['crashLoopBackOff', 'initialContainerRestartPeriod']];

function validateKubelet(kubelet: Record<string, unknown>, report: Report): void {
  const at = (...path: PathSegment[]) => ['KubeletConfiguration', ...path];
  for (const path of POSITIVE_DURATIONS) {
    let value: unknown = kubelet;
    for (const key of path) value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[String(key)] : undefined;
    if (typeof value === 'string' && isGoDuration(value) && !((parseGoDuration(value) ?? 0) > 0)) report(at(...path), `got ${show(value)}, expected a positive duration such as "20s"`);
  }
  // The kubelet's ValidateKubeletConfiguration ranges (validation.go).
  const ranges: Array<[string, number, number]> = [['maxPods', 0, Number.MAX_SAFE_INTEGER], ['port', 1, 65535], ['readOnlyPort', 0, 65535], ['imageGCHighThresholdPercent', 0, 100], ['imageGCLowThresholdPercent', 0, 100], ['podPidsLimit', -1, Number.MAX_SAFE_INTEGER], ['nodeLeaseDurationSeconds', 1, Number.MAX_SAFE_INTEGER]];
  for (const [field, min, max] of ranges) {
    const value = kubelet[field];
    if (typeof value === 'number' && (value < min || value > max)) report(at(field), `got ${value}, expected ${max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `${min} to ${max}`}`);
  }
  if (typeof kubelet.staticPodURL === 'string' && kubelet.staticPodURL !== '' && !/^https?:\/\//.test(kubelet.staticPodURL)) {
    report(at('staticPodURL'), `got ${show(kubelet.staticPodURL)}, expected an http:// or https:// URL`);
  }
  if (typeof kubelet.staticPodPath === 'string') validateAbsolutePath(kubelet.staticPodPath, at('staticPodPath'), report);
  if (Array.isArray(kubelet.clusterDNS)) {
    kubelet.clusterDNS.forEach((address, i) => {
      if (typeof address !== 'string' || ipFamily(address) === undefined) report(at('clusterDNS', i), `got ${show(address)}, expected an IP address such as "10.96.0.10"`);
    });
  }
  if (typeof kubelet.healthzPort === 'number' && kubelet.healthzPort !== 0) validatePort(kubelet.healthzPort, at('healthzPort'), report);
  if (typeof kubelet.healthzBindAddress === 'string' && ipFamily(kubelet.healthzBindAddress) === undefined) {
    report(at('healthzBindAddress'), `got ${show(kubelet.healthzBindAddress)}, expected an IP address such as "127.0.0.1"`);
  }
}

function validateComponent(component: ControlPlaneComponent, path: PathSegment[], report: Report): void {
  validateArgs(component.extraArgs, [...path, 'extraArgs'], report);
  const names = new Set<string>();
  component.extraVolumes.forEach((volume, i) => {
    const at = (...rest: PathSegment[]) => [...path, 'extraVolumes', i, ...rest];
    if (!volume.name) report(at('name'), 'is missing; expected a volume name');
    else if (!isDnsLabel(volume.name)) report(at('name'), `got ${show(volume.name)}, expected a DNS-1123 label (at most 63 lower-case letters, digits and '-')`);
    else if (names.has(volume.name)) report(at('name'), `${show(volume.name)} is used twice; expected unique volume names`);
    names.add(volume.name);
    if (!volume.hostPath) report(at('hostPath'), 'is missing; expected an absolute path on the host');
    else validateAbsolutePath(volume.hostPath, at('hostPath'), report);
    if (!volume.mountPath) report(at('mountPath'), 'is missing; expected an absolute path in the container');
    else validateAbsolutePath(volume.mountPath, at('mountPath'), report);
    if (!PATH_TYPES.includes(volume.pathType)) {
      report(at('pathType'), `got ${show(volume.pathType)}, expected one of ${PATH_TYPES.filter(Boolean).join(', ')} (or nothing)`);
    }
  });
  component.extraEnvs.forEach((env, i) => {
    if (!/^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(env.name)) report([...path, 'extraEnvs', i, 'name'], `got ${show(env.name)}, expected an environment variable name`);
  });
}

function validateArgs(args: Arg[], path: PathSegment[], report: Report): void {
  args.forEach((arg, i) => {
    if (!arg.name) report([...path, i, 'name'], 'is missing; expected a flag name such as "v"');
    else if (arg.name.startsWith('-')) report([...path, i, 'name'], `got ${show(arg.name)}, expected the flag name without leading dashes (${show(arg.name.replace(/^-+/, ''))})`);
    else if (/[\s=]/.test(arg.name)) report([...path, i, 'name'], `got ${show(arg.name)}, expected a flag name without spaces or '='`);
  });
}

function validateSubnets(text: string, path: PathSegment[], report: Report, isService: boolean): Cidr[] | undefined {
  const parts = text.split(',').map((part) => part.trim());
  const cidrs: Cidr[] = [];
  for (const part of parts) {
    const cidr = parseCidr(part);
    if (!cidr) {
      report(path, `${show(part)} is not a CIDR; expected e.g. "10.96.0.0/12" or "fd00::/108", or two of them (IPv4 and IPv6) separated by a comma`);
      return undefined;
    }
    cidrs.push(cidr);
  }
  if (cidrs.length > 2 || (cidrs.length === 2 && cidrs[0]!.family === cidrs[1]!.family)) {
    report(path, `got ${show(text)}, expected one CIDR, or two of different families (dual-stack)`);
    return undefined;
  }
  if (isService) {
    for (const cidr of cidrs) {
      const hostBits = (cidr.family === 4 ? 32 : 128) - cidr.prefix;
      if (hostBits > MAX_SERVICE_SUBNET_HOST_BITS) {
        report(path, `${cidr.text} is too large (${hostBits} host bits); expected at most ${MAX_SERVICE_SUBNET_HOST_BITS} host bits (e.g. /12 for IPv4, /108 for IPv6)`);
      }
    }
  }
  return cidrs;
}

function describeFamilies(cidrs: Cidr[]): string {
  if (cidrs.length === 2) return 'dual-stack';
  return cidrs[0]?.family === 6 ? 'IPv6' : 'IPv4';
}

function validatePort(port: number, path: PathSegment[], report: Report): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) report(path, `got ${show(port)}, expected a port from 1 to 65535`);
}

function validateAbsolutePath(path: string, at: PathSegment[], report: Report): void {
  if (!isAbsolute(path)) report(at, `got ${show(path)}, expected an absolute path`);
  else if (path.includes('\0')) report(at, 'contains a NUL character');
  else if (path.split('/').includes('..')) report(at, `got ${show(path)}, expected an absolute path without '..'`);
}

function validateEndpoint(endpoint: string, path: PathSegment[], report: Report): void {
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(endpoint);
  const host = match?.[1]?.replace(/^\[|\]$/g, '');
  if (!match || !host || (ipFamily(host) === undefined && !isDnsSubdomain(host))) {
    report(path, `got ${show(endpoint)}, expected host[:port], e.g. "lb.example.com:6443" or "[fd00::10]:6443"`);
    return;
  }
  if (match[2] !== undefined) validatePort(Number(match[2]), path, report);
}
