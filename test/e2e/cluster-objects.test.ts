import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { execa } from 'execa';
import type { ConfigMap, Node, Secret } from 'kubernetes-types/core/v1.js';
import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from 'kubernetes-types/rbac/v1.js';
import { parse } from 'yaml';
import { filesFromCertsSecret, SHARED_CERT_FILES } from '../../src/pki/certs-upload.js';
import { discoverWithToken } from '../../src/phases/join/discovery.js';
import { kubeboot } from '../support/cli.js';
import { resetTestNode } from '../support/reset-node.js';
import { eventually, images, newTestRun } from '../support/docker.js';
import { fixture, tempDir } from '../support/temp.js';

// kubeboot init with the stand-ins (test/standins) for the API server and controller-manager, the real
// etcd, and the real kubectl and etcdctl to read what init stored. The control plane takes the fixed
// kubeadm ports, so the e2e files run one at a time.
const node = `c-${newTestRun()}`.slice(0, 40);
let root: string;
let init: { stdout: string; stderr: string };
let kubeadm: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const kubeconfig = () => join(root, 'etc/kubernetes/admin.conf');
const pki = () => join(root, 'etc/kubernetes/pki');

async function kubectl(...args: string[]): Promise<string> {
  const result = await execa('kubectl', ['--kubeconfig', kubeconfig(), ...args], { reject: false, stdin: 'ignore' });
  assert.equal(result.exitCode, 0, `kubectl ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}
const get = async <T>(path: string): Promise<T> => JSON.parse(await kubectl('get', '--raw', path)) as T;
const items = async <T>(path: string): Promise<T[]> => (await get<{ items: T[] }>(path)).items;
const subjects = (b: RoleBinding | ClusterRoleBinding) => (b.subjects ?? []).map((s) => `${s.kind} ${s.namespace ? `${s.namespace}/` : ''}${s.name}`);
const printed = (pattern: RegExp) => pattern.exec(init.stdout)?.[1];

before(async () => {
  kubeadm = parse(await readFile(fixture('kubeadm', 'init-cluster-objects.yaml'), 'utf8'));
  root = await tempDir({
    'kubeboot.yaml': `apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
nodeRegistration:
  name: ${node}
localAPIEndpoint:
  advertiseAddress: 127.0.0.1
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
controlPlaneEndpoint: 127.0.0.1:6443
imageRepository: kubeboot.local
encryptionAlgorithm: ECDSA-P256
etcd:
  local:
    imageTag: ${images.etcd.split(':')[1]}
`,
  });
  const result = await kubeboot(['init', '--config', join(root, 'kubeboot.yaml'), '--rootfs', root, '--upload-certs']);
  assert.equal(result.exitCode, 0, `${result.stdout}\n${result.stderr}`);
  init = result;
});

describe('the cluster objects of kubeboot init (stand-in API server, real etcd, real kubectl)', { concurrency: false }, () => {
  // Inside the suite: it runs before the temp folders are removed (temp.ts's hook is the file's).
  after(async () => {
    if (root) await resetTestNode(root);
  });

  test('init prints the worker and control-plane join commands with the token, the CA pin and the certificate key', async () => {
    const token = printed(/--token ([a-z0-9]{6}\.[a-z0-9]{16})/);
    assert.ok(token, init.stdout);
    assert.match(init.stdout, new RegExp(`kubeadm join 127\\.0\\.0\\.1:6443 --token ${token} \\\\\\n\\s+--discovery-token-ca-cert-hash sha256:[0-9a-f]{64} \\n`));
    assert.match(init.stdout, new RegExp(`kubeboot join 127\\.0\\.0\\.1:6443 --token ${token} \\\\\\n\\s+--discovery-token-ca-cert-hash sha256:[0-9a-f]{64} \\\\\\n\\s+--control-plane --certificate-key [0-9a-f]{64}\\n`));
    const openssl = await execa('sh', ['-c', `openssl x509 -pubkey -in ${pki()}/ca.crt | openssl pkey -pubin -outform der | openssl dgst -sha256 -hex | sed 's/^.* //'`]);
    assert.equal(printed(/--discovery-token-ca-cert-hash (sha256:[0-9a-f]{64})/), `sha256:${openssl.stdout.trim()}`, "the pin is the one kubeadm's docs compute with openssl");
  });

  test('the ConfigMaps, Roles and bindings have the names and contents kubeadm gives them', async () => {
    const kubeadmConfig = await get<ConfigMap>('/api/v1/namespaces/kube-system/configmaps/kubeadm-config');
    assert.deepEqual(Object.keys(kubeadmConfig.data!), kubeadm.kubeadmConfig.keys);
    const clusterConfiguration = parse(kubeadmConfig.data!.ClusterConfiguration!);
    assert.deepEqual(Object.keys(clusterConfiguration).sort(), [...kubeadm.kubeadmConfig.clusterConfigurationKeys, 'controlPlaneEndpoint'].sort());
    assert.equal(clusterConfiguration.apiVersion, kubeadm.kubeadmConfig.apiVersion);
    assert.equal(clusterConfiguration.controlPlaneEndpoint, '127.0.0.1:6443');
    const kubeletConfig = await get<ConfigMap>('/api/v1/namespaces/kube-system/configmaps/kubelet-config');
    assert.deepEqual(Object.keys(kubeletConfig.data!), kubeadm.kubeletConfig.keys);
    assert.equal(parse(kubeletConfig.data!.kubelet!).kind, 'KubeletConfiguration');

    for (const want of kubeadm.roles) {
      const role = await get<Role>(`/apis/rbac.authorization.k8s.io/v1/namespaces/${want.namespace}/roles/${want.name}`);
      assert.deepEqual(role.rules, want.rules, want.name);
    }
    for (const want of kubeadm.roleBindings) {
      const binding = await get<RoleBinding>(`/apis/rbac.authorization.k8s.io/v1/namespaces/${want.namespace}/rolebindings/${want.name}`);
      assert.deepEqual([binding.roleRef.kind, binding.roleRef.name, subjects(binding)], ['Role', want.role, want.subjects], want.name);
    }
    for (const want of kubeadm.clusterRoles) {
      const role = await get<ClusterRole>(`/apis/rbac.authorization.k8s.io/v1/clusterroles/${want.name}`);
      assert.deepEqual(role.rules, want.rules, want.name);
    }
    for (const want of kubeadm.clusterRoleBindings) {
      const binding = await get<ClusterRoleBinding>(`/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${want.name}`);
      assert.deepEqual([binding.roleRef.kind, binding.roleRef.name, subjects(binding)], ['ClusterRole', want.role, want.subjects], want.name);
    }
  });

  test('the token Secret, the node marked as a control plane, and the addons are kubeadm’s', async () => {
    const token = printed(/--token ([a-z0-9]{6})\./)!;
    const secret = await get<Secret>(`/api/v1/namespaces/kube-system/secrets/bootstrap-token-${token}`);
    assert.equal(secret.type, kubeadm.tokenSecret.type);
    assert.deepEqual(Object.keys(secret.data!).sort(), kubeadm.tokenSecret.keys);
    assert.equal(Buffer.from(secret.data!['auth-extra-groups']!, 'base64').toString(), kubeadm.tokenSecret.groups);
    assert.match(Buffer.from(secret.data!.expiration!, 'base64').toString(), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    const marked = await get<Node>(`/api/v1/nodes/${node}`);
    for (const [label, value] of Object.entries(kubeadm.controlPlaneLabels)) assert.equal(marked.metadata!.labels![label], value, label);
    assert.deepEqual(marked.spec!.taints, [kubeadm.controlPlaneTaint]);

    assert.equal((await get<ConfigMap>('/api/v1/namespaces/kube-system/configmaps/coredns')).data!.Corefile, kubeadm.corefile);
    const dns = await get<{ spec: { clusterIP: string; ports: Array<{ name: string; port: number; protocol: string }> } }>('/api/v1/namespaces/kube-system/services/kube-dns');
    assert.equal(dns.spec.clusterIP, kubeadm.dnsServiceIp);
    assert.deepEqual(dns.spec.ports.map((p) => `${p.name} ${p.port}/${p.protocol}`), kubeadm.dnsServicePorts);
    assert.deepEqual(Object.keys((await get<ConfigMap>('/api/v1/namespaces/kube-system/configmaps/kube-proxy')).data!).sort(), kubeadm.kubeProxyConfigMapKeys);
    const deployments = await kubectl('get', 'deployments,daemonsets', '-n', 'kube-system', '-o', 'name');
    assert.deepEqual(deployments.split('\n').sort(), ['daemonset.apps/kube-proxy', 'deployment.apps/coredns']);
  });

  test('cluster-info: kubeadm’s kubeconfig, signed by the controller-manager, readable anonymously, stored in etcd under /registry', async () => {
    const ca = await readFile(join(pki(), 'ca.crt'));
    const expected = kubeadm.clusterInfoKubeconfig.replace('<CA>', ca.toString('base64')).replace('<SERVER>', 'https://127.0.0.1:6443');
    const token = printed(/--token ([a-z0-9]{6})\./)!;
    const signed = await eventually('cluster-info signed', async () => {
      const info = await get<ConfigMap>('/api/v1/namespaces/kube-public/configmaps/cluster-info');
      return info.data![`jws-kubeconfig-${token}`] ? info : undefined;
    }, 30_000, 250);
    assert.equal(signed.data!.kubeconfig, expected);
    // Anonymous (curl: kubectl asks for a user name when it has no credentials): no client certificate, no token; the server verified against the CA.
    const anonymous = (path: string) => execa('curl', ['-sS', '--max-time', '20', '--cacert', join(pki(), 'ca.crt'), '-w', '\n%{http_code}', `https://127.0.0.1:6443${path}`], { reject: false, stdin: 'ignore' });
    const open = await anonymous('/api/v1/namespaces/kube-public/configmaps/cluster-info');
    assert.match(open.stdout, /\n200$/, open.stderr);
    assert.equal(JSON.parse(open.stdout.replace(/\n200$/, '')).data.kubeconfig, expected);
    const closed = await anonymous('/api/v1/namespaces/kube-system/configmaps/kubeadm-config');
    assert.match(closed.stdout, /"reason":"Forbidden"[\s\S]*\n403$/, 'anonymous users may read cluster-info only');
    const etcd = await execa('etcdctl', ['--endpoints', 'https://127.0.0.1:2379', '--cacert', join(pki(), 'etcd/ca.crt'), '--cert', join(pki(), 'apiserver-etcd-client.crt'), '--key', join(pki(), 'apiserver-etcd-client.key'), 'get', '/registry/configmaps/kube-public/cluster-info', '--print-value-only'], { env: { ETCDCTL_API: '3' }, stdin: 'ignore', timeout: 30_000 });
    assert.equal(JSON.parse(etcd.stdout).data.kubeconfig, expected);
  });

  test('discovery as kubeadm join does it: the token’s signature and the CA pin are checked; a wrong pin or a dead token is refused', async () => {
    const token = printed(/--token ([a-z0-9]{6}\.[a-z0-9]{16})/)!;
    const pin = printed(/--discovery-token-ca-cert-hash (sha256:[0-9a-f]{64})/)!;
    const found = await discoverWithToken({ endpoint: '127.0.0.1:6443', token, caCertHashes: [pin], timeoutMs: 30_000 });
    assert.equal(found.server, 'https://127.0.0.1:6443');
    assert.equal(found.ca, await readFile(join(pki(), 'ca.crt'), 'utf8'));
    await assert.rejects(discoverWithToken({ endpoint: '127.0.0.1:6443', token, caCertHashes: [`sha256:${'0'.repeat(64)}`], timeoutMs: 30_000 }), /none of the public keys .* are pinned/);
    await assert.rejects(discoverWithToken({ endpoint: '127.0.0.1:6443', token, caCertHashes: [], timeoutMs: 30_000 }), /without caCertHashes can be unsafe/);
    await assert.rejects(discoverWithToken({ endpoint: '127.0.0.1:6443', token: `${token.slice(0, 7)}${'x'.repeat(16)}`, caCertHashes: [pin], timeoutMs: 30_000 }), /failed to verify JWS signature/);
    await assert.rejects(discoverWithToken({ endpoint: '127.0.0.1:6443', token: 'zzzzzz.zzzzzzzzzzzzzzzz', caCertHashes: [pin], timeoutMs: 3_000 }), /token id "zzzzzz" is invalid for this cluster or it has expired/);
    // A token that expires: the controller-manager's token cleaner deletes it and the signer drops its signature.
    const short = await kubeboot(['token', 'create', '--ttl', '2s', '--rootfs', root]);
    assert.equal(short.exitCode, 0, short.stderr);
    const id = short.stdout.trim().split('.')[0]!;
    await eventually('the expired token cleaned up', async () => ((await kubeboot(['token', 'list', '-o', 'json', '--rootfs', root])).stdout.includes(`"${id}.`) ? undefined : true), 30_000, 500);
    await assert.rejects(discoverWithToken({ endpoint: '127.0.0.1:6443', token: short.stdout.trim(), caCertHashes: [pin], timeoutMs: 3_000 }), new RegExp(`token id "${id}" is invalid for this cluster or it has expired`));
  });

  test('--upload-certs: kubeadm-certs decrypts back to the PKI files with the printed key, and not with another', async () => {
    const key = printed(/--certificate-key ([0-9a-f]{64})/)!;
    const secret = await get<Secret>('/api/v1/namespaces/kube-system/secrets/kubeadm-certs');
    assert.deepEqual(Object.keys(secret.data!).sort(), kubeadm.kubeadmCerts.keys);
    const files = filesFromCertsSecret(secret, key);
    for (const path of SHARED_CERT_FILES) assert.deepEqual(files.get(path), await readFile(join(pki(), path)), path);
    assert.throws(() => filesFromCertsSecret(secret, 'f'.repeat(64)), /error decoding secret data with provided key/);
    const owner = secret.metadata!.ownerReferences![0]!;
    const ownerToken = await get<Secret>(`/api/v1/namespaces/kube-system/secrets/${owner.name}`);
    assert.equal(owner.uid, ownerToken.metadata!.uid);
    assert.equal(Buffer.from(ownerToken.data!.description!, 'base64').toString(), kubeadm.kubeadmCerts.ownerTokenDescription);
    const expires = Date.parse(Buffer.from(ownerToken.data!.expiration!, 'base64').toString());
    assert.ok(Math.abs(expires - Date.now() - 2 * 3_600_000) < 10 * 60_000, 'the owner token lives two hours');
  });

  test('init run again (preflight skipped) changes no object: every resourceVersion stays', async () => {
    const resources = ['configmaps', 'secrets', 'serviceaccounts', 'services', 'roles', 'rolebindings', 'clusterroles', 'clusterrolebindings', 'deployments', 'daemonsets'];
    const versions = async () => (await kubectl('get', resources.join(','), '-A', '-o', 'jsonpath={range .items[*]}{.kind} {.metadata.namespace}/{.metadata.name} {.metadata.resourceVersion}{"\\n"}{end}')).split('\n').sort();
    const beforeRun = await versions();
    const again = await kubeboot(['init', '--config', join(root, 'kubeboot.yaml'), '--rootfs', root, '--skip-phases', 'preflight']);
    assert.equal(again.exitCode, 0, `${again.stdout}\n${again.stderr}`);
    assert.deepEqual(await versions(), beforeRun);
    assert.ok(again.stdout.includes(`--token ${printed(/--token ([a-z0-9]{6}\.[a-z0-9]{16})/)}`), 'the same token is shown again');
  });

  test('each post-health phase runs alone: upload-config all, bootstrap-token, addon coredns, show-join-command; upload-certs says why it skips', async () => {
    const phase = (...args: string[]) => kubeboot(['init', 'phase', ...args, '--config', join(root, 'kubeboot.yaml'), '--rootfs', root]);
    for (const args of [['upload-config', 'all'], ['bootstrap-token'], ['addon', 'coredns'], ['mark-control-plane']]) {
      const result = await phase(...args);
      assert.equal(result.exitCode, 0, `${args.join(' ')}: ${result.stdout}\n${result.stderr}`);
      assert.doesNotMatch(result.stdout, /\b(created|updated) /, `${args.join(' ')} changes nothing that is already right`);
    }
    const shown = await phase('show-join-command');
    assert.equal(shown.exitCode, 0, shown.stderr);
    assert.match(shown.stdout, /kubeadm join 127\.0\.0\.1:6443 --token [a-z0-9]{6}\.[a-z0-9]{16} \\\n\s+--discovery-token-ca-cert-hash sha256:[0-9a-f]{64}/);
    const skipped = await phase('upload-certs');
    assert.equal(skipped.exitCode, 0, skipped.stderr);
    assert.match(skipped.stdout, /Skipping phase\. Please see --upload-certs/);
  });

  test('token create, list and delete end to end', async () => {
    const created = await kubeboot(['token', 'create', 'abcdef.0123456789abcdef', '--ttl', '2h', '--description', 'for rack 7', '--rootfs', root]);
    assert.equal(created.exitCode, 0, created.stderr);
    assert.equal(created.stdout, 'abcdef.0123456789abcdef');
    const twice = await kubeboot(['token', 'create', 'abcdef.0123456789abcdef', '--rootfs', root]);
    assert.equal(twice.exitCode, 1);
    assert.match(twice.stderr, /a token with id "abcdef" already exists/);
    const listed = await kubeboot(['token', 'list', '--rootfs', root]);
    assert.match(listed.stdout, /^TOKEN\s+TTL\s+EXPIRES\s+USAGES\s+DESCRIPTION\s+EXTRA GROUPS$/m);
    assert.match(listed.stdout, /^abcdef\.0123456789abcdef\s+1h\s+\S+Z\s+authentication,signing\s+for rack 7\s+system:bootstrappers:kubeadm:default-node-token$/m);
    const join = await kubeboot(['token', 'create', '--print-join-command', '--rootfs', root]);
    assert.match(join.stdout, /^kubeadm join 127\.0\.0\.1:6443 --token [a-z0-9]{6}\.[a-z0-9]{16} \\\n\s+--discovery-token-ca-cert-hash sha256:[0-9a-f]{64} $/);
    const bad = await kubeboot(['token', 'create', 'ABC', '--ttl', 'soon', '--rootfs', root]);
    assert.equal(bad.exitCode, 2);
    assert.match(bad.stderr, /"ABC" does not match[\s\S]*--ttl: "soon"/);
    const deleted = await kubeboot(['token', 'delete', 'abcdef', '--rootfs', root]);
    assert.equal(deleted.exitCode, 0, deleted.stderr);
    assert.equal(deleted.stdout, 'bootstrap token "abcdef" deleted');
    assert.doesNotMatch((await kubeboot(['token', 'list', '--rootfs', root])).stdout, /abcdef\./);
    const gone = await kubeboot(['token', 'delete', 'abcdef', '--rootfs', root]);
    assert.equal(gone.exitCode, 1);
    assert.match(gone.stderr, /no bootstrap token with id "abcdef"/);
  });

  test('init --dry-run prints the objects it would create and creates none', async () => {
    const other = await tempDir({ 'kubeboot.yaml': (await readFile(join(root, 'kubeboot.yaml'), 'utf8')).replace(node, `${node}-dry`) });
    const before = await kubectl('get', 'configmaps,secrets', '-A', '-o', 'name');
    const dry = await kubeboot(['init', '--dry-run', '--config', join(other, 'kubeboot.yaml'), '--rootfs', other, '--ignore-preflight-errors', 'all']);
    assert.equal(dry.exitCode, 0, `${dry.stdout}\n${dry.stderr}`);
    for (const object of ['ConfigMap kube-system/kubeadm-config', 'Secret kube-system/bootstrap-token-', 'ConfigMap kube-public/cluster-info', 'Deployment kube-system/coredns', 'DaemonSet kube-system/kube-proxy']) {
      assert.ok(dry.stdout.includes(`[dryrun] Would create or update ${object}`), object);
    }
    assert.match(dry.stdout, /kubeadm join 127\.0\.0\.1:6443 --token [a-z0-9]{6}\.[a-z0-9]{16}/);
    assert.equal(await kubectl('get', 'configmaps,secrets', '-A', '-o', 'name'), before);
  });
});
