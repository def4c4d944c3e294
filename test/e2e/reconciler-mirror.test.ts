import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type Docker from 'dockerode';
import { listPods } from '../support/docker.js';
import { kubeboot } from '../support/cli.js';
import { engine, eventually, newTestRun, removeNodeContainers } from '../support/docker.js';
import { busyboxPod } from '../support/manifests.js';
import { KubeletProcess } from '../support/kubelet-process.js';
import { StandinApiServer, freePort } from '../support/standin-apiserver.js';
import { tempDir } from '../support/temp.js';

const node = `m-${newTestRun()}`.toLowerCase().slice(0, 40);
let docker: Docker;
let root: string;
let port: number;
let api: StandinApiServer;
let kubelet: KubeletProcess;

const manifest = (command: string) => busyboxPod('web', { namespace: 'kube-system', labels: { tier: 'control-plane' }, command });
const mirrorPath = (name = `web-${node}`) => `/api/v1/namespaces/kube-system/pods/${name}`;
const until = <T>(what: string, check: () => T | undefined | Promise<T | undefined>) =>
  kubelet.withLog(eventually(what, async () => check(), 20_000, 100), `\nrequests: ${api.requests().slice(-10).join(', ')}`);
// What a user would read with kubectl: the objects as the API server (stand-in) returns them.
type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const read = (path: string) => api.admin.find<Obj>(path);
const nodeObject = () => read(`/api/v1/nodes/${node}`);
const mirror = () => read(mirrorPath());

async function staticContainer(): Promise<string | undefined> {
  return [...(await listPods(docker, node)).values()][0]?.containers.find((c) => c.running)?.id;
}

before(async () => {
  docker = await engine();
  port = await freePort();
  root = await tempDir({
    'kubeboot.yaml': `apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\nnodeRegistration: {name: ${node}}\nlocalAPIEndpoint: {advertiseAddress: 127.0.0.1, bindPort: ${port}}\n---\napiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nencryptionAlgorithm: ECDSA-P256\n`,
    'etc/kubernetes/manifests/web.yaml': manifest('sleep 3600'),
  });
  // The cluster PKI and the node's kubelet.conf, as kubeboot init makes them (super-admin.conf: the test's eyes).
  for (const phase of [['certs'], ['kubeconfig', 'kubelet'], ['kubeconfig', 'super-admin']]) {
    const result = await kubeboot(['init', 'phase', ...phase, '--config', join(root, 'kubeboot.yaml'), '--rootfs', root]);
    assert.equal(result.exitCode, 0, result.stderr);
  }
  api = await StandinApiServer.start(root, port);
  kubelet = new KubeletProcess(['--pod-manifest-path', '/etc/kubernetes/manifests', '--rootfs', root, '--hostname-override', node]);
});

after(async () => {
  await kubelet?.kill('SIGKILL');
  await api?.close();
  await removeNodeContainers(node);
});

