import assert from 'node:assert/strict';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type Docker from 'dockerode';
import { listPods } from '../support/docker.js';
import { kubeboot } from '../support/cli.js';
import { engine, eventually, execIn, images, newTestRun, removeNodeContainers } from '../support/docker.js';
import { busyboxPod } from '../support/manifests.js';
import { KubeletProcess } from '../support/kubelet-process.js';
import { tempDir } from '../support/temp.js';

const run = newTestRun();
const node = `c-${run}`.toLowerCase().slice(0, 40);
let docker: Docker;

const sleeper = (name: string) => busyboxPod(name);

async function runningContainer(nodeName: string, podName: string, container = 'main'): Promise<string | undefined> {
  const pod = [...(await listPods(docker, nodeName)).values()].find((p) => p.name === `${podName}-${nodeName}`);
  return pod?.containers.find((c) => c.name === container && c.running)?.id;
}

before(async () => {
  docker = await engine();
});

after(async () => {
  await removeNodeContainers(node);
});

describe('kubeboot kubelet on a folder of ten manifests, and kubeboot ps', () => {
  let kubelet: KubeletProcess;
  let folder: string;
  after(() => kubelet?.kill('SIGKILL'));

  test('all ten pods run, and ps lists them in its three formats', async () => {
    const dir = await tempDir(Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`manifests/p${i}.yaml`, sleeper(`p${i}`)])));
    folder = join(dir, 'manifests');
    // A relist every 5 minutes: within this file's timeouts, only the watch can deliver a change.
    await writeFile(join(dir, 'kubelet.yaml'), `apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nstaticPodPath: ${folder}\nfileCheckFrequency: 300s\n`);
    kubelet = new KubeletProcess(['--config', join(dir, 'kubelet.yaml'), '--hostname-override', node]);
    await eventually('ten pods running', async () => {
      const pods = [...(await listPods(docker, node)).values()];
      return pods.length === 10 && pods.every((p) => p.containers.some((c) => c.running)) ? true : undefined;
    }, 30_000, 200).catch((err: Error) => Promise.reject(new Error(`${err.message}\n${kubelet.log()}`)));

    const text = await kubeboot(['ps', '--node-name', node]);
    assert.equal(text.exitCode, 0, text.stderr);
    const lines = text.stdout.trim().split('\n');
    assert.match(lines[0]!, /^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
    assert.equal(lines.length, 11);
    for (let i = 0; i < 10; i++) assert.match(text.stdout, new RegExp(`default\\s+p${i}-${node}\\s+1/1\\s+Running\\s+0\\s+\\d+s`));

    const wide = await kubeboot(['ps', '--node-name', node, '-o', 'wide']);
    assert.match(wide.stdout.split('\n')[0]!, /NODE\s+CONTAINERS\s+IMAGES\s+IDS\s+SOURCE/);
    assert.match(wide.stdout, new RegExp(`p3-${node}.*${node}\\s+main\\s+${images.busybox.replace(/[.]/g, '\\.')}\\s+[0-9a-f]{12}\\s+${join(folder, 'p3.yaml')}`));

    const json = JSON.parse((await kubeboot(['ps', '--node-name', node, '-o', 'json'])).stdout) as { pods: Array<{ name: string; ready: string; status: string; source: string; containers: Array<{ name: string; state: string }> }> };
    assert.equal(json.pods.length, 10);
    const p0 = json.pods.find((p) => p.name === `p0-${node}`)!;
    assert.deepEqual({ ready: p0.ready, status: p0.status, source: p0.source, containers: p0.containers.map((c) => [c.name, c.state]) }, {
      ready: '1/1', status: 'Running', source: join(folder, 'p0.yaml'), containers: [['main', 'running']],
    });
  });

  test('removing the folder stops its pods; re-creating it runs its manifests again', async () => {
    await rm(folder, { recursive: true });
    await eventually('no pods left', async () => ((await listPods(docker, node)).size === 0 ? true : undefined), 30_000, 200);
    await mkdir(folder);
    await writeFile(join(folder, 'back.yaml'), sleeper('back'));
    // The watch on the old folder died with it: the pod must come from a re-created watch.
    await eventually('back running', () => runningContainer(node, 'back'), 20_000, 200).catch((err: Error) => Promise.reject(new Error(`${err.message}\n${kubelet.log()}`)));
  });

  test('a manifest over 10 MiB is refused, naming the file', async () => {
    // Written beside it and renamed in, as installers do: written in place, a 10 MiB file is read while it
    // grows, and its first megabytes are a valid manifest (the limit is for the file as it ends up).
    await writeFile(join(folder, '.huge.yaml.tmp'), `${sleeper('huge')}\n# ${'x'.repeat(10 * 1024 * 1024)}\n`);
    await rename(join(folder, '.huge.yaml.tmp'), join(folder, 'huge.yaml'));
    await eventually('refusal logged', async () => (/invalid manifest: not started.*huge\.yaml.*more than the 10485760/.test(kubelet.log()) ? true : undefined), 20_000, 200);
    assert.equal(await runningContainer(node, 'huge'), undefined);
    await rm(join(folder, 'huge.yaml'));
  });

  test('securityContext and resource limits reach the container', async () => {
    await writeFile(join(folder, 'sec.yaml'), `apiVersion: v1
kind: Pod
metadata: {name: sec}
spec:
  hostNetwork: true
  terminationGracePeriodSeconds: 2
  securityContext: {runAsGroup: 2000}
  containers:
  - name: main
    image: ${images.busybox}
    command: [sleep, '3600']
    resources:
      limits: {memory: 64Mi, cpu: 250m}
    securityContext:
      runAsUser: 1000
      readOnlyRootFilesystem: true
      capabilities: {add: [NET_ADMIN], drop: [MKNOD]}
      seccompProfile: {type: Unconfined}
`);
    const id = await eventually('sec running', () => runningContainer(node, 'sec'), 20_000, 200);
    const host = (await docker.getContainer(id).inspect()).HostConfig;
    assert.equal(host.Memory, 64 * 1024 * 1024);
    assert.equal(host.NanoCpus, 250_000_000);
    assert.deepEqual([host.CapAdd, host.CapDrop, host.ReadonlyRootfs, host.Privileged, host.Init], [['NET_ADMIN'], ['MKNOD'], true, false, true]);
    assert.deepEqual(host.SecurityOpt, ['seccomp=unconfined']);
    assert.equal((await execIn(docker, id, ['id', '-u'])).trim(), '1000');
    assert.equal((await execIn(docker, id, ['id', '-g'])).trim(), '2000');
    assert.match(await execIn(docker, id, ['sh', '-c', 'touch /x 2>&1 || true']), /Read-only file system/);
    await rm(join(folder, 'sec.yaml'));
  });

  test('emptyDir with medium Memory is a tmpfs; subPath mounts one entry of a volume', async () => {
    const hostDir = await tempDir({ 'conf/app.conf': 'setting=1\n', 'other.txt': 'not mounted' });
    await writeFile(join(folder, 'mounts.yaml'), `apiVersion: v1
kind: Pod
metadata: {name: mounts}
spec:
  hostNetwork: true
  terminationGracePeriodSeconds: 2
  containers:
  - name: main
    image: ${images.busybox}
    command: [sleep, '3600']
    volumeMounts:
    - {name: mem, mountPath: /mem}
    - {name: host, mountPath: /etc/app, subPath: conf, readOnly: true}
  volumes:
  - name: mem
    emptyDir: {medium: Memory, sizeLimit: 16Mi}
  - name: host
    hostPath: {path: ${hostDir}, type: Directory}
`);
    const id = await eventually('mounts running', () => runningContainer(node, 'mounts'), 20_000, 200);
    assert.match(await execIn(docker, id, ['grep', ' /mem ', '/proc/mounts']), /^tmpfs \/mem tmpfs rw.*size=16384k/);
    assert.equal(await execIn(docker, id, ['cat', '/etc/app/app.conf']), 'setting=1\n');
    assert.match(await execIn(docker, id, ['ls', '/etc/app']), /^app\.conf\n$/);
    assert.match(await execIn(docker, id, ['sh', '-c', 'echo y > /etc/app/new 2>&1 || true']), /Read-only file system/);
    await rm(join(folder, 'mounts.yaml'));
  });
});

