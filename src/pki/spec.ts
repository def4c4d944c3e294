import { ipFamily, nthAddress, parseCidr } from '../util/ip.js';
import type { KubebootConfig } from '../config/types.js';

export type ExtendedUsage = 'serverAuth' | 'clientAuth';

/** One certificate kubeadm makes (phases/certs/certlist.go), as data. */
export interface CertificateSpec {
  /** kubeadm's name, used by `init phase certs <name>`, `certs renew <name>`. */
  name: string;
  /** Path under certificatesDir without extension: `ca`, `etcd/server`. */
  file: string;
  /** The CA that signs it; undefined for a CA. */
  ca?: string;
  commonName: string;
  organizations: string[];
  usages: ExtendedUsage[];
  dnsNames: string[];
  ipAddresses: string[];
}


function unique(values: string[]): string[] {
  return [...new Set(values)];
}

/** Splits SAN strings into IPs and DNS names, as kubeadm's appendSANsToAltNames does. */
function sortSans(sans: string[]): { dns: string[]; ips: string[] } {
  return {
    dns: sans.filter((san) => ipFamily(san) === undefined),
    ips: sans.filter((san) => ipFamily(san) !== undefined),
  };
}

/** The host part of `controlPlaneEndpoint` (`lb:6443`, `[fd00::1]:6443`, `10.0.0.5`). */
export function endpointHost(endpoint: string): string {
  if (!endpoint) return '';
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(endpoint);
  if (bracketed) return bracketed[1]!;
  if (ipFamily(endpoint) === 6) return endpoint;
  return endpoint.replace(/:\d+$/, '');
}

/** The port of `controlPlaneEndpoint`, if it names one. */
export function endpointPort(endpoint: string): number | undefined {
  if (!endpoint || ipFamily(endpoint) === 6) return undefined;
  const port = /:(\d+)$/.exec(endpoint.replace(/^\[[^\]]+\]/, ''))?.[1];
  return port ? Number(port) : undefined;
}

/** The API server's address in the service network: the first address of each service subnet. */
export function apiServiceAddresses(serviceSubnet: string): string[] {
  return serviceSubnet
    .split(',')
    .map((part) => parseCidr(part.trim()))
    .filter((cidr) => cidr !== undefined)
    .map((cidr) => nthAddress(cidr, 1));
}

/** Every certificate for this configuration, in kubeadm's order. The etcd ones only with local etcd. */
export function certificateSpecs(config: KubebootConfig): CertificateSpec[] {
  const { init, cluster } = config;
  const node = init.nodeRegistration.name;
  const advertise = init.localAPIEndpoint.advertiseAddress;
  const extra = sortSans([endpointHost(cluster.controlPlaneEndpoint), ...cluster.apiServer.certSANs].filter(Boolean));
  const base = { organizations: [] as string[], dnsNames: [] as string[], ipAddresses: [] as string[] };
  const ca = (name: string, file: string, commonName: string): CertificateSpec => ({
    ...base,
    name,
    file,
    commonName,
    usages: [],
    dnsNames: [commonName],
  });
  const specs: CertificateSpec[] = [
    ca('ca', 'ca', 'kubernetes'),
    {
      ...base,
      name: 'apiserver',
      file: 'apiserver',
      ca: 'ca',
      commonName: 'kube-apiserver',
      usages: ['serverAuth'],
      dnsNames: unique([
        node,
        'kubernetes',
        'kubernetes.default',
        'kubernetes.default.svc',
        `kubernetes.default.svc.${cluster.networking.dnsDomain}`,
        ...extra.dns,
      ]),
      ipAddresses: unique([...apiServiceAddresses(cluster.networking.serviceSubnet), advertise, ...extra.ips]),
    },
    {
      ...base,
      name: 'apiserver-kubelet-client',
      file: 'apiserver-kubelet-client',
      ca: 'ca',
      commonName: 'kube-apiserver-kubelet-client',
      organizations: ['kubeadm:cluster-admins'],
      usages: ['clientAuth'],
    },
    ca('front-proxy-ca', 'front-proxy-ca', 'front-proxy-ca'),
    { ...base, name: 'front-proxy-client', file: 'front-proxy-client', ca: 'front-proxy-ca', commonName: 'front-proxy-client', usages: ['clientAuth'] },
  ];
  const local = cluster.etcd.local;
  if (local && !cluster.etcd.external) {
    const etcdSans = { dns: [node, 'localhost'], ips: [advertise, '127.0.0.1', '::1'] };
    const server = sortSans(local.serverCertSANs);
    const peer = sortSans(local.peerCertSANs);
    specs.push(
      ca('etcd-ca', 'etcd/ca', 'etcd-ca'),
      {
        ...base,
        name: 'etcd-server',
        file: 'etcd/server',
        ca: 'etcd-ca',
        commonName: node,
        usages: ['serverAuth', 'clientAuth'],
        dnsNames: unique([...etcdSans.dns, ...server.dns]),
        ipAddresses: unique([...etcdSans.ips, ...server.ips]),
      },
      {
        ...base,
        name: 'etcd-peer',
        file: 'etcd/peer',
        ca: 'etcd-ca',
        commonName: node,
        usages: ['serverAuth', 'clientAuth'],
        dnsNames: unique([...etcdSans.dns, ...peer.dns]),
        ipAddresses: unique([...etcdSans.ips, ...peer.ips]),
      },
      { ...base, name: 'etcd-healthcheck-client', file: 'etcd/healthcheck-client', ca: 'etcd-ca', commonName: 'kube-etcd-healthcheck-client', usages: ['clientAuth'] },
      { ...base, name: 'apiserver-etcd-client', file: 'apiserver-etcd-client', ca: 'etcd-ca', commonName: 'kube-apiserver-etcd-client', usages: ['clientAuth'] },
    );
  }
  return specs;
}

/** One kubeconfig file kubeadm writes (phases/kubeconfig), with the client certificate it embeds. */
export interface KubeconfigSpec {
  /** `admin`, `super-admin`, `kubelet`, `controller-manager`, `scheduler`. */
  name: string;
  file: string;
  user: string;
  organizations: string[];
  server: string;
}

function hostPort(host: string, port: number): string {
  return `https://${ipFamily(host) === 6 ? `[${host}]` : host}:${port}`;
}

export function kubeconfigSpecs(config: KubebootConfig): KubeconfigSpec[] {
  const { init, cluster } = config;
  const local = hostPort(init.localAPIEndpoint.advertiseAddress, init.localAPIEndpoint.bindPort);
  let external = local;
  if (cluster.controlPlaneEndpoint) {
    const host = endpointHost(cluster.controlPlaneEndpoint);
    external = hostPort(host, endpointPort(cluster.controlPlaneEndpoint) ?? init.localAPIEndpoint.bindPort);
  }
  return [
    { name: 'admin', file: 'admin.conf', user: 'kubernetes-admin', organizations: ['kubeadm:cluster-admins'], server: external },
    { name: 'super-admin', file: 'super-admin.conf', user: 'kubernetes-super-admin', organizations: ['system:masters'], server: external },
    { name: 'kubelet', file: 'kubelet.conf', user: `system:node:${init.nodeRegistration.name}`, organizations: ['system:nodes'], server: external },
    { name: 'controller-manager', file: 'controller-manager.conf', user: 'system:kube-controller-manager', organizations: [], server: local },
    { name: 'scheduler', file: 'scheduler.conf', user: 'system:kube-scheduler', organizations: [], server: local },
  ];
}