describe('mirror pods and the Node on the API server (stand-in)', { concurrency: false }, () => {
  test('the node registers as a tainted control-plane node, with a lease, using its client certificate', async () => {
    const registered = await until('node registered', nodeObject);
    assert.equal(registered.metadata.labels['node-role.kubernetes.io/control-plane'], '');
    assert.deepEqual(registered.spec.taints, [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }]);
    const lease = await until('lease', () => read(`/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${node}`));
    assert.equal(lease.spec.holderIdentity, node);
    const byNode = api.requests().filter((r) => !r.endsWith(' as kubernetes-super-admin'));
    assert.ok(byNode.length > 0 && byNode.every((r) => r.endsWith(` as system:node:${node}`)), byNode.join('\n'));
    await until('node status', async () => (await nodeObject())?.status?.conditions?.find((c: { type: string }) => c.type === 'Ready'));
  });

  test('the static pod gets a mirror: same name, the mirror annotation, the Node as owner, its status', async () => {
    const pod = await until('mirror running', async () => {
      const found = await mirror();
      return found?.status?.phase === 'Running' && found.status.containerStatuses?.[0]?.ready ? found : undefined;
    });
    const annotations = pod.metadata.annotations;
    assert.equal(annotations['kubernetes.io/config.mirror'], annotations['kubernetes.io/config.hash']);
    assert.equal(annotations['kubernetes.io/config.source'], 'file');
    assert.deepEqual(pod.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Node', name: node, uid: (await nodeObject())!.metadata.uid, controller: true }]);
    assert.equal(pod.spec.nodeName, node);
    assert.deepEqual(pod.metadata.labels, { tier: 'control-plane' });
    assert.equal(pod.status.containerStatuses[0].restartCount, 0);
  });

  test('a mirror deleted through the API comes back (force and graceful); the container is not touched', async () => {
    const container = await staticContainer();
    const first = (await mirror())!.metadata.uid;
    await api.admin.delete(mirrorPath(), { gracePeriodSeconds: 0 }); // kubectl delete --force --grace-period=0
    const second = await until('re-created after a force delete', async () => {
      const uid = (await mirror())?.metadata.uid;
      return uid && uid !== first ? uid : undefined;
    });
    const marked = await api.admin.delete(mirrorPath()); // kubectl delete: a pod bound to a node is only marked
    assert.ok((marked.metadata as Obj).deletionTimestamp, 'a graceful delete marks the pod first');
    await until('re-created after a graceful delete', async () => {
      const pod = await mirror();
      return pod && pod.metadata.uid !== second && !pod.metadata.deletionTimestamp ? true : undefined;
    });
    assert.equal(await staticContainer(), container);
  });

  test('an edited manifest replaces the mirror; a mirror without a static pod is removed', async () => {
    const oldHash = (await mirror())!.metadata.annotations['kubernetes.io/config.hash'];
    await writeFile(join(root, 'etc/kubernetes/manifests/web.yaml'), manifest('sleep 3601'));
    await until('mirror follows the edit', async () => {
      const pod = await mirror();
      const hash = pod?.metadata.annotations['kubernetes.io/config.mirror'];
      return hash && hash !== oldHash && pod.spec.containers[0].command[2] === 'sleep 3601' ? true : undefined;
    });
    // A mirror pod left by an earlier manifest of this node (an admin can create one; the node's would be refused).
    const ghost = { apiVersion: 'v1', kind: 'Pod', metadata: { name: `ghost-${node}`, namespace: 'kube-system', annotations: { 'kubernetes.io/config.mirror': 'x' } }, spec: { nodeName: node, containers: [{ name: 'c', image: 'x' }] } };
    await api.admin.create(ghost);
    await until('orphan mirror removed', async () => ((await read(mirrorPath(`ghost-${node}`))) ? undefined : true));
  });

  test('the API server away: the static pod keeps running, one log line; back: node and mirror come back', async () => {
    const container = await staticContainer();
    await api.stopApiServer();
    await until('outage logged', () => (/the API server cannot be reached/.test(kubelet.log()) ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 5000));
    assert.equal(await staticContainer(), container);
    assert.equal((kubelet.log().match(/the API server cannot be reached/g) ?? []).length, 1, 'one line for the outage');
    // The cluster comes back without this node's objects (as after a restore from an older etcd backup).
    await api.etcdctl('del', `/registry/minions/${node}`);
    await api.etcdctl('del', `/registry/pods/kube-system/web-${node}`);
    await api.startApiServer();
    // The line is logged when the whole sync is done, which may be after the mirror is created.
    await until('node and mirror back, and said so', async () => ((await nodeObject()) && (await mirror()) && /the API server answers again/.test(kubelet.log()) ? true : undefined));
  });

  test('removing the manifest removes the mirror', async () => {
    await rm(join(root, 'etc/kubernetes/manifests/web.yaml'));
    await until('mirror deleted', async () => ((await mirror()) ? undefined : true));
  });
});
