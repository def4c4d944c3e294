import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type Docker from 'dockerode';
import type { RuntimeContainer, RuntimePod } from '../../src/runtime/runtime.js';
import { listPods } from '../support/docker.js';
import { kubeboot } from '../support/cli.js';
import { engine, eventually, execIn, images, newTestRun, removeNodeContainers } from '../support/docker.js';
import { KubeletProcess, testRootDir } from '../support/kubelet-process.js';
import { tempDir } from '../support/temp.js';

// Short back-off periods (initial 2 s, max 4 s: a reset after 8 s of running) so the sequence fits a test.
// 2 s, doubled to 4 s, then capped at 6 s where doubling would give 8 s: the cap sits where the two differ.
const INITIAL_MS = 2000;
const MAX_MS = 6000;

const run = newTestRun();
const node = `l-${run}`.toLowerCase().slice(0, 40);
let docker: Docker;
let folder: string;
let out: string;
let kubelet: KubeletProcess;

interface PsRow {
  name: string;
  ready: string;
  status: string;
  restarts: number;
  nextTry?: string;
  containers: Array<{ name: string; state: string; reason?: string; exitCode?: number }>;
}

async function ps(): Promise<PsRow[]> {
  const result = await kubeboot(['ps', '--node-name', node, '--root-dir', testRootDir(), '-o', 'json']);
  assert.equal(result.exitCode, 0, result.stderr);
  return (JSON.parse(result.stdout) as { pods: PsRow[] }).pods;
}

async function psRow(name: string): Promise<PsRow | undefined> {
  return (await ps()).find((p) => p.name === `${name}-${node}`);
}

async function pod(name: string): Promise<RuntimePod | undefined> {
  return [...(await listPods(docker, node)).values()].find((p) => p.name === `${name}-${node}`);
}

async function runningAttempt(name: string, container: string, attempt: number): Promise<RuntimeContainer | undefined> {
  return (await pod(name))?.containers.find((c) => c.name === container && c.attempt === attempt && c.running);
}

/** Start and finish times of a container, from the engine. */
async function times(id: string): Promise<{ started: number; finished: number }> {
  const state = (await docker.getContainer(id).inspect()).State;
  return { started: Date.parse(state.StartedAt), finished: Date.parse(state.FinishedAt) };
}

const withLog = <T>(promise: Promise<T>): Promise<T> => kubelet.withLog(promise);

function manifest(name: string, body: string): string {
  return `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  hostNetwork: true
  terminationGracePeriodSeconds: 2
${body}`;
}

before(async () => {
  docker = await engine();
  const dir = await tempDir();
  folder = join(dir, 'manifests');
  out = join(dir, 'out');
  const { mkdir } = await import('node:fs/promises');
  await mkdir(folder);
  await mkdir(out);
  await writeFile(
    join(dir, 'kubelet.yaml'),
    `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
staticPodPath: ${folder}
fileCheckFrequency: 2s
crashLoopBackOff:
  initialContainerRestartPeriod: ${INITIAL_MS / 1000}s
  maxContainerRestartPeriod: ${MAX_MS / 1000}s
`,
  );
  kubelet = new KubeletProcess(['--config', join(dir, 'kubelet.yaml'), '--hostname-override', node]);
});

after(async () => {
  await kubelet?.kill('SIGKILL');
  await removeNodeContainers(node);
});

