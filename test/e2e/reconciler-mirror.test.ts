import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type Docker from 'dockerode';
import { listPods } from '../support/docker.js';
import { kubeboot } from '../support/cli.js';
import { engine, eventually, newTestRun, removeNodeContainers } from '../support/docker.js';
import { busyboxPod } from '../support/manifests.js';
import { KubeletProcess } from '../support/kubelet-process.js';
import { StandinApiServer } from '../support/standin-apiserver.js';
import { tempDir } from '../support/temp.js';

const node = `m-${newTestRun()}`.toLowerCase().slice(0, 40);
let docker: Docker;
let root: string;
let port: number;
let api: StandinApiServer;
let kubelet: KubeletProcess;
let tls: { cert: string; key: string; ca: string };

const manifest = (command: string) => busyboxPod('web', { namespace: 'kube-system', labels: { tier: 'control-plane' }, command });
const mirrorKey = () => `kube-system/web-${node}`;
const until = <T>(what: string, check: () => T | undefined | Promise<T | undefined>) =>
  kubelet.withLog(eventually(what, async () => check(), 20_000, 100), `\nrequests: ${api.requests.slice(-10).map((r) => `${r.method} ${r.path}`).join(', ')}`);

async function staticContainer(): Promise<string | undefined> {
  return [...(await listPods(docker, node)).values()][0]?.containers.find((c) => c.running)?.id;
}

before(async () => {
  docker = await engine();
  port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port: p } = probe.address() as AddressInfo;
      probe.close(() => resolve(p));
    });
  });
  root = await tempDir({
    'kubeboot.yaml': `apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\nnodeRegistration: {name: ${node}}\nlocalAPIEndpoint: {advertiseAddress: 127.0.0.1, bindPort: ${port}}\n---\napiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nencryptionAlgorithm: ECDSA-P256\n`,
    'etc/kubernetes/manifests/web.yaml': manifest('sleep 3600'),
  });
  // The cluster PKI and the node's kubelet.conf, as kubeboot init makes them.
  for (const phase of [['certs'], ['kubeconfig', 'kubelet']]) {
    const result = await kubeboot(['init', 'phase', ...phase, '--config', join(root, 'kubeboot.yaml'), '--rootfs', root]);
    assert.equal(result.exitCode, 0, result.stderr);
  }
  const pki = join(root, 'etc/kubernetes/pki');
  tls = { cert: await readFile(join(pki, 'apiserver.crt'), 'utf8'), key: await readFile(join(pki, 'apiserver.key'), 'utf8'), ca: await readFile(join(pki, 'ca.crt'), 'utf8') };
  api = new StandinApiServer(tls);
  await api.listen(port);
  kubelet = new KubeletProcess(['--pod-manifest-path', '/etc/kubernetes/manifests', '--rootfs', root, '--hostname-override', node]);
});

after(async () => {
  await kubelet?.kill('SIGKILL');
  await api?.close();
  await removeNodeContainers(node);
});

describe('mirror pods and the Node on the API server (stand-in)', { concurrency: false }, () => {
  test('the node registers as a tainted control-plane node, with a lease, using its client certificate', async () => {
    const registered = await until('node registered', () => api.nodes.get(node));
    assert.equal(registered.metadata.labels['node-role.kubernetes.io/control-plane'], '');
    assert.deepEqual(registered.spec.taints, [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }]);
    const lease = await until('lease', () => api.leases.get(node));
    assert.equal(lease.spec.holderIdentity, node);
    assert.ok(api.requests.every((r) => r.user === `system:node:${node}`));
    await until('node status', () => api.nodes.get(node)?.status?.conditions?.find((c: { type: string }) => c.type === 'Ready'));
  });

  test('the static pod gets a mirror: same name, the mirror annotation, the Node as owner, its status', async () => {
    const mirror = await until('mirror running', () => {
      const pod = api.pods.get(mirrorKey());
      return pod?.status?.phase === 'Running' && pod.status.containerStatuses?.[0]?.ready ? pod : undefined;
    });
    const annotations = mirror.metadata.annotations;
    assert.equal(annotations['kubernetes.io/config.mirror'], annotations['kubernetes.io/config.hash']);
    assert.equal(annotations['kubernetes.io/config.source'], 'file');
    assert.deepEqual(mirror.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Node', name: node, uid: api.nodes.get(node)!.metadata.uid, controller: true }]);
    assert.equal(mirror.spec.nodeName, node);
    assert.deepEqual(mirror.metadata.labels, { tier: 'control-plane' });
    assert.equal(mirror.status.containerStatuses[0].restartCount, 0);
  });

  test('a mirror deleted through the API comes back (force and graceful); the container is not touched', async () => {
    const container = await staticContainer();
    const first = api.pods.get(mirrorKey())!.metadata.uid;
    api.pods.delete(mirrorKey());
    const second = await until('re-created after a force delete', () => {
      const uid = api.pods.get(mirrorKey())?.metadata.uid;
      return uid && uid !== first ? uid : undefined;
    });
    api.gracefulDelete('kube-system', `web-${node}`);
    await until('re-created after a graceful delete', () => {
      const pod = api.pods.get(mirrorKey());
      return pod && pod.metadata.uid !== second && !pod.metadata.deletionTimestamp ? true : undefined;
    });
    assert.equal(await staticContainer(), container);
  });

  test('an edited manifest replaces the mirror; a mirror without a static pod is removed', async () => {
    const oldHash = api.pods.get(mirrorKey())!.metadata.annotations['kubernetes.io/config.hash'];
    await writeFile(join(root, 'etc/kubernetes/manifests/web.yaml'), manifest('sleep 3601'));
    await until('mirror follows the edit', () => {
      const pod = api.pods.get(mirrorKey());
      const hash = pod?.metadata.annotations['kubernetes.io/config.mirror'];
      return hash && hash !== oldHash && pod.spec.containers[0].command[2] === 'sleep 3601' ? true : undefined;
    });
    api.pods.set(`kube-system/ghost-${node}`, { metadata: { name: `ghost-${node}`, namespace: 'kube-system', uid: 'ghost', annotations: { 'kubernetes.io/config.mirror': 'x' } }, spec: { nodeName: node, containers: [] } });
    await until('orphan mirror removed', () => (api.pods.has(`kube-system/ghost-${node}`) ? undefined : true));
  });

  test('the API server away: the static pod keeps running, one log line; back: node and mirror come back', async () => {
    const container = await staticContainer();
    await api.close();
    await until('outage logged', () => (/the API server cannot be reached/.test(kubelet.log()) ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 5000));
    assert.equal(await staticContainer(), container);
    assert.equal((kubelet.log().match(/the API server cannot be reached/g) ?? []).length, 1, 'one line for the outage');
    api = new StandinApiServer(tls); // a new, empty API server on the same address
    await api.listen(port);
    await until('node and mirror back', () => (api.nodes.has(node) && api.pods.has(mirrorKey()) ? true : undefined));
    assert.match(kubelet.log(), /the API server answers again/);
  });

  test('removing the manifest removes the mirror', async () => {
    await rm(join(root, 'etc/kubernetes/manifests/web.yaml'));
    await until('mirror deleted', () => (api.pods.has(mirrorKey()) ? undefined : true));
  });
});
