import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Reconciler } from '../../../src/reconciler/reconciler.js';
import { parseStaticPod, type StaticPod } from '../../../src/reconciler/static-pod.js';
import { Host } from '../../../src/util/host.js';
import { FakeRuntime } from '../../support/fake-runtime.js';
import { tempDirSync } from '../../support/temp.js';

// The reconciler over the in-memory runtime: the same code that runs against Docker in the e2e tests,
// with what the engine would show (names, labels, attempts, exit codes) kept by the fake.
const NODE = 'n1';
const BUSYBOX = 'example.test/busybox:1';
const PAUSE = 'example.test/pause:3';

function staticPod(name: string, command = 'sleep 3600', extra = ''): StaticPod {
  const text = `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
${extra}  containers:
  - {name: main, image: ${BUSYBOX}, command: [sh, -c, '${command}']}
`;
  const result = parseStaticPod(text, { source: `/etc/kubernetes/manifests/${name}.yaml`, nodeName: NODE });
  assert.ok(result.ok, result.ok ? '' : result.problems.join('\n'));
  return result.pod;
}

const desired = (...pods: StaticPod[]) => new Map(pods.map((p) => [p.key, p]));
const hostNetwork = '  hostNetwork: true\n';

function reconciler(runtime: FakeRuntime, backoff = { initialMs: 10_000, maxMs: 300_000 }): { r: Reconciler; logs: string[] } {
  const logs: string[] = [];
  const r = new Reconciler({
    runtime,
    node: NODE,
    host: Host.scratch(tempDirSync()),
    rootDir: tempDirSync(),
    hostIP: '192.0.2.10',
    sandboxImage: PAUSE,
    backoff,
    log: (level, msg, fields) => logs.push(`${level} ${msg} ${JSON.stringify(fields ?? {})}`),
  });
  return { r, logs };
}

async function settle(r: Reconciler): Promise<void> {
  await r.idle();
}

const name = (pod: string, container: string, attempt: number, uid: string) => `k8s_${container}_${pod}-${NODE}_default_${uid}_${attempt}`;

/** A reconciler running one hostNetwork pod, web, on a fake runtime that counts the engine listings made. */
async function runningWebCountingListings() {
  const runtime = new FakeRuntime([BUSYBOX, PAUSE]);
  const counted = { lists: 0 };
  const list = runtime.listPods.bind(runtime);
  runtime.listPods = (query) => ((counted.lists += 1), list(query));
  const { r } = reconciler(runtime);
  const web = staticPod('web', 'sleep 3600', hostNetwork);
  await r.update(desired(web));
  await settle(r);
  return { runtime, r, web, counted, list };
}