describe('restarts and crash-loop back-off', { concurrency: false }, () => {
  const counting = manifest('crash', `  containers:
  - name: main
    image: ${images.busybox}
    command: [sh, -c, 'n=$(cat /data/n 2>/dev/null || echo 0); n=$((n+1)); echo $n > /data/n; echo "start $n"; sleep 3600']
    volumeMounts: [{name: data, mountPath: /data}]
  volumes: [{name: data, emptyDir: {}}]
`);
  const finished: number[] = [];
  const started: number[] = [];

  async function killAndWaitFor(attempt: number): Promise<RuntimeContainer> {
    const victim = await withLog(eventually(`attempt ${attempt - 1} running`, () => runningAttempt('crash', 'main', attempt - 1), 20_000, 50));
    await docker.getContainer(victim.id).kill();
    const next = await withLog(eventually(`attempt ${attempt} running`, () => runningAttempt('crash', 'main', attempt), 20_000, 50));
    finished[attempt - 1] = (await times(victim.id)).finished;
    started[attempt] = (await times(next.id)).started;
    return next;
  }

  test('a killed container is replaced at once, with attempt 1 in its name and restart count 1', async () => {
    await writeFile(join(folder, 'crash.yaml'), counting);
    const replacement = await killAndWaitFor(1);
    assert.match(replacement.dockerName, /^k8s_main_crash-.*_default_[0-9a-f]{32}_1$/);
    assert.equal(replacement.restartCount, 1);
    assert.ok(started[1]! - finished[0]! < INITIAL_MS, `the first restart is not held back (${started[1]! - finished[0]!} ms)`);
    const kept = (await pod('crash'))!.containers.filter((c) => c.name === 'main').map((c) => [c.attempt, c.running]);
    assert.deepEqual(kept.sort(), [[0, false], [1, true]], 'the exited container is kept for --previous');
  });

  test('a second death waits the initial back-off, and the next container counts the restart', async () => {
    const victim = (await runningAttempt('crash', 'main', 1))!;
    await docker.getContainer(victim.id).kill();
    const next = await withLog(eventually('attempt 2 running', () => runningAttempt('crash', 'main', 2), 20_000, 50));
    const gap = (await times(next.id)).started - (await times(victim.id)).finished;
    assert.ok(gap >= INITIAL_MS - 50, `waited ${gap} ms, expected the initial back-off of ${INITIAL_MS} ms`);
    assert.equal(next.restartCount, 2);
    const names = (await pod('crash'))!.containers.filter((c) => c.name === 'main').map((c) => c.attempt).sort();
    assert.deepEqual(names, [1, 2], 'older exited containers are removed');
  });

  test('the next wait doubles (4 s), short of the cap', async () => {
    await killAndWaitFor(3);
    const gap = started[3]! - finished[2]!;
    assert.ok(gap >= 2 * INITIAL_MS - 50 && gap < MAX_MS, `waited ${gap} ms, expected 2 × ${INITIAL_MS} ms (doubled, not capped at ${MAX_MS})`);
  });

  test('then the wait is capped at the maximum (6 s, where doubling would give 8 s)', async () => {
    await killAndWaitFor(4);
    const gap = started[4]! - finished[3]!;
    assert.ok(gap >= MAX_MS - 50 && gap < 4 * INITIAL_MS, `waited ${gap} ms, expected the cap of ${MAX_MS} ms, not 4 × ${INITIAL_MS}`);
  });

  test('kubeboot logs shows the current instance, --previous the one before', async () => {
    const current = await kubeboot(['logs', `crash-${node}`]);
    assert.equal(current.exitCode, 0, current.stderr);
    assert.equal(current.stdout, 'start 5');
    const previous = await kubeboot(['logs', 'crash', '--previous', '--node-name', node]);
    assert.equal(previous.stdout, 'start 4');
    const all = await kubeboot(['logs', `crash-${node}`, '--previous', '--timestamps']);
    assert.match(all.stdout, /^\d{4}-\d\d-\d\dT[\d:.]+Z start 4$/);
    const tail = await kubeboot(['logs', `crash-${node}`, '--tail', '0']);
    assert.equal(tail.stdout, '');
    const missing = await kubeboot(['logs', `nosuch-${node}`]);
    assert.equal(missing.exitCode, 1);
    assert.match(missing.stderr, /pod "nosuch-.*" not found/);
  });

  test('a container that ran past the reset period restarts at once again', async () => {
    await new Promise((resolve) => setTimeout(resolve, 2 * MAX_MS + 500));
    await killAndWaitFor(5);
    const gap = started[5]! - finished[4]!;
    assert.ok(gap < INITIAL_MS, `restarted after ${gap} ms: the back-off should have been reset`);
    await rm(join(folder, 'crash.yaml'));
  });

  test('restartPolicy OnFailure: an exit 0 stays down and shows Completed', async () => {
    await writeFile(join(folder, 'once.yaml'), manifest('once', `  restartPolicy: OnFailure
  containers:
  - name: main
    image: ${images.busybox}
    command: ['true']
`));
    const row = await withLog(eventually('once completed', async () => {
      const r = await psRow('once');
      return r?.status === 'Completed' ? r : undefined;
    }, 15_000, 100));
    assert.equal(row.restarts, 0);
    await new Promise((resolve) => setTimeout(resolve, 2500)); // past a relist
    assert.deepEqual((await pod('once'))!.containers.map((c) => [c.attempt, c.state]), [[0, 'exited']]);
    await rm(join(folder, 'once.yaml'));
  });
});

