import assert from 'node:assert/strict';
import { mkdir, rename, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type Docker from 'dockerode';
import type { RuntimePod } from '../../src/runtime/runtime.js';
import { listPods } from '../support/docker.js';
import { engine, eventually, images, newTestRun, removeNodeContainers } from '../support/docker.js';
import { busyboxPod } from '../support/manifests.js';
import { KubeletProcess, testRootDir } from '../support/kubelet-process.js';
import { tempDir } from '../support/temp.js';

const run = newTestRun();
const node = `n-${run}`.toLowerCase().slice(0, 40);
let docker: Docker;
let folder: string;
let kubelet: KubeletProcess;
let configFile: string;

const pod = (name: string, command: string) => busyboxPod(name, { command });

async function pods(): Promise<Map<string, RuntimePod>> {
  return listPods(docker, node);
}

/** Running pods by name, with their running container IDs. */
async function running(): Promise<Record<string, string[]>> {
  const result: Record<string, string[]> = {};
  for (const p of (await pods()).values()) {
    const ids = p.containers.filter((c) => c.running).map((c) => c.id).sort();
    if (ids.length > 0) result[p.name] = ids;
  }
  return result;
}

async function waitFor(what: string, check: (state: Record<string, string[]>) => boolean, timeoutMs = 15_000): Promise<Record<string, string[]>> {
  return eventually(what, async () => {
    const state = await running();
    return check(state) ? state : undefined;
  }, timeoutMs, 100).catch((err: Error) => {
    throw new Error(`${err.message}\nkubelet log:\n${kubelet?.log()}`);
  });
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 1500));

/**
 * Waits until the reconciler has relisted the folder `times` more times after now, as its log shows: an
 * invalid manifest is reported on every relist. "Nothing happened" is then asserted after relists the
 * test saw, not after a fixed sleep that a slow machine could outrun.
 */
async function relistsSeen(pattern: RegExp, times: number): Promise<void> {
  const count = () => kubelet.log().split('\n').filter((line) => pattern.test(line)).length;
  const start = count();
  await eventually(`${times} more relists reporting ${pattern}`, async () => (count() >= start + times ? true : undefined), 30_000, 100).catch((err: Error) => {
    throw new Error(`${err.message}\nkubelet log:\n${kubelet.log()}`);
  });
}

before(async () => {
  docker = await engine();
  const dir = await tempDir();
  folder = join(dir, 'manifests');
  await mkdir(folder);
  configFile = join(dir, 'kubelet.yaml');
  await writeFile(configFile, `apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nstaticPodPath: ${folder}\nfileCheckFrequency: 2s\n`);
  await writeFile(join(folder, 'a.yaml'), pod('alpha', 'sleep 3600'));
  await writeFile(join(folder, 'b.yaml'), pod('beta', 'sleep 3600'));
  kubelet = new KubeletProcess(['--config', configFile, '--hostname-override', node]);
});

after(async () => {
  await kubelet?.kill('SIGKILL');
  await removeNodeContainers(node);
});

