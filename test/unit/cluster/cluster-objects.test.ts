import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { tokenFromSecret, tokenSecret } from '../../../src/config/bootstrap-token-secret.js';
import { defaultClusterConfiguration } from '../../../src/config/defaults.js';
import { decryptWithKey, encryptWithKey } from '../../../src/pki/certs-upload.js';
import { detachedJws } from '../../../src/pki/jws.js';
import { markedNode } from '../../../src/phases/init/mark-control-plane.js';
import { joinCommand } from '../../../src/phases/init/show-join-command.js';
import { dnsServiceIp } from '../../../src/render/cluster/coredns.js';
import { clusterConfigurationYaml } from '../../../src/render/cluster/upload-config.js';
import { holds } from '../../../src/util/kube-api.js';

// The stand-in controller-manager signs with its own code (it cannot import kubeboot's): both must give kubeadm's signatures.
const standin = createRequire(import.meta.url)('../../standins/lib/controllers.cjs') as { detachedJws: typeof detachedJws };

test('detached JWS: the vectors of k8s.io/cluster-bootstrap/token/jws (jws_test.go), from kubeboot and the stand-in signer', () => {
  const content = 'Hello from the other side. I must have called a thousand times.';
  for (const sign of [detachedJws, standin.detachedJws]) {
    assert.equal(sign(content, 'joshua', 'my voice is my passcode'), 'eyJhbGciOiJIUzI1NiIsImtpZCI6Impvc2h1YSJ9..VShe2taLd-YTrmWuRkcL_8QTNDHYxQIEBsAYYiIj1_8');
    assert.equal(sign(content, 'joshua', 'my voice is my passcode. my voice is my passcode'), 'eyJhbGciOiJIUzI1NiIsImtpZCI6Impvc2h1YSJ9..SFoKn0-YxqnvpSExt4LuCZ_7pvIBdX3SoUO_NsTpkdg');
  }
});

test('a token Secret has kubeadm’s keys and reads back; ttl 0 never expires', () => {
  const now = new Date('2026-01-02T03:04:05.678Z');
  const secret = tokenSecret({ token: 'abcdef.0123456789abcdef', ttl: '24h0m0s', usages: ['signing', 'authentication'], groups: ['system:bootstrappers:kubeadm:default-node-token'], description: 'd' }, now);
  assert.equal(secret.metadata!.name, 'bootstrap-token-abcdef');
  assert.equal(secret.type, 'bootstrap.kubernetes.io/token');
  const data = Object.fromEntries(Object.entries(secret.data!).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
  assert.deepEqual(data, {
    'token-id': 'abcdef',
    'token-secret': '0123456789abcdef',
    description: 'd',
    expiration: '2026-01-03T03:04:05Z',
    'usage-bootstrap-signing': 'true',
    'usage-bootstrap-authentication': 'true',
    'auth-extra-groups': 'system:bootstrappers:kubeadm:default-node-token',
  });
  const info = tokenFromSecret(secret)!;
  assert.deepEqual([info.token, info.usages, info.groups, info.expires?.toISOString()], ['abcdef.0123456789abcdef', ['authentication', 'signing'], ['system:bootstrappers:kubeadm:default-node-token'], '2026-01-03T03:04:05.000Z']);
  const forever = tokenSecret({ token: 'abcdef.0123456789abcdef', ttl: '0', usages: [], groups: [] }, now);
  assert.equal(forever.data!.expiration, undefined);
});

test('kubeadm-certs values are nonce ‖ ciphertext ‖ tag under AES-256-GCM; a wrong key or a changed byte is kubeadm’s error', () => {
  const key = 'ab'.repeat(32);
  const plain = Buffer.from('-----BEGIN CERTIFICATE-----\n');
  const sealed = encryptWithKey(key, plain);
  assert.equal(sealed.length, 12 + plain.length + 16);
  assert.notDeepEqual(encryptWithKey(key, plain), sealed, 'a fresh nonce each time');
  assert.deepEqual(decryptWithKey(key, sealed), plain);
  assert.throws(() => decryptWithKey('cd'.repeat(32), sealed), /error decoding secret data with provided key/);
  const tampered = Buffer.from(sealed);
  tampered[14]! ^= 1;
  assert.throws(() => decryptWithKey(key, tampered), /error decoding secret data with provided key/);
  assert.throws(() => encryptWithKey('short', plain), /64 hexadecimal characters/);
});

test('the join commands are printed as kubeadm prints them (app/cmd/util join.go)', () => {
  const options = { endpoint: '10.0.0.1:6443', token: 'abcdef.0123456789abcdef', hashes: [`sha256:${'a'.repeat(64)}`], controlPlane: { certificateKey: 'k'.repeat(64) } };
  assert.equal(joinCommand('kubeadm', options, false), `kubeadm join 10.0.0.1:6443 --token abcdef.0123456789abcdef \\\n    --discovery-token-ca-cert-hash sha256:${'a'.repeat(64)} `);
  assert.equal(joinCommand('kubeboot', options, true), `kubeboot join 10.0.0.1:6443 --token abcdef.0123456789abcdef \\\n    --discovery-token-ca-cert-hash sha256:${'a'.repeat(64)} \\\n    --control-plane --certificate-key ${'k'.repeat(64)}`);
});

test('mark-control-plane adds its labels and the missing taints, and removes nothing', () => {
  const node = { metadata: { name: 'n', labels: { mine: 'x' } }, spec: { taints: [{ key: 'other', effect: 'NoExecute' }, { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] } };
  const marked = markedNode(node, [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }, { key: 'dedicated', value: 'cp', effect: 'NoSchedule' }]);
  assert.deepEqual(marked.metadata!.labels, { mine: 'x', 'node-role.kubernetes.io/control-plane': '', 'node.kubernetes.io/exclude-from-external-load-balancers': '' });
  assert.deepEqual(marked.spec!.taints, [...node.spec.taints, { key: 'dedicated', value: 'cp', effect: 'NoSchedule' }]);
  assert.deepEqual(markedNode({ metadata: { name: 'n' } }, []).spec, {}, 'taints: [] adds none');
});

test('the DNS Service address is the 10th of the first service subnet; kubeadm-config omits what Go omits', () => {
  const cluster = defaultClusterConfiguration({});
  assert.equal(dnsServiceIp(cluster), '10.96.0.10');
  assert.equal(dnsServiceIp({ ...cluster, networking: { ...cluster.networking, serviceSubnet: 'fd00:10:96::/112,10.96.0.0/16' } }), 'fd00:10:96::a');
  const yaml = clusterConfigurationYaml(cluster);
  assert.match(yaml, /^apiServer: \{\}$/m);
  assert.match(yaml, /^kind: ClusterConfiguration$/m);
  assert.doesNotMatch(yaml, /featureGates|podSubnet/);
});

test('an object already holding what is wanted is not written again; extra server fields do not count', () => {
  const stored = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', uid: 'u', resourceVersion: '7', labels: { x: '1' } }, data: { k: 'v' } };
  assert.ok(holds(stored, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', labels: { x: '1' } }, data: { k: 'v' } } as never));
  assert.ok(!holds(stored, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { k: 'w' } } as never));
  assert.ok(!holds(stored, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', labels: { x: '2' } }, data: { k: 'v' } } as never));
});