describe('Reconciler on a fake runtime', () => {
  test('add: a pod gets its sandbox, then its container; nothing is started twice', async () => {
    const runtime = new FakeRuntime([BUSYBOX, PAUSE]);
    const { r } = reconciler(runtime);
    const web = staticPod('web');
    await r.update(desired(web));
    await settle(r);
    assert.deepEqual(runtime.running(), [name('web', 'POD', 0, web.uid), name('web', 'main', 0, web.uid)]);
    await r.syncAll();
    await settle(r);
    assert.deepEqual(runtime.calls, [`run ${name('web', 'POD', 0, web.uid)}`, `run ${name('web', 'main', 0, web.uid)}`], 'a second sync changes nothing');
    r.stop();
  });

  test('edit: the old pod is stopped and removed before the new one starts', async () => {
    const runtime = new FakeRuntime([BUSYBOX, PAUSE]);
    const { r } = reconciler(runtime);
    const v1 = staticPod('app', 'sleep 3600', hostNetwork);
    await r.update(desired(v1));
    await settle(r);
    const v2 = staticPod('app', 'sleep 7200', hostNetwork);
    assert.notEqual(v1.uid, v2.uid, 'a changed manifest is a new UID');
    await r.update(desired(v2));
    await settle(r);
    assert.deepEqual(runtime.running(), [name('app', 'main', 0, v2.uid)]);
    const order = runtime.calls.slice(1);
    assert.deepEqual(order, [`stop ${name('app', 'main', 0, v1.uid)}`, `remove ${name('app', 'main', 0, v1.uid)}`, `run ${name('app', 'main', 0, v2.uid)}`]);
    r.stop();
  });

  test('remove: a pod whose manifest is gone is stopped and removed, sandbox last', async () => {
    const runtime = new FakeRuntime([BUSYBOX, PAUSE]);
    const { r, logs } = reconciler(runtime);
    const web = staticPod('web');
    await r.update(desired(web));
    await settle(r);
    await r.update(desired());
    await settle(r);
    assert.equal(runtime.containers.size, 0);
    // The app is stopped gracefully; the sandbox (pause) goes only after it, removed with the engine's force.
    const ends = runtime.calls.filter((c) => c.startsWith('stop') || c.startsWith('remove'));
    const appStopped = ends.indexOf(`stop ${name('web', 'main', 0, web.uid)}`);
    const sandboxRemoved = ends.indexOf(`remove ${name('web', 'POD', 0, web.uid)}`);
    assert.ok(appStopped >= 0 && sandboxRemoved > appStopped, ends.join(', '));
    assert.ok(logs.some((l) => /pod stopped .*manifest removed/.test(l)));
    r.stop();
  });

  test('crash back-off: the first death restarts at once, the second waits the initial period', async () => {
    const runtime = new FakeRuntime([BUSYBOX, PAUSE]);
    const { r, logs } = reconciler(runtime, { initialMs: 300, maxMs: 600 });
    const crash = staticPod('crash', 'exit 1', hostNetwork);
    await r.update(desired(crash));
    await settle(r);
    const idOf = (attempt: number) => [...runtime.containers.values()].find((c) => c.name === name('crash', 'main', attempt, crash.uid))?.id;

    runtime.kill(idOf(0)!);
    await r.kick(crash.key);
    await settle(r);
    assert.ok(idOf(1), 'attempt 1 started at once');
    assert.deepEqual((await runtime.listPods()).get(crash.uid)!.containers.map((c) => [c.attempt, c.restartCount, c.running]).sort(), [[0, 0, false], [1, 1, true]]);

    runtime.kill(idOf(1)!);
    const died = Date.now();
    await r.kick(crash.key);
    await settle(r);
    assert.equal(idOf(2), undefined, 'the second restart waits');
    assert.ok(logs.some((l) => /back-off restarting failed container/.test(l)));
    // The worker wakes itself when the back-off ends: no kick from the test.
    for (let i = 0; i < 100 && !idOf(2); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.ok(idOf(2), 'attempt 2 after the back-off');
    assert.ok(Date.now() - died >= 300 - 5, `waited ${Date.now() - died} ms`);
    const kept = (await runtime.listPods()).get(crash.uid)!.containers.map((c) => c.attempt).sort();
    assert.deepEqual(kept, [1, 2], 'only the last exited container is kept, for logs --previous');
    r.stop();
  });

  test('adoption: a new reconciler takes over running pods without starting anything', async () => {
    const runtime = new FakeRuntime([BUSYBOX, PAUSE]);
    const first = reconciler(runtime).r;
    const pods = desired(staticPod('a'), staticPod('b', 'sleep 1', hostNetwork));
    await first.update(pods);
    await settle(first);
    first.stop();
    const before = runtime.calls.length;
    const ids = [...runtime.containers.keys()].sort();

    const second = reconciler(runtime).r;
    await second.update(pods);
    await settle(second);
    assert.deepEqual(runtime.calls.slice(before), [], 'no container created, stopped or removed');
    assert.deepEqual([...runtime.containers.keys()].sort(), ids);
    second.stop();
  });

  test('adoption: a container created but never started (a crash in between) is started, not duplicated', async () => {
    const runtime = new FakeRuntime([BUSYBOX, PAUSE]);
    const first = reconciler(runtime).r;
    const pod = staticPod('half', 'sleep 3600', hostNetwork);
    await first.update(desired(pod));
    await settle(first);
    first.stop();
    const container = [...runtime.containers.values()][0]!;
    Object.assign(container, { state: 'created', startedAt: undefined });

    const second = reconciler(runtime).r;
    await second.update(desired(pod));
    await settle(second);
    assert.equal(runtime.containers.size, 1);
    assert.equal(runtime.calls.at(-1), `start ${container.name}`);
    second.stop();
  });

  test('duplicate names: of two pods with one name in the engine, only the wanted UID is kept', async () => {
    const runtime = new FakeRuntime([BUSYBOX, PAUSE]);
    const old = staticPod('dup', 'sleep 1', hostNetwork);
    const wanted = staticPod('dup', 'sleep 2', hostNetwork);
    // Left running by an earlier reconciler that had another version of the manifest.
    await runtime.runContainer({ pod: old, container: old.pod.spec!.containers![0]!, node: NODE, host: Host.scratch(tempDirSync()), rootDir: '/tmp', hostIP: '192.0.2.10', podIP: '192.0.2.10', attempt: 0, restartCount: 0, backoff: { step: 0, initialMs: 1, maxMs: 1 } });
    const { r } = reconciler(runtime);
    await r.update(desired(wanted));
    await settle(r);
    assert.deepEqual(runtime.running(), [name('dup', 'main', 0, wanted.uid)], 'one running container for the one container name');
    assert.ok(runtime.calls.indexOf(`remove ${name('dup', 'main', 0, old.uid)}`) < runtime.calls.indexOf(`run ${name('dup', 'main', 0, wanted.uid)}`), 'the old one goes first');
    r.stop();
  });

  test('a pod from a source not read yet is never stopped', async () => {
    const runtime = new FakeRuntime([BUSYBOX, PAUSE]);
    const { r } = reconciler(runtime);
    const pod = staticPod('web', 'sleep 3600', hostNetwork);
    await r.update(desired(pod));
    await settle(r);
    await r.update(desired(), [pod.source]);
    await settle(r);
    assert.deepEqual(runtime.running(), [name('web', 'main', 0, pod.uid)]);
    r.stop();
  });
  test('a listing made while a change settles is used by the update that follows, never a stale one', async () => {
    const { runtime, r, web, counted, list } = await runningWebCountingListings();
    // The manifest is deleted: the file watch's first event asks for the listing, the update uses it.
    await new Promise((resolve) => setTimeout(resolve, 5)); // a listing made in the millisecond a sync ended is stale
    counted.lists = 0;
    r.prefetch();
    await r.update(desired());
    await settle(r);
    assert.equal(counted.lists, 1, 'one listing of the engine for the change');
    assert.deepEqual(runtime.running(), [], 'the deleted pod is stopped');
    // A listing made before a pod's sync ended is stale for that pod: its worker lists again.
    const api = staticPod('api', 'sleep 3600', hostNetwork);
    r.prefetch(); // shows no api container
    await r.update(desired(api)); // uses the prefetched listing: api is created
    await settle(r);
    r.prefetch();
    await new Promise((resolve) => setTimeout(resolve, 5));
    await r.syncAll(); // no prefetch left: lists afresh
    await settle(r);
    assert.deepEqual(runtime.running(), [name('api', 'main', 0, api.uid)], 'started once');
    // A prefetched listing older than a syncing pod's last sync is not trusted by that pod.
    runtime.listPods = async () => new Map(); // as if the listing predated api's container
    r.prefetch();
    runtime.listPods = (query) => ((counted.lists += 1), list(query));
    await r.kick(api.key); // api's sync ends after the prefetch was made
    await r.update(desired(api));
    await settle(r);
    assert.deepEqual(runtime.running(), [name('api', 'main', 0, api.uid)], 'not started a second time from the stale listing');
    assert.equal(runtime.calls.filter((c) => c.startsWith(`run k8s_main_api-${NODE}_`)).length, 1);
    r.stop();
  });
  test('pods written at once ask the engine about their image once', async () => {
    const runtime = new FakeRuntime([BUSYBOX, PAUSE]);
    let asked = 0;
    const present = runtime.imagePresent.bind(runtime);
    runtime.imagePresent = (image) => ((asked += 1), present(image));
    const { r } = reconciler(runtime);
    const pods = Array.from({ length: 20 }, (_, i) => staticPod(`p${i}`, 'sleep 3600', hostNetwork));
    await r.update(desired(...pods));
    await settle(r);
    assert.equal(runtime.running().length, 20);
    assert.equal(asked, 1);
    r.stop();
  });
  test('a start event of a container the pod worker just started makes no second pass; a later one does', async () => {
    const { runtime, r, web, counted, list } = await runningWebCountingListings();
    const event = { action: 'start', id: 'x', labels: { 'io.kubernetes.pod.name': web.pod.metadata!.name!, 'io.kubernetes.pod.namespace': 'default' } };
    counted.lists = 0;
    r.containerEvent(event); // the engine's event for the start the worker made
    await settle(r);
    assert.equal(counted.lists, 0);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    r.containerEvent(event); // someone else started a container of the pod
    await settle(r);
    assert.equal(counted.lists, 1);
    r.stop();
  });
});
