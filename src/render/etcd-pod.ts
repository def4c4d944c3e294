import { imageOf } from '../config/images.js';
import type { Arg, KubebootConfig } from '../config/types.js';
import { ipFamily } from '../util/ip.js';
import { argumentsToCommand, argValue } from './arguments.js';
import { arg, bracket, componentEnv, etcdImageVersion, livenessProbe, readinessProbe, startupProbe, usesNamedProbePort, type ComponentPod, type HostView, type Probe, type Volume } from './component-parts.js';
import { atLeast } from './etcd-version.js';

/** A member joining a running etcd cluster: every member, this one included, as name=peerURL pairs. */
export interface EtcdJoin {
  initialCluster: Array<{ name: string; peerURL: string }>;
}

/**
 * kubeadm's local etcd static pod (its etcd.go): one member, its data and certificates mounted. A
 * joining member lists the whole cluster in --initial-cluster and says --initial-cluster-state=existing.
 */
export function etcdPod(config: KubebootConfig, host: HostView, join?: EtcdJoin): ComponentPod {
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
    arg('initial-cluster', join ? join.initialCluster.map((m) => `${m.name}=${m.peerURL}`).join(',') : `${node}=https://${advertise}:2380`),
    ...(join ? [arg('initial-cluster-state', 'existing')] : []),
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

