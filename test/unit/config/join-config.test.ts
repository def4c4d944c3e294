import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadJoinConfiguration } from '../../../src/config/join-config.js';
import { kubeboot } from '../../support/cli.js';
import { tempDir } from '../../support/temp.js';

const hash = `sha256:${'a'.repeat(64)}`;
const v1beta4 = `apiVersion: kubeadm.k8s.io/v1beta4
kind: JoinConfiguration
discovery:
  bootstrapToken:
    apiServerEndpoint: 10.0.0.10:6443
    token: abcdef.0123456789abcdef
    caCertHashes: ["${hash}"]
controlPlane:
  localAPIEndpoint: {advertiseAddress: 10.0.0.12, bindPort: 6443}
  certificateKey: ${'b'.repeat(64)}
nodeRegistration:
  name: cp-2
  ignorePreflightErrors: [Swap]
patches:
  directory: /etc/kubeboot/patches
timeouts:
  discovery: 1m0s
  etcdAPICall: 30s
`;

test('a v1beta4 JoinConfiguration gives join its endpoint, token, pins, key, address, name, patches and timeout', async () => {
  const dir = await tempDir({ 'join.yaml': v1beta4 });
  const { fields } = await loadJoinConfiguration(join(dir, 'join.yaml'));
  assert.deepEqual(fields, {
    endpoint: '10.0.0.10:6443',
    token: 'abcdef.0123456789abcdef',
    caCertHashes: [hash],
    unsafeSkipCAVerification: false,
    certificateKey: 'b'.repeat(64),
    nodeName: 'cp-2',
    advertiseAddress: '10.0.0.12',
    bindPort: 6443,
    patchesDirectory: '/etc/kubeboot/patches',
    skipPhases: [],
    ignorePreflightErrors: ['Swap'],
    discoveryTimeout: '1m0s',
    timeouts: { etcdAPICall: '30s' },
    dryRun: false,
  });
});

test('v1beta3 is read too (discovery.timeout); the init kinds beside it are ignored with a warning', async () => {
  const v1beta3 = v1beta4.replace('v1beta4', 'v1beta3').replace(/timeouts:\n  discovery: 1m0s\n/, '').replace('discovery:\n', 'discovery:\n  timeout: 2m0s\n');
  const dir = await tempDir({ 'join.yaml': `apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n---\n${v1beta3}` });
  const { fields, warnings } = await loadJoinConfiguration(join(dir, 'join.yaml'));
  assert.equal(fields.discoveryTimeout, '2m0s');
  assert.match(warnings.map((w) => w.message).join('\n'), /"ClusterConfiguration" is not used by kubeboot join/);
});

test('every problem at once, with file:line:col and the field; no pins without the unsafe switch is kubeadm’s error', async () => {
  const dir = await tempDir({
    'join.yaml': 'apiVersion: kubeadm.k8s.io/v1beta4\nkind: JoinConfiguration\ndiscovery:\n  bootstrapToken:\n    token: nope\n    apiServerEndpoint: 10.0.0.10:6443\n',
    'both.yaml': `${v1beta4.replace('discovery:\n', 'discovery:\n  file: {kubeConfigPath: /etc/kubernetes/discovery.conf}\n')}`,
  });
  await assert.rejects(loadJoinConfiguration(join(dir, 'join.yaml')), (err: Error & { details: string[] }) => {
    const text = err.details.join('\n');
    assert.match(text, /join\.yaml:5:12: JoinConfiguration\.discovery\.bootstrapToken\.token: got "nope"/);
    assert.match(text, /JoinConfiguration\.discovery\.bootstrapToken\.caCertHashes: using token-based discovery without caCertHashes can be unsafe/);
    assert.match(text, /JoinConfiguration\.controlPlane: kubeboot join makes control-plane nodes/);
    return true;
  });
  await assert.rejects(loadJoinConfiguration(join(dir, 'both.yaml')), (err: Error & { details: string[] }) => /JoinConfiguration\.discovery: bootstrapToken and file are two ways of discovery/.test(err.details.join('\n')));
});

test('join --config refuses the flags kubeadm refuses beside it (exit 2), and config validate checks a JoinConfiguration', async () => {
  const dir = await tempDir({ 'join.yaml': v1beta4 });
  const mixed = await kubeboot(['join', '--config', join(dir, 'join.yaml'), '--token', 'abcdef.0123456789abcdef', '--certificate-key', 'x', '--rootfs', dir]);
  assert.equal(mixed.exitCode, 2);
  assert.match(mixed.stderr, /can not mix '--config' with arguments \[certificate-key token\]/);
  const valid = await kubeboot(['config', 'validate', '--config', join(dir, 'join.yaml')]);
  assert.equal(valid.exitCode, 0, valid.stderr);
  assert.match(valid.stdout, /is a valid JoinConfiguration/);
  const defaults = await kubeboot(['config', 'print', 'join-defaults']);
  assert.match(defaults.stdout, /^kind: JoinConfiguration$/m);
});

test('config migrate converts a v1beta3 JoinConfiguration: discovery.timeout into timeouts, kubeletExtraArgs into a list', async () => {
  const dir = await tempDir({ 'old.yaml': 'apiVersion: kubeadm.k8s.io/v1beta3\nkind: JoinConfiguration\ndiscovery:\n  timeout: 2m0s\n  bootstrapToken:\n    token: abcdef.0123456789abcdef\n    apiServerEndpoint: 10.0.0.1:6443\n    unsafeSkipCAVerification: true\nnodeRegistration:\n  kubeletExtraArgs: {v: "4"}\ncontrolPlane:\n  localAPIEndpoint: {advertiseAddress: 10.0.0.2}\n' });
  const migrated = await kubeboot(['config', 'migrate', '--old-config', join(dir, 'old.yaml')]);
  assert.equal(migrated.exitCode, 0, migrated.stderr);
  assert.match(migrated.stdout, /^apiVersion: kubeadm\.k8s\.io\/v1beta4$/m);
  assert.match(migrated.stdout, /^timeouts:\n {2}discovery: 2m0s$/m);
  assert.match(migrated.stdout, /kubeletExtraArgs:\n\s+- name: v\n\s+value: "4"/);
  assert.doesNotMatch(migrated.stdout, /^ {2}timeout:/m);
});
