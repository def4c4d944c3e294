import { join } from 'node:path';
import { images } from './docker.js';
import { tempDir } from './temp.js';

/** A control-plane node of a test cluster on this one machine: its own root, name and loopback address. */
export interface TestNode {
  name: string;
  ip: string;
  root: string;
  patches: string;
}

/**
 * kubeadm patches (the user's tool for per-node changes) that move what kubeadm binds to 127.0.0.1 onto
 * the node's own loopback address, so that several control-plane nodes share one machine. The Kubernetes
 * components take the last value of a repeated flag (pflag), so a flag is appended; etcd adds up repeated
 * URL flags instead, so its two are replaced in place — at the index kubeadm's sorted arguments put them,
 * one further on a joining member (--initial-cluster-state sorts before them), guarded by a JSON patch
 * `test` so that a change of the rendering fails loudly. Probes follow by strategic merge.
 */
export function loopbackPatches(ip: string, role: 'init' | 'join'): Record<string, string> {
  const probes = (container: string, kinds: string[]) => `spec:\n  containers:\n  - name: ${container}\n${kinds.map((k) => `    ${k}: {httpGet: {host: "${ip}"}}\n`).join('')}`;
  const append = (...flags: string[]) => flags.map((flag) => `- {op: add, path: /spec/containers/0/command/-, value: "${flag}"}\n`).join('');
  const at = role === 'init' ? 10 : 11;
  const replace = (index: number, from: string, to: string) => `- {op: test, path: /spec/containers/0/command/${index}, value: "${from}"}\n- {op: replace, path: /spec/containers/0/command/${index}, value: "${to}"}\n`;
  return {
    'etcd+json.yaml':
      replace(at, `--listen-client-urls=https://127.0.0.1:2379,https://${ip}:2379`, `--listen-client-urls=https://${ip}:2379`) +
      replace(at + 1, '--listen-metrics-urls=http://127.0.0.1:2381', `--listen-metrics-urls=http://${ip}:2381`),
    'etcd0.yaml': probes('etcd', ['livenessProbe', 'startupProbe']),
    'kube-apiserver+json.yaml': append(`--bind-address=${ip}`, `--etcd-servers=https://${ip}:2379`),
    'kube-controller-manager+json.yaml': append(`--bind-address=${ip}`),
    'kube-controller-manager0.yaml': probes('kube-controller-manager', ['livenessProbe', 'startupProbe']),
    'kube-scheduler+json.yaml': append(`--bind-address=${ip}`),
    'kube-scheduler0.yaml': probes('kube-scheduler', ['livenessProbe', 'readinessProbe', 'startupProbe']),
    'kubeletconfiguration+merge.yaml': `healthzBindAddress: "${ip}"\n`,
  };
}

export async function testNode(name: string, ip: string, role: 'init' | 'join'): Promise<TestNode> {
  const patches = await tempDir(loopbackPatches(ip, role));
  const root = await tempDir({});
  return { name, ip, root, patches };
}

/** The first node's configuration: stand-in images, the local etcd, the cluster's stable endpoint at node 1. */
export function firstNodeConfig(node: TestNode): string {
  return `apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
nodeRegistration:
  name: ${node.name}
localAPIEndpoint:
  advertiseAddress: ${node.ip}
patches:
  directory: ${node.patches}
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
controlPlaneEndpoint: ${node.ip}:6443
imageRepository: kubeboot.local
encryptionAlgorithm: ECDSA-P256
etcd:
  local:
    imageTag: ${images.etcd.split(':')[1]}
`;
}

export const configPath = (node: TestNode) => join(node.root, 'kubeboot.yaml');