describe('kubeboot kubelet on a manifest folder', { concurrency: false }, () => {
  test('starts every manifest as a pod named <name>-<node>', async () => {
    const state = await waitFor('alpha and beta running', (s) => Boolean(s[`alpha-${node}`] && s[`beta-${node}`]));
    assert.deepEqual(Object.keys(state).sort(), [`alpha-${node}`, `beta-${node}`]);
  });

  test('touching a file or rewriting the same content changes nothing', async () => {
    const before = await running();
    await utimes(join(folder, 'a.yaml'), new Date(), new Date());
    await writeFile(join(folder, 'b.yaml'), pod('beta', 'sleep 3600'));
    await settle();
    assert.deepEqual(await running(), before);
  });

  test('dotfiles and editor leftovers are not run', async () => {
    await writeFile(join(folder, '.hidden.yaml'), pod('hidden', 'sleep 3600'));
    await writeFile(join(folder, 'a.yaml.swp'), pod('swap', 'sleep 3600'));
    await writeFile(join(folder, 'a.yaml~'), pod('backup', 'sleep 3600'));
    // A leftover wakes no watch: the next relist (every 2 s here) sees it and says so once.
    await eventually('the swap file reported as ignored', async () => (/ignored: an editor or package-manager leftover.*a\.yaml\.swp/.test(kubelet.log()) ? true : undefined), 20_000, 200);
    await settle();
    assert.deepEqual(Object.keys(await running()).sort(), [`alpha-${node}`, `beta-${node}`]);
  });

  test('an edit replaces the pod: the old container is gone, a new UID runs', async () => {
    const before = (await pods()).values();
    const oldUid = [...before].find((p) => p.name === `alpha-${node}`)!.uid;
    await writeFile(join(folder, 'a.yaml'), pod('alpha', 'sleep 3601'));
    await waitFor('alpha replaced', () => true, 1);
    await eventually('new alpha', async () => {
      const all = [...(await pods()).values()].filter((p) => p.name === `alpha-${node}`);
      return all.length === 1 && all[0]!.uid !== oldUid && all[0]!.containers.every((c) => c.running) ? all : undefined;
    }, 15_000, 100);
  });

  test('a new invalid file starts nothing and names the problem', async () => {
    await writeFile(join(folder, 'bad.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: bad}\nspec:\n  containers:\n  - name: Bad_Name\n    image: x\n');
    await eventually('the invalid manifest reported', async () => (/invalid manifest: not started.*bad\.yaml.*spec\.containers\[0\]\.name: got \\?"Bad_Name\\?"/.test(kubelet.log()) ? true : undefined), 20_000, 200);
    await relistsSeen(/invalid manifest: not started.*bad\.yaml/, 1);
    assert.equal((await running())[`bad-${node}`], undefined);
    await rm(join(folder, 'bad.yaml'));
  });

  test('a running pod whose manifest is edited into an invalid one keeps running', async () => {
    const before = (await running())[`beta-${node}`];
    await writeFile(join(folder, 'b.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: beta\n');
    // Reported once by the watch, then again by a relist (2 s) the test sees: beta is still the same container.
    await relistsSeen(/the pod keeps running its last good version.*b\.yaml/, 2);
    assert.deepEqual((await running())[`beta-${node}`], before);
  });

  test('after a SIGKILL, a restarted reconciler adopts the pods: nothing restarted or duplicated, the invalid file still keeps beta', async () => {
    const before = await running();
    await kubelet.kill('SIGKILL');
    kubelet = new KubeletProcess(['--config', configFile, '--hostname-override', node]);
    await eventually('restarted reconciler listed the folder', async () => (/kubeboot kubelet started/.test(kubelet.log()) ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 3000));
    assert.deepEqual(await running(), before);
    const all = await docker.listContainers({ all: true, filters: { label: [`io.kubeboot.node=${node}`] } });
    assert.equal(all.length, Object.values(before).flat().length, 'no extra containers');
    await writeFile(join(folder, 'b.yaml'), pod('beta', 'sleep 3600'));
  });

  test('a rename is a remove plus an add', async () => {
    const before = [...(await pods()).values()].find((p) => p.name === `beta-${node}`)!.uid;
    await rename(join(folder, 'b.yaml'), join(folder, 'b2.yaml'));
    await eventually('beta from b2.yaml', async () => {
      const all = [...(await pods()).values()].filter((p) => p.name === `beta-${node}`);
      return all.length === 1 && all[0]!.uid !== before && all[0]!.source.endsWith('b2.yaml') && all[0]!.containers.every((c) => c.running) ? true : undefined;
    }, 15_000, 100);
  });

  test('two files with one pod name: the first in sorted order runs, the conflict is reported', async () => {
    await writeFile(join(folder, 'c1.yaml'), pod('gamma', 'sleep 3600'));
    await writeFile(join(folder, 'c2.yaml'), pod('gamma', 'sleep 3602'));
    await waitFor('gamma running', (s) => Boolean(s[`gamma-${node}`]));
    await settle();
    const gamma = [...(await pods()).values()].filter((p) => p.name === `gamma-${node}`);
    assert.equal(gamma.length, 1);
    assert.ok(gamma[0]!.source.endsWith('c1.yaml'));
    assert.match(kubelet.log(), /two manifests define the same pod.*running=\S*c1\.yaml ignored=\S*c2\.yaml/);
    await rm(join(folder, 'c1.yaml'));
    await rm(join(folder, 'c2.yaml'));
  });

  test('a symlink to a manifest is followed', async () => {
    const elsewhere = await tempDir({ 'real.yaml': pod('linked', 'sleep 3600') });
    await symlink(join(elsewhere, 'real.yaml'), join(folder, 'linked.yaml'));
    await waitFor('linked running', (s) => Boolean(s[`linked-${node}`]));
    await rm(join(folder, 'linked.yaml'));
  });

  test('removing a manifest stops and removes its containers', async () => {
    await rm(join(folder, 'a.yaml'));
    await waitFor('alpha gone', (s) => !s[`alpha-${node}`]);
    await eventually('alpha containers removed', async () => ([...(await pods()).values()].some((p) => p.name === `alpha-${node}`) ? undefined : true));
  });

  test('hostPath and emptyDir volumes, env with $(VAR) expansion and fieldRef', async () => {
    const hostDir = await tempDir({ 'in.txt': 'from the host' });
    await writeFile(join(folder, 'vol.yaml'), `apiVersion: v1
kind: Pod
metadata: {name: vol}
spec:
  hostNetwork: true
  containers:
  - name: writer
    image: ${images.busybox}
    command: [sh, -c, 'cat /host/in.txt > /scratch/copy && cp /scratch/copy /host/copy.txt && echo "$(GREETING) $(NODE)" > /host/.out.txt && mv /host/.out.txt /host/out.txt && sleep 3600']
    env:
    - {name: WHO, value: world}
    - {name: GREETING, value: "hello $(WHO)"}
    - name: NODE
      valueFrom: {fieldRef: {fieldPath: spec.nodeName}}
    volumeMounts:
    - {name: host, mountPath: /host}
    - {name: scratch, mountPath: /scratch}
  volumes:
  - name: host
    hostPath: {path: ${hostDir}, type: Directory}
  - name: scratch
    emptyDir: {}
`);
    const { readFile } = await import('node:fs/promises');
    // out.txt is renamed into place last: once it exists, both files are complete.
    const out = await eventually('vol wrote its files', async () => readFile(join(hostDir, 'out.txt'), 'utf8').catch(() => undefined), 15_000, 100);
    assert.equal(out.trim(), `hello world ${node}`);
    assert.equal(await readFile(join(hostDir, 'copy.txt'), 'utf8'), 'from the host');
    const uid = [...(await pods()).values()].find((p) => p.name === `vol-${node}`)!.uid;
    const scratch = join(testRootDir(), 'pods', uid, 'volumes', 'kubernetes.io~empty-dir', 'scratch', 'copy');
    assert.equal(await readFile(scratch, 'utf8'), 'from the host', 'the emptyDir lives under the root dir');
    await rm(join(folder, 'vol.yaml'));
    await eventually('the pod folder is removed with the pod', async () => ((await stat(join(testRootDir(), 'pods', uid)).catch(() => undefined)) ? undefined : true), 15_000, 100);
  });

  test('a pod that is not hostNetwork: containers share localhost through the sandbox, hostPort is published', async () => {
    const port = 18000 + Math.floor(Math.random() * 1000);
    await writeFile(join(folder, 'net.yaml'), `apiVersion: v1
kind: Pod
metadata: {name: net}
spec:
  terminationGracePeriodSeconds: 2
  containers:
  - name: server
    image: ${images.busybox}
    command: [sh, -c, 'mkdir -p /www && echo "served by $(POD)" > /www/index.html && httpd -f -p 8080 -h /www']
    env:
    - name: POD
      valueFrom: {fieldRef: {fieldPath: metadata.name}}
    ports:
    - {containerPort: 8080, hostPort: ${port}}
  - name: client
    image: ${images.busybox}
    command: [sh, -c, 'until wget -qO /tmp/got http://127.0.0.1:8080/; do sleep 0.2; done; sleep 3600']
`);
    const body = await eventually('hostPort answers', async () => {
      const response = await fetch(`http://127.0.0.1:${port}/`).catch(() => undefined);
      return response?.ok ? response.text() : undefined;
    }, 20_000, 200);
    assert.equal(body.trim(), `served by net-${node}`);
    const netPod = [...(await pods()).values()].find((p) => p.name === `net-${node}`)!;
    assert.deepEqual(netPod.containers.map((c) => c.name).sort(), ['POD', 'client', 'server']);
    const client = netPod.containers.find((c) => c.name === 'client')!;
    const got = await eventually('client reached the server over localhost', async () => {
      const exec = await docker.getContainer(client.id).exec({ Cmd: ['cat', '/tmp/got'], AttachStdout: true, AttachStderr: true });
      const stream = await exec.start({});
      const chunks: Buffer[] = [];
      await new Promise<void>((resolve) => {
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => resolve());
      });
      const text = Buffer.concat(chunks).toString();
      return text.includes('served by') ? text : undefined;
    }, 10_000, 200);
    assert.match(got, new RegExp(`served by net-${node}`));
    await rm(join(folder, 'net.yaml'));
    await eventually('net gone', async () => ([...(await pods()).values()].some((p) => p.name === `net-${node}`) ? undefined : true), 15_000, 100);
  });

  test('a second reconciler with another node name does not touch this node’s pods', async () => {
    const otherNode = `${node}-x`.slice(0, 50);
    const otherDir = await tempDir({ 'o.yaml': pod('other', 'sleep 3600') });
    const before = await running();
    const other = new KubeletProcess(['--pod-manifest-path', otherDir, '--hostname-override', otherNode]);
    try {
      await eventually('other node pod', async () => ([...(await listPods(docker, otherNode)).values()].some((p) => p.containers.some((c) => c.running)) ? true : undefined), 15_000, 100);
      await settle();
      assert.deepEqual(await running(), before);
    } finally {
      await other.kill('SIGKILL');
      await removeNodeContainers(otherNode);
    }
  });

  test('SIGTERM stops the reconciler and leaves the pods running', async () => {
    const before = await running();
    await kubelet.kill('SIGTERM');
    assert.match(kubelet.log(), /stopping; the pods keep running/);
    assert.deepEqual(await running(), before);
  });
});

describe('manifest path edge cases', () => {
  test('a missing folder means no pods; once created, its manifests run', async () => {
    const edgeNode = `${node}-m`.slice(0, 50);
    const parent = await tempDir();
    const missing = join(parent, 'later');
    const edge = new KubeletProcess(['--pod-manifest-path', missing, '--hostname-override', edgeNode]);
    try {
      await eventually('started', async () => (/manifest path does not exist/.test(edge.log()) ? true : undefined));
      await mkdir(missing);
      await writeFile(join(missing, 'p.yaml'), pod('late', 'sleep 3600'));
      await eventually('late pod', async () => ([...(await listPods(docker, edgeNode)).values()].some((p) => p.name === `late-${edgeNode}` && p.containers.some((c) => c.running)) ? true : undefined), 30_000, 200);
    } finally {
      await edge.kill('SIGKILL');
      await removeNodeContainers(edgeNode);
    }
  });

  test('single-file mode: staticPodPath names one manifest', async () => {
    const edgeNode = `${node}-s`.slice(0, 50);
    const dir = await tempDir({ 'only.yaml': pod('only', 'sleep 3600'), 'other.yaml': pod('notme', 'sleep 3600') });
    const edge = new KubeletProcess(['--pod-manifest-path', join(dir, 'only.yaml'), '--hostname-override', edgeNode]);
    try {
      await eventually('only pod', async () => ([...(await listPods(docker, edgeNode)).values()].some((p) => p.name === `only-${edgeNode}` && p.containers.some((c) => c.running)) ? true : undefined), 15_000, 100);
      await settle();
      assert.deepEqual([...(await listPods(docker, edgeNode)).values()].map((p) => p.name), [`only-${edgeNode}`]);
    } finally {
      await edge.kill('SIGKILL');
      await removeNodeContainers(edgeNode);
    }
  });
});
