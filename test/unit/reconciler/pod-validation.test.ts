import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse, stringify } from 'yaml';
import { parseStaticPod } from '../../../src/reconciler/static-pod.js';

// Pods the API server's validation refuses (ValidatePodCreate), each with the field it names: the
// reconciler must refuse them too, with that field, and never throw.
const base = () => parse(`apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - name: main
    image: busybox:1.35
    command: [sleep, '3600']
    ports: [{name: http, containerPort: 8080}]
    volumeMounts: [{name: data, mountPath: /data}]
    livenessProbe: {httpGet: {port: http, path: /}}
    lifecycle: {preStop: {exec: {command: ['true']}}}
    env: [{name: GREETING, value: hi}]
    resources: {requests: {cpu: 100m}, limits: {cpu: 200m}}
  volumes:
  - {name: data, hostPath: {path: /srv/data}}
`) as Record<string, any>;

const CASES: Array<[string, (pod: Record<string, any>) => void, RegExp]> = [
  ['a container that is not a mapping', (p) => p.spec.containers.push('junk'), /spec\.containers\[1\]: got "junk", expected a mapping/],
  ['hostPath with ..', (p) => (p.spec.volumes[0].hostPath.path = '/srv/../etc'), /spec\.volumes\[0\]\.hostPath\.path: .*'\.\.'/],
  ['subPath with ..', (p) => (p.spec.containers[0].volumeMounts[0].subPath = '../x'), /volumeMounts\[0\]\.subPath/],
  ['an absolute subPath', (p) => (p.spec.containers[0].volumeMounts[0].subPath = '/x'), /volumeMounts\[0\]\.subPath/],
  ['a probe with two actions', (p) => (p.spec.containers[0].livenessProbe.exec = { command: ['true'] }), /livenessProbe: got exec and httpGet, expected exactly one probe action/],
  ['a probe with no action', (p) => (p.spec.containers[0].livenessProbe = { periodSeconds: 5 }), /livenessProbe: expected one probe action/],
  ['a handler with two actions', (p) => (p.spec.containers[0].lifecycle.preStop.sleep = { seconds: 1 }), /preStop: got exec and sleep/],
  ['port 0', (p) => (p.spec.containers[0].ports[0].containerPort = 0), /ports\[0\]\.containerPort: got 0/],
  ['port 70000', (p) => (p.spec.containers[0].ports[0].containerPort = 70000), /ports\[0\]\.containerPort: got 70000/],
  ['hostPort 70000', (p) => (p.spec.containers[0].ports[0].hostPort = 70000), /ports\[0\]\.hostPort/],
  ['restartPolicy Sometimes', (p) => (p.spec.restartPolicy = 'Sometimes'), /spec\.restartPolicy: got "Sometimes", expected one of Always, OnFailure, Never/],
  ['imagePullPolicy Sometimes', (p) => (p.spec.containers[0].imagePullPolicy = 'Sometimes'), /imagePullPolicy/],
  ['protocol HTTP', (p) => (p.spec.containers[0].ports[0].protocol = 'HTTP'), /ports\[0\]\.protocol/],
  ['"true" for a boolean', (p) => (p.spec.hostNetwork = 'true'), /spec\.hostNetwork: got "true", expected true or false/],
  ['a duplicate mountPath', (p) => p.spec.containers[0].volumeMounts.push({ name: 'data', mountPath: '/data' }), /volumeMounts\[1\]\.mountPath: "\/data" is mounted twice/],
  ['a volume with two sources', (p) => (p.spec.volumes[0].emptyDir = {}), /spec\.volumes\[0\]: got hostPath and emptyDir, expected exactly one volume source/],
  ['an invalid env name', (p) => (p.spec.containers[0].env[0].name = '1BAD=X'), /env\[0\]\.name/],
  ['an invalid quantity', (p) => (p.spec.containers[0].resources.limits.cpu = 'lots'), /resources\.limits\.cpu: got "lots"/],
  ['a request above its limit', (p) => (p.spec.containers[0].resources.requests.cpu = '1'), /resources\.requests\.cpu: must be less than or equal/],
  ['an over-long name', (p) => (p.metadata.name = 'x'.repeat(254)), /metadata\.name/],
  ['ephemeralContainers', (p) => (p.spec.ephemeralContainers = [{ name: 'debug', image: 'busybox' }]), /spec\.ephemeralContainers: may not be set/],
  ['a duplicate port name', (p) => p.spec.containers[0].ports.push({ name: 'http', containerPort: 8081 }), /ports\[1\]\.name: "http" is used twice/],
  ['a probe threshold of 0', (p) => (p.spec.containers[0].livenessProbe.failureThreshold = 0), /livenessProbe\.failureThreshold/],
  ['a liveness successThreshold of 2', (p) => (p.spec.containers[0].livenessProbe.successThreshold = 2), /livenessProbe\.successThreshold/],
  ['an unknown fieldRef', (p) => (p.spec.containers[0].env[0] = { name: 'X', valueFrom: { fieldRef: { fieldPath: 'spec.secret' } } }), /fieldRef\.fieldPath/],
  ['an invalid label value', (p) => (p.metadata.labels = { tier: 'not a label value!' }), /metadata\.labels\.tier/],
  ['a negative grace period', (p) => (p.spec.terminationGracePeriodSeconds = -1), /terminationGracePeriodSeconds/],
];

for (const [what, change, expected] of CASES) {
  test(`refused: ${what}`, () => {
    const pod = base();
    change(pod);
    const result = parseStaticPod(stringify(pod), { source: '/etc/kubernetes/manifests/web.yaml', nodeName: 'n1' });
    assert.equal(result.ok, false, `${what} was accepted`);
    assert.ok(!result.ok && result.problems.some((p) => expected.test(p)), `${what}: ${JSON.stringify(!result.ok && result.problems)}`);
  });
}

test('the base pod of these cases is valid', () => {
  const result = parseStaticPod(stringify(base()), { source: '/etc/kubernetes/manifests/web.yaml', nodeName: 'n1' });
  assert.ok(result.ok, result.ok ? '' : result.problems.join('\n'));
});
