import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseKubernetesVersion } from '../../../src/config/versions.js';
import { etcdJoinOf, imageTag, manifestImage } from '../../../src/phases/upgrade/manifests.js';
import { checkSkew } from '../../../src/phases/upgrade/skew.js';
import { backupFolder } from '../../../src/phases/upgrade/swap.js';

const v = (text: string) => parseKubernetesVersion(text)!;

describe("upgrade: kubeadm's version skew policy", () => {
  test('one minor up, a patch up, one minor down (with a warning) are allowed', () => {
    assert.deepEqual(checkSkew(v('v1.33.5'), v('v1.34.2')), { errors: [], warnings: [] });
    assert.deepEqual(checkSkew(v('v1.34.2'), v('v1.34.3')), { errors: [], warnings: [] });
    assert.deepEqual(checkSkew(v('v1.34.2'), v('v1.33.5')).errors, []);
    assert.match(checkSkew(v('v1.34.2'), v('v1.33.5')).warnings.join(), /downgrade/);
  });

  test('a skipped minor, two minors down, an unsupported or pre-release target are refused', () => {
    assert.match(checkSkew(v('v1.32.0'), v('v1.34.2')).errors.join(), /skips a minor version: upgrade to v1\.33 first/);
    assert.match(checkSkew(v('v1.34.2'), v('v1.32.1')).errors.join(), /more than one minor version below/);
    assert.match(checkSkew(v('v1.34.2'), v('v1.35.0')).errors.join(), /not a version kubeboot can render manifests for/);
    assert.match(checkSkew(v('v1.34.2'), v('v1.34.3-rc.1')).errors.join(), /pre-release/);
  });
});

describe('upgrade: what manifests say', () => {
  const joined = `apiVersion: v1
kind: Pod
metadata: {name: etcd, namespace: kube-system}
spec:
  containers:
  - name: etcd
    image: registry.k8s.io/etcd:3.6.5-0
    command:
    - etcd
    - --initial-cluster=n1=https://10.0.0.1:2380,n2=https://10.0.0.2:2380
    - --initial-cluster-state=existing
    - --name=n2
`;

  test("a joined etcd member's --initial-cluster is kept for its new manifest; a first member has none to keep", () => {
    assert.deepEqual(etcdJoinOf(joined), { initialCluster: [{ name: 'n1', peerURL: 'https://10.0.0.1:2380' }, { name: 'n2', peerURL: 'https://10.0.0.2:2380' }] });
    assert.equal(etcdJoinOf(joined.replace('    - --initial-cluster-state=existing\n', '')), undefined);
  });

  test('image and tag', () => {
    assert.equal(manifestImage(joined), 'registry.k8s.io/etcd:3.6.5-0');
    assert.equal(imageTag('registry.k8s.io/etcd:3.6.5-0'), '3.6.5-0');
    assert.equal(imageTag('localhost:5000/kube-apiserver'), undefined);
  });

  test("backups are named as kubeadm names them: kubeadm-backup-<what>-YYYY-MM-DD-HH-MM-SS under /etc/kubernetes/tmp", () => {
    assert.equal(backupFolder('manifests', new Date(2026, 10, 30, 7, 5, 9)), '/etc/kubernetes/tmp/kubeadm-backup-manifests-2026-11-30-07-05-09');
    assert.match(backupFolder('etcd'), /^\/etc\/kubernetes\/tmp\/kubeadm-backup-etcd-\d{4}(-\d\d){5}$/);
  });
});
