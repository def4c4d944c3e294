import { posix } from 'node:path';
import { defaults } from '../config/defaults.js';
import { imageOf } from '../config/images.js';
import type { Arg, KubebootConfig } from '../config/types.js';
import { parseKubernetesVersion } from '../config/versions.js';
import { ipFamily } from '../util/ip.js';
import { argumentsToCommand, argValue } from './arguments.js';

import {
  arg,
  AUTHZ_MODES,
  bracket,
  CA_CERT_DIRS,
  caCertVolumes,
  componentEnv,
  FLEXVOLUME_DIR,
  livenessProbe,
  probesOnBindAddress,
  readinessProbe,
  startupProbe,
  usesNamedProbePort,
  volume,
  withExtraVolumes,
  type ComponentPod,
  type HostView,
  type Volume,
} from './component-parts.js';
import { etcdPod, type EtcdJoin } from './etcd-pod.js';

export type { Component, ComponentPod, HostView, Probe, Volume } from './component-parts.js';

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

/** The control-plane pods of this configuration: no etcd with external etcd. */
export function componentPods(config: KubebootConfig, host: HostView, etcdJoin?: EtcdJoin): ComponentPod[] {
  const pods = [apiServer(config, host), controllerManager(config, host), scheduler(config, host)];
  if (config.cluster.etcd.local && !config.cluster.etcd.external) pods.unshift(etcdPod(config, host, etcdJoin));
  return pods;
}