// `ps` is read through the CLI, which takes a second or more a call: the state it shows must last much
// longer than that. A reconciler of its own with a 60 s initial back-off holds the pod in
// CrashLoopBackOff for a minute after its second death, whatever the machine's speed.
describe('ps during a crash loop', { concurrency: false }, () => {
  const slowNode = `${node}-ps`.slice(0, 40);
  let slow: KubeletProcess;
  let slowFolder: string;
  before(async () => {
    const dir = await tempDir();
    slowFolder = join(dir, 'manifests');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(slowFolder);
    await writeFile(join(dir, 'kubelet.yaml'), `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
staticPodPath: ${slowFolder}
crashLoopBackOff:
  initialContainerRestartPeriod: 60s
  maxContainerRestartPeriod: 120s
`);
    slow = new KubeletProcess(['--config', join(dir, 'kubelet.yaml'), '--hostname-override', slowNode]);
  });
  after(async () => {
    await slow?.kill('SIGKILL');
    await removeNodeContainers(slowNode);
  });

  test('ps shows CrashLoopBackOff, the restart count and the next try, as JSON and as a table', async () => {
    await writeFile(join(slowFolder, 'fails.yaml'), manifest('fails', `  containers:
  - {name: main, image: ${images.busybox}, command: [sh, -c, 'exit 1']}
`));
    const psArgs = ['ps', '--node-name', slowNode, '--root-dir', testRootDir()];
    // The first death restarts at once; the second waits the 60 s initial back-off.
    const row = await eventually('CrashLoopBackOff in ps -o json', async () => {
      const result = await kubeboot([...psArgs, '-o', 'json']);
      const found = (JSON.parse(result.stdout) as { pods: PsRow[] }).pods.find((p) => p.name === `fails-${slowNode}`);
      return found?.status === 'CrashLoopBackOff' ? found : undefined;
    }, 30_000, 200).catch((err: Error) => slow.withLog(Promise.reject(err)));
    assert.equal(row.restarts, 1);
    assert.equal(row.ready, '0/1');
    assert.ok(row.nextTry && Date.parse(row.nextTry) > Date.now(), `next try ${row.nextTry}`);
    const text = await kubeboot(psArgs);
    assert.equal(text.exitCode, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`fails-${slowNode}\\s+0/1\\s+CrashLoopBackOff \\(next try in \\d+s\\)\\s+1 \\(\\d+s ago\\)`));
  });
});

describe('image pulls', () => {
  test('an image that cannot be pulled shows ErrImagePull or ImagePullBackOff; the other pods are unaffected', async () => {
    await writeFile(join(folder, 'nopull.yaml'), manifest('nopull', `  containers:
  - {name: main, image: kubeboot.invalid/none:1.0, command: [sleep, '3600']}
`));
    await writeFile(join(folder, 'fine.yaml'), manifest('fine', `  containers:
  - {name: main, image: ${images.busybox}, command: [sleep, '3600']}
`));
    await withLog(eventually('fine running', () => runningAttempt('fine', 'main', 0), 15_000, 100));
    const row = await withLog(eventually('a pull error in ps', async () => {
      const r = (await ps()).find((p) => p.name === `nopull-${node}`);
      return r && /^(ErrImagePull|ImagePullBackOff)$/.test(r.status) ? r : undefined;
    }, 20_000, 200).catch(async (err: Error) => Promise.reject(new Error(`${err.message}\nps: ${JSON.stringify(await ps())}`))));
    assert.equal(row.ready, '0/1');
    assert.match(kubelet.log(), /image pull failed.*image=kubeboot\.invalid\/none:1\.0/);
    await rm(join(folder, 'nopull.yaml'));
    await rm(join(folder, 'fine.yaml'));
  });
});

