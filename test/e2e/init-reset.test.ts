import assert from 'node:assert/strict';
import { copyFile, mkdir, readdir, symlink, writeFile, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type Docker from 'dockerode';
import { listPods } from '../support/docker.js';
import { kubeboot } from '../support/cli.js';
import { resetTestNode } from '../support/reset-node.js';
import { engine, eventually, images, newTestRun } from '../support/docker.js';
import { tempDir } from '../support/temp.js';

// The stand-ins (test/standins) play kube-apiserver, kube-controller-manager and kube-scheduler; etcd is
// the real one. The control plane uses the fixed kubeadm ports, so these tests run one at a time.
const run = newTestRun();
let docker: Docker;

function config(node: string, extra = ''): string {
  return `apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
nodeRegistration:
  name: ${node}
localAPIEndpoint:
  advertiseAddress: 127.0.0.1
${extra}---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
imageRepository: kubeboot.local
encryptionAlgorithm: ECDSA-P256
etcd:
  local:
    imageTag: ${images.etcd.split(':')[1]}
`;
}

async function files(root: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) await walk(join(dir, entry.name));
      else found.push(relative(root, join(dir, entry.name)));
    }
  };
  await walk(root);
  return found.sort();
}

const nodeContainers = async (node: string) => docker.listContainers({ all: true, filters: { label: [`io.kubeboot.node=${node}`] } });

before(async () => {
  docker = await engine();
});

