import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type Docker from 'dockerode';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { listPods } from '../support/docker.js';
import { engine, eventually, images, newTestRun, removeNodeContainers } from '../support/docker.js';
import { busyboxPod } from '../support/manifests.js';
import { KubeletProcess } from '../support/kubelet-process.js';
import { tempDir } from '../support/temp.js';

const node = `u-${newTestRun()}`.toLowerCase().slice(0, 40);
let docker: Docker;
let server: Server;
let url: string;
let folder: string;
let kubelet: KubeletProcess;
let healthzPort: number;
/** What the stand-in manifest server answers; changed by each test. */
const reply = { status: 200, body: '' };
const requests: IncomingHttpHeaders[] = [];

const podYaml = (name: string, command = 'sleep 3600') => busyboxPod(name, { command });
const podObject = (name: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { hostNetwork: true, terminationGracePeriodSeconds: 2, containers: [{ name: 'main', image: images.busybox, command: ['sh', '-c', 'sleep 3600'] }] } });

/** Running pods by name, with their running container IDs. */
async function running(): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const pod of (await listPods(docker, node)).values()) {
    const c = pod.containers.find((x) => x.running);
    if (c) result[pod.name.replace(`-${node}`, '')] = c.id;
  }
  return result;
}

const waitFor = (what: string, check: (s: Record<string, string>) => boolean) =>
  eventually(what, async () => {
    const s = await running();
    return check(s) ? s : undefined;
  }, 20_000, 100).catch((err: Error) => kubelet.withLog(Promise.reject(err)));
const pastTwoPolls = () => new Promise((resolve) => setTimeout(resolve, 2500));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

before(async () => {
  docker = await engine();
  server = createServer((req, res) => {
    requests.push(req.headers);
    res.writeHead(reply.status, { 'Content-Type': 'application/yaml' }).end(reply.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/pods.yaml`;
  folder = await tempDir({ 'file.yaml': podYaml('filepod') });
  healthzPort = await freePort();
});

after(async () => {
  await kubelet?.kill('SIGKILL');
  server?.close();
  await removeNodeContainers(node);
});

const start = () =>
  new KubeletProcess(['--pod-manifest-path', folder, '--manifest-url', url, '--manifest-url-header', 'X-Node-Token:secret 1', '--http-check-frequency', '1s', '--hostname-override', node, '--healthz-port', String(healthzPort)]);

describe('--manifest-url', { concurrency: false }, () => {
  test('a single Pod from the URL runs beside the file pods, with config.source http; the header is sent', async () => {
    reply.body = podYaml('web');
    kubelet = start();
    await waitFor('web and filepod', (s) => Boolean(s.web && s.filepod));
    assert.equal(requests.at(-1)?.['x-node-token'], 'secret 1');
    const web = [...(await listPods(docker, node)).values()].find((p) => p.name === `web-${node}`)!;
    const pod = JSON.parse(web.containers[0]!.labels['io.kubeboot.pod']!) as Pod;
    assert.equal(pod.metadata?.annotations?.['kubernetes.io/config.source'], 'http');
    assert.equal(web.source, url);
  });

  test('a PodList sets the URL pods; an unchanged pod keeps running', async () => {
    const before = await running();
    reply.body = JSON.stringify({ kind: 'PodList', apiVersion: 'v1', items: [podObject('web'), podObject('api')] });
    const after = await waitFor('web and api', (s) => Boolean(s.web && s.api));
    // The YAML and the JSON web pods differ only in how they are written: same pod, same UID, same container.
    assert.equal(after.web, before.web);
  });

  test('a 500 reply and an invalid body keep the current pods', async () => {
    const before = await running();
    reply.status = 500;
    await pastTwoPolls();
    assert.deepEqual(await running(), before);
    reply.status = 200;
    reply.body = 'kind: PodList\nitems:\n- {kind: Pod, metadata: {name: web}, spec: {containers: [{name: Bad_Name, image: x}]}}\n';
    await pastTwoPolls();
    assert.deepEqual(await running(), before);
    assert.match(kubelet.log(), /failed to read pods from URL.*500/);
    assert.match(kubelet.log(), /invalid pods from URL: nothing changes.*items\[0\]: spec\.containers\[0\]\.name/);
  });

  test('a name listed twice runs once and is reported', async () => {
    reply.body = JSON.stringify({ kind: 'PodList', items: [podObject('web'), podObject('api'), podObject('api')] });
    await eventually('duplicate reported', async () => (/the URL lists the same pod twice.*pod=default\/api-.* ignored="items\[2\]"/.test(kubelet.log()) ? true : undefined), 10_000, 100).catch((err: Error) => kubelet.withLog(Promise.reject(err)));
    assert.deepEqual(Object.keys(await running()).sort(), ['api', 'filepod', 'web']);
  });

  test('/healthz answers ok and /pods lists the static pods with their status', async () => {
    const health = await fetch(`http://127.0.0.1:${healthzPort}/healthz`);
    assert.deepEqual([health.status, await health.text()], [200, 'ok']);
    const list = (await (await fetch(`http://127.0.0.1:${healthzPort}/pods`)).json()) as { kind: string; items: Pod[] };
    assert.equal(list.kind, 'PodList');
    const web = list.items.find((p) => p.metadata?.name === `web-${node}`)!;
    assert.equal(web.status?.phase, 'Running');
    assert.deepEqual(web.status?.containerStatuses?.map((c) => [c.name, c.ready, c.restartCount, Object.keys(c.state ?? {})[0]]), [['main', true, 0, 'running']]);
    assert.match(web.status?.containerStatuses?.[0]?.containerID ?? '', /^docker:\/\/[0-9a-f]{64}$/);
    assert.deepEqual(list.items.map((p) => p.metadata?.name).sort(), [`api-${node}`, `filepod-${node}`, `web-${node}`]);
    const missing = await fetch(`http://127.0.0.1:${healthzPort}/nothing`);
    assert.equal(missing.status, 404);
  });

  test('an empty 200 body removes the URL pods and only them', async () => {
    reply.body = '';
    await waitFor('URL pods gone', (s) => !s.web && !s.api && Boolean(s.filepod));
  });

  test('after a restart with the URL unreachable, its pods keep running while file pods still change', async () => {
    reply.body = podYaml('web');
    await waitFor('web back', (s) => Boolean(s.web));
    await kubelet.kill('SIGKILL');
    const before = await running();
    reply.status = 503;
    await writeFile(join(folder, 'later.yaml'), podYaml('later'));
    await rm(join(folder, 'file.yaml'));
    kubelet = start();
    // The file source is read: filepod goes, later comes, although the URL has never answered.
    const now = await waitFor('file pods changed', (s) => Boolean(s.later) && !s.filepod);
    assert.equal(now.web, before.web, 'the URL pod is not stopped before its source has been read once');
    await pastTwoPolls();
    assert.equal((await running()).web, before.web);
    reply.status = 200;
    reply.body = '';
    await waitFor('URL read: web removed', (s) => !s.web && Boolean(s.later));
  });
});
