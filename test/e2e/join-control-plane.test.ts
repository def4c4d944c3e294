import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { execa } from 'execa';
import { kubeboot } from '../support/cli.js';
import { resetTestNode } from '../support/reset-node.js';
import { configPath, firstNodeConfig, testNode, type TestNode } from '../support/control-plane-nodes.js';
import { engine, eventually, newTestRun } from '../support/docker.js';
import { tempDir } from '../support/temp.js';

// Three control-plane nodes on this one machine (own roots, names, reconcilers, loopback addresses
// 127.0.0.11-13; kubeadm patches move what would collide on 127.0.0.1): the real etcd as a stacked
// 3-member cluster, the stand-ins for the rest. They use kubeadm's fixed ports, so the e2e files run one at a time.
const run = newTestRun().slice(-8);
let nodes: TestNode[];
let joinArgs: string[];
// Preflight binds each port on every address; the other nodes of this machine hold them on theirs.
const SHARED_PORTS = 'Port-6443,Port-2379,Port-2380,Port-2381,Port-10257,Port-10259,Port-10248';

const printed = (text: string, pattern: RegExp) => pattern.exec(text)?.[1];

async function etcdMembers(node: TestNode): Promise<Array<{ name: string; isLearner?: boolean; clientURLs?: string[] }>> {
  const pki = join(node.root, 'etc/kubernetes/pki');
  const result = await execa('etcdctl', ['--endpoints', `https://${node.ip}:2379`, '--cacert', `${pki}/etcd/ca.crt`, '--cert', `${pki}/apiserver-etcd-client.crt`, '--key', `${pki}/apiserver-etcd-client.key`, 'member', 'list', '-w', 'json'], { env: { ETCDCTL_API: '3' }, stdin: 'ignore', timeout: 30_000 });
  return JSON.parse(result.stdout).members;
}

async function kubectl(node: TestNode, ...args: string[]) {
  return execa('kubectl', ['--kubeconfig', join(node.root, 'etc/kubernetes/admin.conf'), '--server', `https://${node.ip}:6443`, ...args], { reject: false, stdin: 'ignore', timeout: 30_000 });
}

/**
 * `kubectl create -f` of a JSON ConfigMap: kubectl sends a file as JSON (`create configmap` would send
 * protobuf, which the stand-in does not speak), without client-side validation (the stand-in serves no OpenAPI).
 */
async function kubectlCreateConfigMap(node: TestNode, name: string) {
  const file = join(node.root, `${name}.json`);
  await writeFile(file, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: { k: 'v' } }));
  return kubectl(node, 'create', '--validate=false', '-f', file);
}

/** A JoinConfiguration for `node`, as `kubeboot config print join-defaults` starts one, from node 1's join command; `extra` is appended. */
async function joinConfigurationFile(node: TestNode, extra = ''): Promise<string> {
  const value = (flag: string) => joinArgs[joinArgs.indexOf(flag) + 1]!;
  const file = join(await tempDir(), 'join.yaml');
  await writeFile(file, `apiVersion: kubeadm.k8s.io/v1beta4
kind: JoinConfiguration
discovery:
  bootstrapToken:
    apiServerEndpoint: ${joinArgs[0]}
    token: ${value('--token')}
    caCertHashes: ["${value('--discovery-token-ca-cert-hash')}"]
controlPlane:
  localAPIEndpoint: {advertiseAddress: ${node.ip}}
  certificateKey: ${value('--certificate-key')}
nodeRegistration:
  name: ${node.name}
  ignorePreflightErrors: [${SHARED_PORTS}]
patches:
  directory: ${node.patches}
${extra}`);
  return file;
}

const joinNode = (node: TestNode, extra: string[] = []) =>
  kubeboot(['join', ...joinArgs, '--apiserver-advertise-address', node.ip, '--node-name', node.name, '--patches', node.patches, '--rootfs', node.root, '--ignore-preflight-errors', SHARED_PORTS, ...extra]);

before(async () => {
  nodes = await Promise.all([11, 12, 13].map((n) => testNode(`j${n}-${run}`, `127.0.0.${n}`, n === 11 ? 'init' : 'join')));
  await writeFile(configPath(nodes[0]!), firstNodeConfig(nodes[0]!));
});