describe('kubeboot init and reset', { concurrency: false }, () => {
  const node = `i-${run}`.slice(0, 40);
  let root: string;
  after(async () => {
    if (root) await resetTestNode(root);
  });

  test('init brings the control plane up healthy: real etcd, stand-in components, the reconciler started', async () => {
    root = await tempDir({ 'kubeboot.yaml': config(node) });
    const result = await kubeboot(['init', '--config', join(root, 'kubeboot.yaml'), '--rootfs', root]);
    assert.equal(result.exitCode, 0, `${result.stdout}\n${result.stderr}`);
    for (const component of ['kubelet', 'etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler']) {
      assert.match(result.stdout, new RegExp(`${component} at \\S+: healthy after`), component);
    }
    assert.match(result.stdout, new RegExp(`initialized successfully on node ${node}`));
    assert.match(result.stdout, new RegExp(`export KUBECONFIG=${join(root, 'etc/kubernetes/admin.conf')}`));
    assert.match(result.stdout, /preflight \d+\.\ds, certs \d+\.\ds, kubeconfig .* wait-control-plane \d+\.\ds/);
  });

  test('kubeboot ps shows the four pods Running', async () => {
    const ps = await kubeboot(['ps', '--node-name', node, '-o', 'json']);
    const pods = (JSON.parse(ps.stdout) as { pods: Array<{ name: string; namespace: string; status: string }> }).pods;
    assert.deepEqual(pods.map((p) => [p.namespace, p.name, p.status]), ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'].map((c) => ['kube-system', `${c}-${node}`, 'Running']));
  });

  // Issue 29 §8: the modes of what kubeboot writes beside the PKI are kubeadm's (kubeconfigs and manifests
  // 0600, the kubelet's config.yaml and kubeadm-flags.env 0644) or stricter (the reconciler's log and status
  // notes 0600 in 0700 folders); nothing is writable by group or others.
  test('every file init wrote outside the PKI has kubeadm\'s mode or a stricter one', async () => {
    const { stat } = await import('node:fs/promises');
    const expected: Array<[RegExp, number]> = [
      [/^etc\/kubernetes\/[a-z-]+\.conf$/, 0o600],
      [/^etc\/kubernetes\/manifests\/[a-z-]+\.yaml$/, 0o600],
      [/^etc\/kubernetes\/kubeboot-init\.yaml$/, 0o600],
      [/^var\/lib\/kubelet\/(config\.yaml|kubeadm-flags\.env)$/, 0o644],
      [/^var\/lib\/kubelet\/kubeboot\/status-.*\.json$/, 0o600],
      [/^var\/log\/kubeboot\/kubelet\.log$/, 0o600],
      [/^var\/run\/kubeboot\/kubelet\.pid$/, 0o644],
    ];
    // etcd's own files are etcd's (written by the real etcd in its container); its folder is checked below.
    const written = (await files(root)).filter((file) => !file.startsWith('etc/kubernetes/pki/') && !file.startsWith('var/lib/etcd/') && file !== 'kubeboot.yaml');
    assert.ok(written.includes('var/log/kubeboot/kubelet.log') && written.some((f) => f.startsWith('var/lib/kubelet/kubeboot/status-')), written.join(', '));
    for (const file of written) {
      const mode = (await stat(join(root, file))).mode & 0o777;
      const rule = expected.find(([pattern]) => pattern.test(file));
      assert.ok(rule, `${file}: a file init writes that this test does not know; add its expected mode`);
      assert.equal(mode & ~rule[1], 0, `${file}: mode ${mode.toString(8)}, expected ${rule[1].toString(8)} or stricter`);
    }
    for (const dir of ['var/log/kubeboot', 'var/lib/kubelet', 'var/lib/kubelet/kubeboot', 'var/lib/etcd', 'etc/kubernetes/manifests']) {
      assert.equal((await stat(join(root, dir))).mode & 0o077, 0, `${dir}: open to group or others`);
    }
  });

  test('a killed kube-apiserver container is restarted and answers again', async () => {
    const pod = [...(await listPods(docker, node)).values()].find((p) => p.name === `kube-apiserver-${node}`)!;
    await docker.getContainer(pod.containers.find((c) => c.running)!.id).kill();
    await eventually('the API server restarted', async () => {
      const again = [...(await listPods(docker, node)).values()].find((p) => p.name === `kube-apiserver-${node}`);
      return again?.containers.some((c) => c.running && c.restartCount === 1) ? true : undefined;
    }, 20_000, 100);
    const wait = await kubeboot(['init', 'phase', 'wait-control-plane', '--config', join(root, 'kubeboot.yaml'), '--rootfs', root]);
    assert.equal(wait.exitCode, 0, `${wait.stdout}\n${wait.stderr}`);
    assert.match(wait.stdout, /kube-apiserver at \S+: healthy/);
  });

  test('a second init on the same node is stopped by preflight, naming every problem and the way out', async () => {
    const again = await kubeboot(['init', '--config', join(root, 'kubeboot.yaml'), '--rootfs', root]);
    assert.equal(again.exitCode, 1);
    assert.match(again.stderr, /\[ERROR Port-6443\]: Port 6443 is in use/);
    assert.match(again.stderr, /\[ERROR FileAvailable--etc-kubernetes-manifests-kube-apiserver\.yaml\]: .* run kubeboot reset/);
    assert.match(again.stderr, /\[ERROR DirAvailable--var-lib-etcd\]/);
    assert.match(again.stderr, /--ignore-preflight-errors=/);
  });

  test('reset refuses, end to end, a configuration whose etcd data folder is a system folder: nothing stopped, nothing removed', async () => {
    const tampered = join(root, 'tampered.yaml');
    await writeFile(tampered, config(node).replace(`    imageTag:`, `    dataDir: /var/lib\n    imageTag:`));
    const before = await files(root);
    const running = (await nodeContainers(node)).filter((c) => c.State === 'running').map((c) => c.Id).sort();
    const refused = await kubeboot(['reset', '--force', '--rootfs', root, '--config', tampered]);
    assert.equal(refused.exitCode, 1, refused.stdout);
    assert.match(refused.stderr, /tampered\.yaml:\d+:\d+: ClusterConfiguration\.etcd\.local\.dataDir: got "\/var\/lib": \/var\/lib is a system folder/);
    assert.deepEqual(await files(root), before, 'no file removed (the tampered config is the only addition)');
    assert.deepEqual((await nodeContainers(node)).filter((c) => c.State === 'running').map((c) => c.Id).sort(), running, 'no pod stopped');
    await rm(tampered);
  });

  test('reset removes the containers and files of init and nothing else; a second reset has nothing to do', async () => {
    await writeFile(join(root, 'etc/kubernetes/manifests/mine.yaml'), 'a manifest of the user, not of kubeboot\n');
    const reset = await kubeboot(['reset', '--force', '--rootfs', root]);
    assert.equal(reset.exitCode, 0, reset.stderr);
    assert.match(reset.stdout, /Stopped the reconciler/);
    assert.match(reset.stdout, /does not clean up:[\s\S]*CNI configuration[\s\S]*\$HOME\/\.kube\/config/);
    assert.deepEqual(await nodeContainers(node), []);
    assert.deepEqual(await files(root), ['etc/kubernetes/manifests/mine.yaml', 'kubeboot.yaml', 'var/log/kubeboot/kubelet.log']);
    const second = await kubeboot(['reset', '--force', '--rootfs', root]);
    assert.equal(second.exitCode, 0);
    assert.match(second.stdout, /Nothing to do/);
  });

  test('reset without a terminal and without --force refuses and removes nothing', async () => {
    const refused = await kubeboot(['reset', '--rootfs', root, '--config', join(root, 'kubeboot.yaml')]);
    // Nothing is left to remove here, so it says so; with something to remove it must ask.
    assert.match(refused.stdout, /Nothing to do/);
    const other = await tempDir({ 'kubeboot.yaml': config(`${node}-q`) });
    const certs = await kubeboot(['init', 'phase', 'certs', '--config', join(other, 'kubeboot.yaml'), '--rootfs', other]);
    assert.equal(certs.exitCode, 0, certs.stderr);
    const asked = await kubeboot(['reset', '--rootfs', other, '--config', join(other, 'kubeboot.yaml')]);
    assert.equal(asked.exitCode, 2);
    assert.match(asked.stderr, /no terminal to ask on[\s\S]*--force/);
    assert.ok((await files(other)).includes('etc/kubernetes/pki/ca.key'), 'nothing removed');
    // A phase run alone asks too (kubeadm's does not).
    const alone = await kubeboot(['reset', 'phase', 'cleanup-node', '--rootfs', other, '--config', join(other, 'kubeboot.yaml')]);
    assert.equal(alone.exitCode, 2, alone.stderr);
    assert.match(alone.stderr, /no terminal to ask on/);
    const listed = await kubeboot(['reset', 'phase', 'cleanup-node', '--dry-run', '--rootfs', other, '--config', join(other, 'kubeboot.yaml')]);
    assert.equal(listed.exitCode, 0, listed.stderr);
    assert.match(listed.stdout, /Would, for node .*:\n[\s\S]*delete \/etc\/kubernetes\/pki\/ca\.key/);
    assert.ok((await files(other)).includes('etc/kubernetes/pki/ca.key'), 'nothing removed');
  });
});

describe('a broken certificate', () => {
  const node = `b-${run}`.slice(0, 40);
  let root: string;
  after(async () => {
    if (root) await resetTestNode(root);
  });

  test('makes init fail, naming the component, its container state and the reason from its log', async () => {
    root = await tempDir({ 'kubeboot.yaml': config(node, 'timeouts:\n  controlPlaneComponentHealthCheck: 15s\n') });
    const file = join(root, 'kubeboot.yaml');
    for (const phase of [['certs'], ['kubeconfig']]) assert.equal((await kubeboot(['init', 'phase', ...phase, '--config', file, '--rootfs', root])).exitCode, 0);
    // The API server's etcd client certificate, swapped for one from another CA.
    const pki = join(root, 'etc/kubernetes/pki');
    await copyFile(join(pki, 'front-proxy-client.crt'), join(pki, 'apiserver-etcd-client.crt'));
    await copyFile(join(pki, 'front-proxy-client.key'), join(pki, 'apiserver-etcd-client.key'));
    const result = await kubeboot(['init', '--config', file, '--rootfs', root, '--skip-phases', 'certs,kubeconfig']);
    assert.equal(result.exitCode, 1, result.stdout);
    assert.match(result.stderr, /kube-apiserver is not healthy after \d+s/);
    assert.match(result.stderr, new RegExp(`pod kube-apiserver-${node}: \\S+, container \\w+.*\\d+ restarts`));
    assert.match(result.stderr, /--etcd-certfile .* is not signed by --etcd-cafile/);
    // The controller-manager and scheduler need the API server, so they are named too; etcd is healthy and is not.
    assert.doesNotMatch(result.stderr, /(^|\n)etcd is not healthy/, 'a healthy component is not named');
  });
});

describe('two control planes on one machine', () => {
  const nodeA = `a-${run}`.slice(0, 40);
  const nodeB = `b2-${run}`.slice(0, 40);
  const roots: string[] = [];
  after(async () => {
    for (const root of roots) await resetTestNode(root);
  });

  // Node B moves every port through the configuration, as a user would: bindPort, etcd's URLs, the
  // components' secure ports, the reconciler's healthzPort.
  const moved = `    extraArgs:
    - {name: listen-client-urls, value: "https://127.0.0.1:12379"}
    - {name: advertise-client-urls, value: "https://127.0.0.1:12379"}
    - {name: listen-peer-urls, value: "https://127.0.0.1:12380"}
    - {name: initial-advertise-peer-urls, value: "https://127.0.0.1:12380"}
    - {name: initial-cluster, value: "${nodeB}=https://127.0.0.1:12380"}
    - {name: listen-metrics-urls, value: "http://127.0.0.1:12381"}
apiServer:
  extraArgs: [{name: etcd-servers, value: "https://127.0.0.1:12379"}]
controllerManager:
  extraArgs: [{name: secure-port, value: "11257"}]
scheduler:
  extraArgs: [{name: secure-port, value: "11259"}]
---
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
healthzPort: 11248
`;

  test('with different node names and ports they run side by side, and resetting one leaves the other alone', async () => {
    const a = await tempDir({ 'kubeboot.yaml': config(nodeA) });
    const b = await tempDir({ 'kubeboot.yaml': config(nodeB).replace('advertiseAddress: 127.0.0.1', 'advertiseAddress: 127.0.0.1\n  bindPort: 16443') + moved });
    roots.push(a, b);
    for (const root of [a, b]) {
      const result = await kubeboot(['init', '--config', join(root, 'kubeboot.yaml'), '--rootfs', root]);
      assert.equal(result.exitCode, 0, `${result.stdout}\n${result.stderr}`);
    }
    const before = (await nodeContainers(nodeA)).map((c) => c.Id).sort();
    assert.equal(before.length, 4);
    assert.equal((await nodeContainers(nodeB)).length, 4);
    assert.equal((await kubeboot(['reset', '--force', '--rootfs', b])).exitCode, 0);
    assert.deepEqual(await nodeContainers(nodeB), []);
    assert.deepEqual((await nodeContainers(nodeA)).filter((c) => c.State === 'running').map((c) => c.Id).sort(), before);
    const wait = await kubeboot(['init', 'phase', 'wait-control-plane', '--config', join(a, 'kubeboot.yaml'), '--rootfs', a]);
    assert.equal(wait.exitCode, 0, wait.stderr);
  });
});

describe('reset safety', () => {
  test('a symlink leading out of the rootfs is refused, and nothing outside is touched', async () => {
    const outside = await tempDir({ 'pki/ca.key': 'not yours\n', 'admin.conf': 'not yours either\n' });
    const root = await tempDir({ 'kubeboot.yaml': config(`s-${run}`.slice(0, 40)) });
    await mkdir(join(root, 'etc'));
    await symlink(outside, join(root, 'etc/kubernetes'));
    const result = await kubeboot(['reset', '--force', '--rootfs', root, '--config', join(root, 'kubeboot.yaml')]);
    assert.equal(result.exitCode, 1, result.stdout);
    assert.match(result.stderr, /a symlink leads it out of the rootfs/);
    assert.deepEqual(await files(outside), ['admin.conf', 'pki/ca.key']);
  });
});

describe('init and init phase run the same code', () => {
  const node = `p-${run}`.slice(0, 40);
  const roots: string[] = [];
  after(async () => {
    for (const root of roots) await resetTestNode(root);
  });

  /** What init made that a user reads: /etc/kubernetes and the KubeletConfiguration, keys and certificates by name only. */
  async function tree(root: string): Promise<Record<string, string>> {
    const { readFile } = await import('node:fs/promises');
    const out: Record<string, string> = {};
    for (const file of (await files(root)).filter((f) => f.startsWith('etc/kubernetes/') || f === 'var/lib/kubelet/config.yaml')) {
      const text = await readFile(join(root, file), 'utf8');
      out[file] = /\.(crt|key|pub)$/.test(file) ? '(a key or certificate)' : text.replace(/^(\s*[\w-]+-data): \S+$/gm, '$1: (data)');
    }
    return out;
  }

  // The phases from wait-control-plane on talk to the API server and write no files; both runs leave them out.
  const apiPhases = 'wait-control-plane,upload-config,upload-certs,mark-control-plane,bootstrap-token,kubelet-finalize,addon,show-join-command';
  test('every phase alone, in order, makes the same tree as init without the phases that need the API server', async () => {
    const alone = await tempDir({ 'kubeboot.yaml': config(node) });
    const whole = await tempDir({ 'kubeboot.yaml': config(node) });
    roots.push(alone, whole);
    for (const phase of [['preflight'], ['certs'], ['kubeconfig'], ['etcd', 'local'], ['control-plane'], ['kubelet-start']]) {
      const result = await kubeboot(['init', 'phase', ...phase, '--config', join(alone, 'kubeboot.yaml'), '--rootfs', alone]);
      assert.equal(result.exitCode, 0, `${phase.join(' ')}:\n${result.stdout}\n${result.stderr}`);
    }
    const byPhases = await tree(alone);
    assert.equal((await kubeboot(['reset', '--force', '--rootfs', alone])).exitCode, 0);
    const result = await kubeboot(['init', '--skip-phases', apiPhases, '--config', join(whole, 'kubeboot.yaml'), '--rootfs', whole]);
    assert.equal(result.exitCode, 0, `${result.stdout}\n${result.stderr}`);
    const byInit = await tree(whole);
    assert.ok(Object.keys(byInit).length >= 30, `init made ${Object.keys(byInit).length} files`);
    assert.deepEqual(byPhases, byInit);
  });
});