describe('probes', { concurrency: false }, () => {
  test('a failing liveness probe restarts the container', async () => {
    await writeFile(join(folder, 'live.yaml'), manifest('live', `  containers:
  - name: main
    image: ${images.busybox}
    command: [sh, -c, 'touch /tmp/alive; sleep 3600']
    livenessProbe:
      exec: {command: [test, -f, /tmp/alive]}
      periodSeconds: 1
      failureThreshold: 2
`));
    const first = await withLog(eventually('live running', () => runningAttempt('live', 'main', 0), 15_000, 100));
    await new Promise((resolve) => setTimeout(resolve, 2500));
    assert.ok(await runningAttempt('live', 'main', 0), 'a passing liveness probe restarts nothing');
    await execIn(docker, first.id, ['sh', '-c', 'rm /tmp/alive']);
    const second = await withLog(eventually('live restarted', () => runningAttempt('live', 'main', 1), 15_000, 100));
    assert.equal(second.restartCount, 1);
    assert.match(kubelet.log(), /liveness probe failed: the container will be restarted.*pod=default\/live-/);
    await rm(join(folder, 'live.yaml'));
  });

  test('a readiness probe flips READY both ways; httpGet and tcpSocket probes reach a pod address and named ports', async () => {
    await writeFile(join(folder, 'ready.yaml'), `apiVersion: v1
kind: Pod
metadata: {name: ready}
spec:
  terminationGracePeriodSeconds: 2
  containers:
  - name: main
    image: ${images.busybox}
    command: [sh, -c, 'mkdir -p /www && echo ok > /www/index.html && httpd -f -p 8080 -h /www']
    ports: [{name: http, containerPort: 8080}]
    readinessProbe:
      exec: {command: [test, -f, /tmp/ready]}
      periodSeconds: 1
      failureThreshold: 1
    livenessProbe:
      httpGet: {path: /index.html, port: http}
      periodSeconds: 1
  - name: web
    image: ${images.busybox}
    command: [sleep, '3600']
    readinessProbe:
      httpGet: {path: /index.html, port: 8080}
      periodSeconds: 1
    livenessProbe:
      tcpSocket: {port: 8080}
      periodSeconds: 1
`);
    const main = await withLog(eventually('ready running', () => runningAttempt('ready', 'main', 0), 15_000, 100));
    await withLog(eventually('web ready, main not', async () => ((await psRow('ready'))?.ready === '1/2' ? true : undefined), 15_000, 200));
    await execIn(docker, main.id, ['sh', '-c', 'touch /tmp/ready']);
    await withLog(eventually('both ready', async () => ((await psRow('ready'))?.ready === '2/2' ? true : undefined), 15_000, 200));
    await execIn(docker, main.id, ['sh', '-c', 'rm /tmp/ready']);
    await withLog(eventually('main not ready again', async () => ((await psRow('ready'))?.ready === '1/2' ? true : undefined), 15_000, 200));
    assert.equal((await psRow('ready'))!.restarts, 0, 'readiness never restarts; the httpGet and tcpSocket liveness probes pass');
    await rm(join(folder, 'ready.yaml'));
  });

  test('a startup probe holds the liveness probe off until it succeeds', async () => {
    await writeFile(join(folder, 'slow.yaml'), manifest('slow', `  containers:
  - name: main
    image: ${images.busybox}
    command: [sleep, '3600']
    startupProbe:
      exec: {command: [test, -f, /tmp/started]}
      periodSeconds: 1
      failureThreshold: 60
    livenessProbe:
      exec: {command: ['false']}
      periodSeconds: 1
      failureThreshold: 1
`));
    const first = await withLog(eventually('slow running', () => runningAttempt('slow', 'main', 0), 15_000, 100));
    await new Promise((resolve) => setTimeout(resolve, 3000));
    assert.ok(await runningAttempt('slow', 'main', 0), 'the always-failing liveness probe must not run before startup');
    assert.equal((await psRow('slow'))!.ready, '0/1', 'not started, not ready');
    await execIn(docker, first.id, ['sh', '-c', 'touch /tmp/started']);
    await withLog(eventually('liveness took over and restarted it', () => runningAttempt('slow', 'main', 1), 15_000, 100));
    await rm(join(folder, 'slow.yaml'));
  });
});

