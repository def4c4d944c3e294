import assert from 'node:assert/strict';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { kubeboot } from '../support/cli.js';
import { eventually, newTestRun } from '../support/docker.js';
import { KubeletProcess, testRootDir } from '../support/kubelet-process.js';
import { dockerRuntime, processRuntime, type RuntimeUnderTest } from '../support/runtime-under-test.js';
import { tempDir } from '../support/temp.js';

// The reconciler's scenarios, defined once and run against each container runtime: what a user sees
// through `kubeboot ps` and `kubeboot logs`, the files the containers write to a hostPath volume, and
// a kill from outside (`docker kill`, `kill -9`). Back-off is shortened (1 s, at most 2 s) to fit a test.

interface PsContainer {
  name: string;
  id: string;
  state: string;
  reason?: string;
  exitCode?: number;
}
interface PsRow {
  name: string;
  ready: string;
  status: string;
  restarts: number;
  containers: PsContainer[];
}

const scenarios: Array<[string, (root: string) => Promise<RuntimeUnderTest>]> = [
  ['docker', () => dockerRuntime()],
  ['process', (root) => processRuntime(root)],
];

for (const [kind, makeRuntime] of scenarios) {
  describe(`reconciler scenarios on the ${kind} runtime`, { concurrency: false }, () => {
    const node = `rt-${kind}-${newTestRun()}`.toLowerCase().slice(0, 40);
    let runtime: RuntimeUnderTest;
    let manifests: string;
    let data: string;
    let config: string;
    let kubelet: KubeletProcess;

    const start = () => new KubeletProcess(['--config', config, '--hostname-override', node, ...runtime.flags]);
    const withLog = <T>(promise: Promise<T>) => kubelet.withLog(promise);

    async function ps(): Promise<PsRow[]> {
      const result = await kubeboot(['ps', '--node-name', node, '--root-dir', testRootDir(), ...runtime.flags, '-o', 'json']);
      assert.equal(result.exitCode, 0, result.stderr);
      return (JSON.parse(result.stdout) as { pods: PsRow[] }).pods;
    }
    const row = async (name: string) => (await ps()).find((p) => p.name === `${name}-${node}`);
    /** Polls `kubeboot ps` until the pod's row passes `check`. */
    const waitRow = (what: string, name: string, check: (r: PsRow) => boolean, timeoutMs = 30_000) =>
      withLog(eventually(what, async () => {
        const r = await row(name);
        return r && check(r) ? r : undefined;
      }, timeoutMs, 200));
    const logs = async (name: string, ...more: string[]) => {
      const result = await kubeboot(['logs', `${name}-${node}`, '--node-name', node, '--root-dir', testRootDir(), ...runtime.flags, ...more]);
      assert.equal(result.exitCode, 0, result.stderr);
      return result.stdout;
    };
    const dataFile = (file: string) => readFile(join(data, file), 'utf8').catch(() => '');
    const waitFile = (what: string, file: string, pattern: RegExp) =>
      withLog(eventually(what, async () => ((await dataFile(file)).match(pattern) ? true : undefined), 30_000, 100));

    function pod(name: string, containers: string, grace = 10): string {
      return `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  hostNetwork: true
  terminationGracePeriodSeconds: ${grace}
  containers:
${containers}
  volumes: [{name: data, hostPath: {path: ${data}, type: DirectoryOrCreate}}]
`;
    }
    const container = (command: string, extra = '') => `  - name: main
    image: ${runtime.image}
    command: [sh, -c, ${JSON.stringify(command)}]
    volumeMounts: [{name: data, mountPath: /data}]
${extra}`;
    const app = (version: string) =>
      pod(
        'app',
        container(
          `echo "started $VERSION" | tee -a /data/app.log; trap 'echo "stopping $VERSION" >> /data/app.log; sleep 1; echo "stopped $VERSION" >> /data/app.log; exit 0' TERM; while :; do sleep 1; done`,
          `    env: [{name: VERSION, value: ${version}}]\n    lifecycle: {preStop: {exec: {command: [sh, -c, 'echo "prestop $VERSION" >> /data/app.log']}}}\n`,
        ),
      );

    before(async () => {
      const dir = await tempDir();
      manifests = join(dir, 'manifests');
      data = join(dir, 'data');
      config = join(dir, 'kubelet.yaml');
      await mkdir(manifests);
      await mkdir(data);
      await writeFile(config, `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
staticPodPath: ${manifests}
fileCheckFrequency: 2s
crashLoopBackOff:
  initialContainerRestartPeriod: 1s
  maxContainerRestartPeriod: 2s
`);
      runtime = await makeRuntime(testRootDir());
      kubelet = start();
    });

    after(async () => {
      await kubelet?.kill('SIGKILL');
      await runtime?.cleanup(node);
    });

    test('add: a new manifest runs, its output is in logs and its hostPath volume', async () => {
      await writeFile(join(manifests, 'app.yaml'), app('v1'));
      const r = await waitRow('app running', 'app', (p) => p.status === 'Running' && p.ready === '1/1');
      assert.equal(r.restarts, 0);
      await waitFile('the container wrote to its volume', 'app.log', /started v1/);
      assert.match(await logs('app'), /^started v1$/m);
    });

    test('edit: the old container stops gracefully (preStop, then SIGTERM) and a new one runs the new spec', async () => {
      const before = (await row('app'))!.containers[0]!.id;
      await writeFile(join(manifests, 'app.yaml'), app('v2'));
      await waitRow('a new app container', 'app', (p) => p.status === 'Running' && p.containers[0]!.id !== before && p.containers[0]!.id !== '');
      await waitFile('v2 started after v1 ran its preStop hook and finished its TERM handler', 'app.log', /prestop v1\nstopping v1\nstopped v1\n(.|\n)*started v2/);
      assert.doesNotMatch(await logs('app'), /v1/, 'logs shows the new container');
    });

    test('crash loop: an exiting container is restarted with back-off, its exit code and previous log shown', async () => {
      await writeFile(join(manifests, 'crash.yaml'), pod('crash', container('echo "crash run"; echo run >> /data/crash.log; exit 3')));
      const r = await waitRow('crash restarted twice, in back-off', 'crash', (p) => p.restarts >= 2 && p.containers[0]!.exitCode === 3);
      assert.ok(['CrashLoopBackOff', 'Error', 'Running'].includes(r.status), r.status);
      await waitRow('CrashLoopBackOff shown', 'crash', (p) => p.status === 'CrashLoopBackOff');
      assert.ok((await dataFile('crash.log')).split('\n').filter(Boolean).length >= 3);
      assert.match(await logs('crash', '--previous'), /crash run/);
      await rm(join(manifests, 'crash.yaml'));
    });

    test('probes: exec readiness flips READY; a failing exec liveness probe restarts the container', async () => {
      await writeFile(join(data, 'alive'), 'yes');
      const probes = `    readinessProbe: {exec: {command: [cat, /data/ready]}, periodSeconds: 1}
    livenessProbe: {exec: {command: [cat, /data/alive]}, periodSeconds: 1, failureThreshold: 2}
`;
      await writeFile(join(manifests, 'probed.yaml'), pod('probed', container('while :; do sleep 1; done', probes), 2));
      await waitRow('probed running, not ready', 'probed', (p) => p.status === 'Running' && p.ready === '0/1');
      await writeFile(join(data, 'ready'), 'yes');
      await waitRow('probed ready', 'probed', (p) => p.ready === '1/1');
      await rm(join(data, 'alive'));
      await waitRow('probed restarted by its liveness probe', 'probed', (p) => p.restarts >= 1);
      await rm(join(manifests, 'probed.yaml'));
    });

    test('remove: the pod is stopped gracefully (its TERM handler finishes) and is gone', async () => {
      await rm(join(manifests, 'app.yaml'));
      await withLog(eventually('app gone from ps', async () => ((await row('app')) ? undefined : true), 30_000, 200));
      assert.match(await dataFile('app.log'), /prestop v2\nstopping v2\nstopped v2\n/);
    });

    test('a container that ignores SIGTERM is killed when the grace period (2 s) ends, not before', async () => {
      await writeFile(join(manifests, 'stubborn.yaml'), pod('stubborn', container("trap '' TERM; echo up > /data/stubborn; while :; do sleep 1; done"), 2));
      await waitRow('stubborn running', 'stubborn', (p) => p.status === 'Running');
      await waitFile('stubborn started', 'stubborn', /up/);
      const removed = Date.now();
      await rm(join(manifests, 'stubborn.yaml'));
      await withLog(eventually('stubborn gone from ps', async () => ((await row('stubborn')) ? undefined : true), 30_000, 100));
      const took = Date.now() - removed;
      assert.ok(took >= 2000, `gone after ${took} ms: SIGKILL came before the grace period ended`);
      // And soon after it ended: the pod's 2 s, not the default 30 s (the slack covers ps's polling on a busy machine).
      assert.ok(took < 2000 + 10_000, `gone after ${took} ms: the pod's grace period of 2 s was not what ended it`);
    });

    test('adoption: after the reconciler is SIGKILLed, its container runs on, and a new reconciler adopts and supervises it', async () => {
      await writeFile(join(manifests, 'keep.yaml'), pod('keep', container('echo kept; while :; do sleep 1; done')));
      const first = (await waitRow('keep running', 'keep', (p) => p.status === 'Running')).containers[0]!.id;
      await kubelet.kill('SIGKILL');
      assert.ok(await runtime.isRunning(first), 'the container outlives its reconciler');
      kubelet = start();
      await withLog(eventually('the new reconciler is up', async () => (kubelet.log().includes('kubeboot kubelet started') ? true : undefined), 30_000, 100));
      const adopted = await waitRow('keep still running, same container', 'keep', (p) => p.status === 'Running');
      assert.equal(adopted.containers[0]!.id, first, 'adopted, not replaced');
      assert.equal(adopted.restarts, 0);
      await runtime.killContainer(first);
      const replaced = await waitRow('keep restarted after a kill from outside', 'keep', (p) => p.status === 'Running' && p.containers[0]!.id !== first);
      assert.equal(replaced.restarts, 1);
      assert.equal(replaced.containers[0]!.id.length, 12);
    });
  });
}