describe('--container-runtime-endpoint', () => {
  test('names the engine socket when DOCKER_HOST is not set', async (t) => {
    const endpoint = process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
    if (!endpoint.startsWith('unix://')) return t.skip(`the engine is not on a unix socket (${endpoint})`);
    const edgeNode = `${node}-e`;
    const dir = await tempDir({ 'e.yaml': sleeper('viaendpoint') });
    const env = { ...process.env };
    delete env.DOCKER_HOST;
    const kubelet = new KubeletProcess(['--pod-manifest-path', dir, '--hostname-override', edgeNode, '--container-runtime-endpoint', endpoint], { env, extendEnv: false });
    try {
      await eventually('pod through the endpoint', () => runningContainer(edgeNode, 'viaendpoint'), 20_000, 200).catch((err: Error) => Promise.reject(new Error(`${err.message}\n${kubelet.log()}`)));
    } finally {
      await kubelet.kill('SIGKILL');
      await removeNodeContainers(edgeNode);
    }
  });

  test('a wrong endpoint is a clear error and exit code 1', async () => {
    const dir = await tempDir();
    const result = await kubeboot(['kubelet', '--pod-manifest-path', dir, '--container-runtime-endpoint', 'unix:///nonexistent/docker.sock']);
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, /no container engine answers at unix:\/\/\/nonexistent\/docker\.sock/);
    assert.doesNotMatch(result.stderr, /at .*\.ts:\d+/, 'no stack trace');
  });
});

describe('kubeboot kubelet reads its own KubeletConfiguration', () => {
  test('staticPodPath under --rootfs', async () => {
    const rootfs = await tempDir({ 'etc/kubernetes/manifests/r.yaml': sleeper('inroot') });
    const config = join(rootfs, 'config.yaml');
    await writeFile(config, 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nstaticPodPath: /etc/kubernetes/manifests\n');
    const edgeNode = `${node}-r`;
    const kubelet = new KubeletProcess(['--config', config, '--rootfs', rootfs, '--hostname-override', edgeNode]);
    try {
      await eventually('pod from the rootfs', () => runningContainer(edgeNode, 'inroot'), 20_000, 200);
      const pod = [...(await listPods(docker, edgeNode)).values()][0]!;
      assert.equal(pod.source, '/etc/kubernetes/manifests/r.yaml', 'the source is the system path, not the rootfs path');
    } finally {
      await kubelet.kill('SIGKILL');
      await removeNodeContainers(edgeNode);
    }
  });
});