describe('kubeboot join --control-plane: three nodes with stacked etcd on one machine', { concurrency: false }, () => {
  after(async () => {
    for (const node of [...(nodes ?? [])].reverse()) await resetTestNode(node.root);
  });

  test('node 1: init --upload-certs prints the control-plane join command', async () => {
    const init = await kubeboot(['init', '--config', configPath(nodes[0]!), '--rootfs', nodes[0]!.root, '--upload-certs']);
    assert.equal(init.exitCode, 0, `${init.stdout}\n${init.stderr}`);
    const token = printed(init.stdout, /kubeboot join \S+ --token (\S+)/);
    const hash = printed(init.stdout, /--discovery-token-ca-cert-hash (sha256:[0-9a-f]{64})/);
    const key = printed(init.stdout, /--certificate-key ([0-9a-f]{64})/);
    assert.ok(token && hash && key, init.stdout);
    joinArgs = [`${nodes[0]!.ip}:6443`, '--control-plane', '--token', token, '--discovery-token-ca-cert-hash', hash, '--certificate-key', key];
  });

  test('a wrong CA pin, an unknown token or a wrong certificate key is refused before anything is written', async () => {
    const stranger = await testNode(`j14-${run}`, '127.0.0.14', 'join');
    const attempt = (replace: [string, string]) => kubeboot(['join', ...joinArgs.map((a) => (a === replace[0] ? replace[1] : a)), '--apiserver-advertise-address', stranger.ip, '--node-name', stranger.name, '--rootfs', stranger.root, '--ignore-preflight-errors', SHARED_PORTS]);
    const pin = joinArgs[joinArgs.indexOf('--discovery-token-ca-cert-hash') + 1]!;
    const key = joinArgs[joinArgs.indexOf('--certificate-key') + 1]!;
    const wrongPin = await attempt([pin, `sha256:${'0'.repeat(64)}`]);
    assert.equal(wrongPin.exitCode, 1);
    assert.match(wrongPin.stderr, /none of the public keys .* are pinned/);
    const wrongKey = await attempt([key, 'f'.repeat(64)]);
    assert.equal(wrongKey.exitCode, 1);
    assert.match(wrongKey.stderr, /error decoding secret data with provided key/);
    // An expired or unknown token, through a JoinConfiguration (its timeouts.discovery keeps the wait short).
    const joinFile = join(await tempDir(), 'join.yaml');
    await writeFile(joinFile, ['apiVersion: kubeadm.k8s.io/v1beta4', 'kind: JoinConfiguration', 'discovery:', '  bootstrapToken:', `    apiServerEndpoint: ${nodes[0]!.ip}:6443`, '    token: zzzzzz.zzzzzzzzzzzzzzzz', `    caCertHashes: ["${pin}"]`, 'controlPlane:', `  localAPIEndpoint: {advertiseAddress: ${stranger.ip}}`, `  certificateKey: ${key}`, 'nodeRegistration:', `  name: ${stranger.name}`, 'timeouts:', '  discovery: 3s', ''].join('\n'));
    const unknownToken = await kubeboot(['join', '--config', joinFile, '--rootfs', stranger.root]);
    assert.equal(unknownToken.exitCode, 1, unknownToken.stderr);
    assert.match(unknownToken.stderr, /token id "zzzzzz" is invalid for this cluster or it has expired/);
    assert.deepEqual(await readdir(stranger.root), [], 'nothing written');
    // A dry run shows the joining etcd member's manifest and adds nothing.
    const dry = await joinNode(nodes[1]!, ['--dry-run']);
    assert.equal(dry.exitCode, 0, `${dry.stdout}\n${dry.stderr}`);
    assert.match(dry.stdout, /\[dryrun\] Would write file "\/etc\/kubernetes\/manifests\/etcd\.yaml"[\s\S]*--initial-cluster-state=existing/);
    assert.deepEqual(await readdir(nodes[1]!.root), [], 'a dry run writes nothing');
    assert.equal((await etcdMembers(nodes[0]!)).length, 1, 'no member added');
  });

  test('nodes 2 and 3 join: three started voting etcd members, every API server reads what another wrote, four pods on each node', async () => {
    const second = await joinNode(nodes[1]!);
    assert.equal(second.exitCode, 0, `${nodes[1]!.name}:\n${second.stdout}\n${second.stderr}`);
    assert.match(second.stdout, /has joined the cluster as a control-plane node/);
    // Node 3 by file discovery: cluster-info's kubeconfig, as `kubectl get cm cluster-info` gives it, and the token.
    const info = await kubectl(nodes[0]!, '-n', 'kube-public', 'get', 'configmap', 'cluster-info', '-o', 'jsonpath={.data.kubeconfig}');
    const discoveryFile = join(await tempDir(), 'discovery.conf');
    await writeFile(discoveryFile, info.stdout);
    const node3 = nodes[2]!;
    const third = await kubeboot(['join', '--control-plane', '--discovery-file', discoveryFile, '--token', joinArgs[joinArgs.indexOf('--token') + 1]!, '--certificate-key', joinArgs[joinArgs.indexOf('--certificate-key') + 1]!, '--apiserver-advertise-address', node3.ip, '--node-name', node3.name, '--patches', node3.patches, '--rootfs', node3.root, '--ignore-preflight-errors', SHARED_PORTS]);
    assert.equal(third.exitCode, 0, `${node3.name}:\n${third.stdout}\n${third.stderr}`);
    assert.match(third.stdout, /holds the file's CA[\s\S]*has joined the cluster as a control-plane node/);
    const members = await etcdMembers(nodes[2]!);
    assert.deepEqual(members.map((m) => m.name).sort(), nodes.map((n) => n.name).sort());
    assert.ok(members.every((m) => !m.isLearner && (m.clientURLs ?? []).length > 0), JSON.stringify(members));
    const created = await kubectlCreateConfigMap(nodes[1]!, `written-on-2-${run}`);
    assert.equal(created.exitCode, 0, created.stderr);
    for (const node of nodes) {
      const read = await kubectl(node, 'get', '--raw', `/api/v1/namespaces/default/configmaps/written-on-2-${run}`);
      assert.equal(read.exitCode, 0, `${node.name}: ${read.stderr}`);
      assert.equal(JSON.parse(read.stdout).data.k, 'v');
      const ps = await kubeboot(['ps', '--node-name', node.name, '-o', 'json']);
      const pods = (JSON.parse(ps.stdout) as { pods: Array<{ name: string; status: string }> }).pods;
      assert.deepEqual(pods.map((p) => [p.name, p.status]), ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'].map((c) => [`${c}-${node.name}`, 'Running']), node.name);
    }
    const labelled = await kubectl(nodes[0]!, 'get', 'nodes', '-l', 'node-role.kubernetes.io/control-plane', '-o', 'name');
    assert.deepEqual(labelled.stdout.split('\n').sort(), nodes.map((n) => `node/${n.name}`).sort());
  });

  // Issue 29 §9: the failure path join promises for a learner that never gets promoted (its etcd never
  // starts): the member is removed from the cluster again and its manifest with it, within the
  // JoinConfiguration's timeouts.etcdAPICall. Node 4's etcd is given a flag etcd refuses (a patch).
  test('a member that never starts is not promoted: removed from etcd again, its manifest with it; the cluster keeps its three', async () => {
    const node = await testNode(`j14-${run}`, '127.0.0.14', 'join');
    const { appendFile } = await import('node:fs/promises');
    await appendFile(join(node.patches, 'etcd+json.yaml'), '- {op: add, path: /spec/containers/0/command/-, value: "--no-such-etcd-flag"}\n');
    const file = await joinConfigurationFile(node, 'timeouts:\n  etcdAPICall: 20s\n');
    try {
      const joined = await kubeboot(['join', '--config', file, '--rootfs', node.root]);
      assert.equal(joined.exitCode, 1, `${joined.stdout}\n${joined.stderr}`);
      assert.match(joined.stderr, new RegExp(`the etcd member ${node.name} was not promoted within 20s`));
      assert.match(joined.stderr, /the member never started: it was removed from the etcd cluster again, and its manifest with it/);
      const members = await etcdMembers(nodes[0]!);
      assert.deepEqual(members.map((m) => m.name).sort(), nodes.map((n) => n.name).sort(), 'the three voting members, and no other');
      assert.ok(members.every((m) => !m.isLearner), JSON.stringify(members));
      assert.ok(!(await readdir(join(node.root, 'etc/kubernetes/manifests')).catch(() => [] as string[])).includes('etcd.yaml'), "node 4's etcd manifest is gone");
    } finally {
      await resetTestNode(node.root);
    }
  });

  test('reset of node 3 removes its member (two left, nodes 1 and 2 untouched); node 3 joins again', async () => {
    const reset = await kubeboot(['reset', '--force', '--rootfs', nodes[2]!.root]);
    assert.equal(reset.exitCode, 0, reset.stderr);
    assert.match(reset.stdout, new RegExp(`Removed etcd member ${nodes[2]!.name} \\(https://127\\.0\\.0\\.13:2380\\); 2 members remain`));
    assert.deepEqual((await etcdMembers(nodes[0]!)).map((m) => m.name).sort(), [nodes[0]!.name, nodes[1]!.name].sort());
    assert.deepEqual(await readdir(join(nodes[2]!.root, 'etc/kubernetes/manifests')).catch(() => []), [], "node 3's manifests are gone");
    for (const node of nodes.slice(0, 2)) {
      const ps = await kubeboot(['ps', '--node-name', node.name, '-o', 'json']);
      assert.equal((JSON.parse(ps.stdout) as { pods: Array<{ status: string }> }).pods.filter((p) => p.status === 'Running').length, 4, node.name);
    }
    // As kubeadm's docs have it: after reset, `kubectl delete node` before the name joins again (else join refuses a Ready Node of that name).
    const deleted = await kubectl(nodes[0]!, 'delete', 'node', nodes[2]!.name);
    assert.equal(deleted.exitCode, 0, deleted.stderr);
    // This time from a JoinConfiguration, as `kubeboot config print join-defaults` starts one.
    const node = nodes[2]!;
    const file = await joinConfigurationFile(node);
    const valid = await kubeboot(['config', 'validate', '--config', file]);
    assert.equal(valid.exitCode, 0, valid.stderr);
    const again = await kubeboot(['join', '--config', file, '--rootfs', node.root]);
    assert.equal(again.exitCode, 0, `${again.stdout}\n${again.stderr}`);
    assert.equal((await etcdMembers(nodes[1]!)).filter((m) => !m.isLearner).length, 3);
  });

  test('node 1 stopped (its reconciler and containers): etcd keeps its quorum, nodes 2 and 3 keep serving; started again, it rejoins with its data', async () => {
    const pid = Number(await readFile(join(nodes[0]!.root, 'var/run/kubeboot/kubelet.pid'), 'utf8'));
    process.kill(pid, 'SIGKILL');
    const docker = await engine();
    for (const c of await docker.listContainers({ all: true, filters: { label: [`io.kubeboot.node=${nodes[0]!.name}`] } })) await docker.getContainer(c.Id).remove({ force: true });
    // Once etcd has elected a leader among the two left (a request during the election may fail, as with the real one).
    let lastError = '';
    await eventually('a write through node 3 with node 1 down', async () => {
      const write = await kubectlCreateConfigMap(nodes[2]!, `after-node-1-${run}`);
      lastError = write.stderr;
      return write.exitCode === 0 || /AlreadyExists/.test(write.stderr) ? true : undefined;
    }, 30_000, 1000).catch((err: Error) => assert.fail(`${err.message}: ${lastError}`));
    const read = await kubectl(nodes[1]!, 'get', '--raw', `/api/v1/namespaces/default/configmaps/after-node-1-${run}`);
    assert.equal(read.exitCode, 0, read.stderr);
    // Started again as init's kubelet-start starts it: the same manifests and etcd data.
    const started = await kubeboot(['init', 'phase', 'kubelet-start', '--config', configPath(nodes[0]!), '--rootfs', nodes[0]!.root]);
    assert.equal(started.exitCode, 0, started.stderr);
    const seen = await eventually('node 1 serves what was written while it was down', async () => {
      const got = await kubectl(nodes[0]!, 'get', '--raw', `/api/v1/namespaces/default/configmaps/after-node-1-${run}`);
      return got.exitCode === 0 ? JSON.parse(got.stdout).data.k : undefined;
    }, 120_000, 1000);
    assert.equal(seen, 'v');
    assert.equal((await etcdMembers(nodes[0]!)).length, 3);
  });
});
