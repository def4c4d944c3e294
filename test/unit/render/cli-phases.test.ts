import assert from 'node:assert/strict';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parse } from 'yaml';
import { kubeboot } from '../../support/cli.js';
import { fixture, tempDir } from '../../support/temp.js';

const CONFIG = `apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
localAPIEndpoint: {advertiseAddress: 10.0.0.10}
nodeRegistration: {name: cp-1}
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
---
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
staticPodPath: /srv/kubeboot/pods
`;

test('control-plane all and etcd local write four manifests into the staticPodPath of the KubeletConfiguration', async () => {
  const rootfs = await tempDir();
  const config = join(await tempDir({ 'kubeboot.yaml': CONFIG }), 'kubeboot.yaml');
  const controlPlane = await kubeboot(['init', 'phase', 'control-plane', 'all', '--config', config, '--rootfs', rootfs]);
  assert.equal(controlPlane.exitCode, 0, controlPlane.stderr);
  const etcd = await kubeboot(['init', 'phase', 'etcd', 'local', '--config', config, '--rootfs', rootfs]);
  assert.equal(etcd.exitCode, 0, etcd.stderr);
  const folder = join(rootfs, 'srv/kubeboot/pods');
  assert.deepEqual((await readdir(folder)).sort(), ['etcd.yaml', 'kube-apiserver.yaml', 'kube-controller-manager.yaml', 'kube-scheduler.yaml']);
  assert.equal((await stat(folder)).mode & 0o777, 0o700);
  for (const file of await readdir(folder)) {
    assert.equal((await stat(join(folder, file))).mode & 0o777, 0o600, file);
    const pod = parse(await readFile(join(folder, file), 'utf8')) as { kind: string; metadata: { name: string; namespace: string } };
    assert.equal(pod.kind, 'Pod');
    assert.equal(`${pod.metadata.name}.yaml`, file);
    assert.equal(pod.metadata.namespace, 'kube-system');
  }
  // The golden defaults are for the default folder; the content must be the same here.
  const golden = await readFile(fixture('golden', 'defaults', 'etc/kubernetes/manifests/kube-apiserver.yaml'), 'utf8');
  assert.equal(await readFile(join(folder, 'kube-apiserver.yaml'), 'utf8'), golden);
  await assert.rejects(stat(join(rootfs, 'etc/kubernetes/manifests')), 'nothing in the default folder');
});

test('--dry-run writes nothing and prints each file with its path', async () => {
  const rootfs = await tempDir();
  const result = await kubeboot(['init', 'phase', 'control-plane', 'scheduler', '--rootfs', rootfs, '--dry-run', '--apiserver-advertise-address', '10.0.0.10', '--node-name', 'cp-1']);
  assert.equal(result.exitCode, 0, result.stderr);
  assert.match(result.stdout, /\[dryrun\] Would write file "\/etc\/kubernetes\/manifests\/kube-scheduler\.yaml" with content:\n\tapiVersion: v1\n\tkind: Pod\n/);
  assert.deepEqual(await readdir(rootfs), []);
});

test('kubelet-start writes the KubeletConfiguration with kubeadm defaults under the user document', async () => {
  const rootfs = await tempDir();
  const config = join(await tempDir({ 'kubeboot.yaml': CONFIG }), 'kubeboot.yaml');
  const result = await kubeboot(['init', 'phase', 'kubelet-start', '--config', config, '--rootfs', rootfs]);
  // kubeadm's kubelet-start starts the kubelet: here the reconciler, detached, which reset stops again.
  after(() => kubeboot(['reset', '--force', '--rootfs', rootfs, '--config', config]));
  assert.equal(result.exitCode, 0, result.stderr);
  assert.match(result.stdout, /Started the reconciler \(pid \d+/);
  const kubelet = parse(await readFile(join(rootfs, 'var/lib/kubelet/config.yaml'), 'utf8')) as Record<string, unknown>;
  assert.equal(kubelet.staticPodPath, '/srv/kubeboot/pods');
  assert.equal(kubelet.healthzPort, 10248);
  assert.deepEqual(kubelet.clusterDNS, ['10.96.0.10']);
  assert.equal(kubelet.kind, 'KubeletConfiguration');
});

test('etcd local with external etcd fails with kubeadm’s message and exit code 1', async () => {
  const result = await kubeboot(['init', 'phase', 'etcd', 'local', '--config', fixture('render', 'external-etcd.yaml'), '--rootfs', await tempDir()]);
  assert.equal(result.exitCode, 1);
  assert.match(result.stderr, /^error: etcd static pod manifest cannot be generated for cluster using external etcd$/m);
});
