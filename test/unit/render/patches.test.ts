import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { applyPatches, readPatches } from '../../../src/render/patches.js';
import { kubeboot } from '../../support/cli.js';
import { tempDir } from '../../support/temp.js';

const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'kube-apiserver', namespace: 'kube-system' },
  spec: {
    containers: [
      { name: 'kube-apiserver', image: 'a:1', command: ['kube-apiserver', '--v=2'], volumeMounts: [{ name: 'k8s-certs', mountPath: '/etc/kubernetes/pki' }], env: [{ name: 'A', value: '1' }] },
      { name: 'sidecar', image: 's:1' },
    ],
    volumes: [{ name: 'k8s-certs', hostPath: { path: '/etc/kubernetes/pki' } }],
  },
};

test('patch files are read as kubeadm reads them: names, types, order, what is ignored, what is fatal', async () => {
  const dir = await tempDir({
    'kube-apiserver+json.yaml': '- op: add\n  path: /spec/containers/0/command/-\n  value: --bind-address=127.0.0.12\n',
    'kube-apiserver0+merge.yaml': 'metadata:\n  labels: {patched: "yes"}\n',
    'etcd.yaml': 'spec:\n  containers:\n  - name: etcd\n    image: e:2\n---\nmetadata:\n  annotations: {two: documents}\n',
    'kube-scheduler.yml': 'spec: {}\n',
    'coredns.yaml': 'spec: {}\n',
    'sub/kubeletconfiguration+strategic.json': '{"healthzPort": 10348}',
  });
  const set = await readPatches(dir);
  assert.deepEqual(set.files.map((f) => [f.file, f.target, f.type, f.patches.length]), [
    ['etcd.yaml', 'etcd', 'strategic', 2],
    ['kube-apiserver+json.yaml', 'kube-apiserver', 'json', 1],
    ['kube-apiserver0+merge.yaml', 'kube-apiserver', 'merge', 1],
    ['sub/kubeletconfiguration+strategic.json', 'kubeletconfiguration', 'strategic', 1],
  ]);
  assert.equal(set.ignored.length, 2);
  assert.match(set.ignored.join('\n'), /Ignoring file "coredns\.yaml": unknown target[\s\S]*Ignoring file "kube-scheduler\.yml": the file extension must be one of \[json yaml\]/);
  const bad = await tempDir({ 'etcd+bogus.yaml': 'spec: {}\n', 'kube-scheduler.yaml': 'spec: [unclosed\n' });
  await assert.rejects(readPatches(bad), (err: Error & { details: string[] }) => {
    assert.match(err.details.join('\n'), /etcd\+bogus\.yaml: unknown or missing patch type after '\+', must be one of \[json merge strategic\]/);
    assert.match(err.details.join('\n'), /kube-scheduler\.yaml:\d+:\d+: /);
    return true;
  });
  await assert.rejects(readPatches(join(dir, 'etcd.yaml')), /is not a folder/);
});

test('strategic merge merges containers by name, volumeMounts by mountPath, env by name; $patch: delete removes; other lists are replaced', async () => {
  const dir = await tempDir({
    'kube-apiserver.yaml': `spec:
  containers:
  - name: kube-apiserver
    image: a:2
    env:
    - {name: B, value: "2"}
    volumeMounts:
    - {name: extra, mountPath: /etc/extra}
  - name: sidecar
    $patch: delete
  volumes:
  - {name: extra, hostPath: {path: /etc/extra}}
`,
    'kube-apiserver1+json.yaml': '- {op: test, path: /spec/containers/0/image, value: "a:2"}\n- {op: replace, path: /spec/containers/0/command/1, value: "--v=4"}\n',
  });
  const { object, applied } = applyPatches(await readPatches(dir), 'kube-apiserver', pod);
  const main = object.spec.containers[0]!;
  assert.equal(object.spec.containers.length, 1, 'the sidecar is deleted');
  assert.equal(main.image, 'a:2');
  assert.deepEqual(main.command, ['kube-apiserver', '--v=4']);
  assert.deepEqual(main.env, [{ name: 'A', value: '1' }, { name: 'B', value: '2' }]);
  assert.deepEqual(main.volumeMounts.map((m) => m.mountPath), ['/etc/kubernetes/pki', '/etc/extra']);
  assert.deepEqual(object.spec.volumes.map((v) => v.name), ['k8s-certs', 'extra']);
  assert.equal(applied.length, 2);
  assert.match(applied[0]!, /Applied patch of type "application\/strategic-merge-patch\+json" to target "kube-apiserver"/);
  assert.equal(pod.spec.containers.length, 2, 'the input is not changed');
});

test('a patch that does not apply names its file and stops', async () => {
  const dir = await tempDir({ 'kube-apiserver+json.yaml': '- {op: test, path: /spec/containers/0/image, value: "other"}\n' });
  const set = await readPatches(dir);
  assert.throws(() => applyPatches(set, 'kube-apiserver', pod), /could not apply the following patch of type "json" to target "kube-apiserver": kube-apiserver\+json\.yaml/);
  assert.deepEqual(applyPatches(set, 'etcd', pod).applied, [], 'other targets are untouched');
});

test('init phase control-plane --patches writes the patched manifest; a failing patch writes nothing', async () => {
  const root = await tempDir();
  const patches = await tempDir({ 'kube-apiserver+json.yaml': '- op: add\n  path: /spec/containers/0/command/-\n  value: --bind-address=127.0.0.12\n', 'kube-scheduler+merge.yaml': 'metadata: {labels: {patched: "yes"}}\n' });
  const args = ['init', 'phase', 'control-plane', 'all', '--rootfs', root, '--node-name', 'n1', '--apiserver-advertise-address', '10.0.0.10', '--patches', patches];
  const result = await kubeboot(args);
  assert.equal(result.exitCode, 0, result.stderr);
  const apiserver = parse(await readFile(join(root, 'etc/kubernetes/manifests/kube-apiserver.yaml'), 'utf8'));
  assert.equal(apiserver.spec.containers[0].command.at(-1), '--bind-address=127.0.0.12');
  assert.equal(parse(await readFile(join(root, 'etc/kubernetes/manifests/kube-scheduler.yaml'), 'utf8')).metadata.labels.patched, 'yes');
  const failing = await tempDir({ 'kube-controller-manager+json.yaml': '- {op: remove, path: /spec/nosuch}\n' });
  const other = await tempDir();
  const refused = await kubeboot([...args.slice(0, 4), '--rootfs', other, ...args.slice(6, -1), failing]);
  assert.equal(refused.exitCode, 1);
  assert.match(refused.stderr, /could not apply the following patch of type "json" to target "kube-controller-manager"/);
  assert.deepEqual(await readdir(other), [], 'nothing written');
});