describe('init containers', { concurrency: false }, () => {
  test('run one by one, in order, before the app container', async () => {
    await writeFile(join(folder, 'init.yaml'), manifest('init', `  initContainers:
  - name: first
    image: ${images.busybox}
    command: [sh, -c, 'sleep 0.5; echo first >> /work/log']
    volumeMounts: [{name: work, mountPath: /work}]
  - name: second
    image: ${images.busybox}
    command: [sh, -c, 'echo second >> /work/log']
    volumeMounts: [{name: work, mountPath: /work}]
  containers:
  - name: main
    image: ${images.busybox}
    command: [sh, -c, 'cat /work/log > /out/.init-result && mv /out/.init-result /out/init-result; sleep 3600']
    volumeMounts: [{name: work, mountPath: /work}, {name: out, mountPath: /out}]
  volumes:
  - {name: work, emptyDir: {}}
  - {name: out, hostPath: {path: ${out}}}
`));
    // The container renames a finished file into place: once it exists, it is complete.
    const result = await withLog(eventually('main wrote the init log', () => readFile(join(out, 'init-result'), 'utf8').catch(() => undefined), 20_000, 100));
    assert.equal(result, 'first\nsecond\n');
    const row = (await psRow('init'))!;
    assert.deepEqual([row.status, row.ready], ['Running', '1/1']);
    await rm(join(folder, 'init.yaml'));
  });

  test('a failing init container is retried with back-off and the app container never starts', async () => {
    await writeFile(join(folder, 'badinit.yaml'), manifest('badinit', `  initContainers:
  - {name: setup, image: ${images.busybox}, command: [sh, -c, 'exit 3']}
  containers:
  - {name: main, image: ${images.busybox}, command: [sleep, '3600']}
`));
    const row = await withLog(eventually('Init:CrashLoopBackOff', async () => {
      const r = await psRow('badinit');
      return r?.status === 'Init:CrashLoopBackOff' ? r : undefined;
    }, 20_000, 100));
    assert.equal(row.containers.find((c) => c.name === 'setup')?.exitCode, 3);
    assert.equal((await pod('badinit'))!.containers.some((c) => c.name === 'main'), false);
    await rm(join(folder, 'badinit.yaml'));
  });
});

describe('graceful stop', { concurrency: false }, () => {
  test('preStop runs, then SIGTERM reaches a container that handles it, and it finishes its work', async () => {
    await writeFile(join(folder, 'graceful.yaml'), manifest('graceful', `  containers:
  - name: main
    image: ${images.busybox}
    command: [sh, -c, 'trap "echo finished > /out/term; exit 0" TERM; while :; do sleep 0.1; done']
    lifecycle:
      preStop:
        exec: {command: [sh, -c, 'echo prestop > /out/prestop']}
    volumeMounts: [{name: out, mountPath: /out}]
  volumes: [{name: out, hostPath: {path: ${out}}}]
`).replace('terminationGracePeriodSeconds: 2', 'terminationGracePeriodSeconds: 10'));
    await withLog(eventually('graceful running', () => runningAttempt('graceful', 'main', 0), 15_000, 100));
    await rm(join(folder, 'graceful.yaml'));
    await withLog(eventually('graceful gone', async () => ((await pod('graceful')) ? undefined : true), 20_000, 100));
    assert.equal(await readFile(join(out, 'prestop'), 'utf8'), 'prestop\n');
    assert.equal(await readFile(join(out, 'term'), 'utf8'), 'finished\n');
  });

  test('a container that ignores SIGTERM is killed when the grace period ends, not before', async () => {
    await writeFile(join(folder, 'stubborn.yaml'), manifest('stubborn', `  containers:
  - name: main
    image: ${images.busybox}
    command: [sh, -c, 'trap "" TERM; while :; do sleep 0.1; done']
`).replace('terminationGracePeriodSeconds: 2', 'terminationGracePeriodSeconds: 3'));
    const container = await withLog(eventually('stubborn running', () => runningAttempt('stubborn', 'main', 0), 15_000, 100));
    const events = await docker.getEvents({ filters: { container: [container.id], event: ['kill', 'die'] } });
    const seen: Array<{ action: string; signal?: string; time: number }> = [];
    events.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        const e = JSON.parse(line) as { Action: string; timeNano: number; Actor: { Attributes: Record<string, string> } };
        seen.push({ action: e.Action, ...(e.Actor.Attributes.signal ? { signal: e.Actor.Attributes.signal } : {}), time: e.timeNano / 1e6 });
      }
    });
    await rm(join(folder, 'stubborn.yaml'));
    await withLog(eventually('stubborn gone', async () => ((await pod('stubborn')) ? undefined : true), 20_000, 100));
    (events as unknown as { destroy: () => void }).destroy();
    const term = seen.find((e) => e.action === 'kill' && e.signal === '15');
    const kill = seen.find((e) => e.action === 'kill' && e.signal === '9');
    assert.ok(term && kill, `SIGTERM then SIGKILL: ${JSON.stringify(seen)}`);
    // Not before the grace period ends, and not long after it (the default, 30 s, would mean the pod's own was ignored).
    assert.ok(kill.time - term.time >= 2900 && kill.time - term.time < 3000 + 5000, `SIGKILL came ${kill.time - term.time} ms after SIGTERM; the grace period is 3 s`);
  });
});
