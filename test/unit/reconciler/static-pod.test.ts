import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseStaticPod, type ParseResult } from '../../../src/reconciler/static-pod.js';

const manifest = (extra = '') => `apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: main
    image: kubeboot.local/busybox:1.35.0
    command: [sleep, "3600"]
${extra}`;

function ok(result: ParseResult) {
  assert.ok(result.ok, result.ok ? '' : result.problems.join('\n'));
  return result.pod;
}

const options = { source: '/etc/kubernetes/manifests/web.yaml', nodeName: 'Node1' };

test('the kubelet defaults: <name>-<node lower-cased>, namespace default, nodeName, NoExecute toleration, annotations', () => {
  const { pod, key, uid } = ok(parseStaticPod(manifest(), options));
  assert.equal(key, 'default/web-node1');
  assert.equal(pod.metadata?.name, 'web-node1');
  assert.equal(pod.spec?.nodeName, 'node1');
  assert.deepEqual(pod.spec?.tolerations, [{ operator: 'Exists', effect: 'NoExecute' }]);
  assert.equal(pod.spec?.restartPolicy, 'Always');
  assert.equal(pod.spec?.terminationGracePeriodSeconds, 30);
  assert.equal(pod.spec?.containers[0]?.imagePullPolicy, 'IfNotPresent');
  assert.match(uid, /^[0-9a-f]{32}$/);
  assert.equal(pod.metadata?.annotations?.['kubernetes.io/config.hash'], uid);
  assert.equal(pod.metadata?.annotations?.['kubernetes.io/config.source'], 'file');
  assert.match(pod.metadata?.annotations?.['kubernetes.io/config.seen'] ?? '', /^\d{4}-/);
});

test('the UID is stable across formatting, and changes with the pod, the node or the file', () => {
  const a = ok(parseStaticPod(manifest(), options)).uid;
  const reformatted = '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web"},"spec":{"containers":[{"image":"kubeboot.local/busybox:1.35.0","name":"main","command":["sleep","3600"]}]}}';
  assert.equal(ok(parseStaticPod(`# a comment\n${manifest()}`, options)).uid, a);
  assert.equal(ok(parseStaticPod(reformatted, options)).uid, a, 'JSON of the same pod');
  assert.notEqual(ok(parseStaticPod(manifest().replace('3600', '3601'), options)).uid, a);
  assert.notEqual(ok(parseStaticPod(manifest().replace('name: web', 'name: web\n  labels: {a: b}'), options)).uid, a);
  assert.notEqual(ok(parseStaticPod(manifest(), { ...options, nodeName: 'node2' })).uid, a);
  assert.notEqual(ok(parseStaticPod(manifest(), { ...options, source: '/etc/kubernetes/manifests/web2.yaml' })).uid, a);
  assert.equal(ok(parseStaticPod(manifest(), { ...options, seen: new Date(0) })).uid, a, 'config.seen is not part of it');
});

test('metadata.uid, when set, is the UID', () => {
  assert.equal(ok(parseStaticPod(manifest().replace('name: web', 'name: web\n  uid: fixed-1'), options)).uid, 'fixed-1');
});

test('problems name the field', () => {
  const cases: Array<[string, RegExp]> = [
    ['', /the file is empty/],
    ['apiVersion: v1\nkind: Pod\nmetadata: {}\nspec: {containers: [{name: a, image: b}]}\n', /^metadata\.name: is required$/],
    ['apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n', /^kind: got "Deployment", expected "Pod"/],
    ['apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec: {containers: [{name: A_B, image: b}]}\n', /^spec\.containers\[0\]\.name: got "A_B", expected a DNS-1123 label$/],
    [manifest('    envFrom: [{configMapRef: {name: c}}]'), /envFrom: static pods may not reference ConfigMaps or Secrets/],
    [`${manifest()}  volumes:\n  - name: s\n    secret: {secretName: s}\n`, /^spec\.volumes\[0\]\.secret: static pods may not use secret volumes/],
    [`${manifest()}  volumes:\n  - name: t\n    projected: {sources: []}\n`, /^spec\.volumes\[0\]\.projected: static pods may not use projected volumes/],
    ['a: [1\n', /^line 2:1: not YAML or JSON/],
    [`${manifest()}---\n${manifest()}`, /expected exactly one document, a v1 Pod; found 2/],
  ];
  for (const [text, expected] of cases) {
    const result = parseStaticPod(text, options);
    assert.equal(result.ok, false, text);
    if (!result.ok) assert.ok(result.problems.some((p) => expected.test(p)), `${JSON.stringify(text)}: ${result.problems.join(' | ')}`);
  }
});
