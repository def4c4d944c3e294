import { constants as fsConstants, openSync } from 'node:fs';
import { Socket } from 'node:net';
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { execa, type ResultPromise } from 'execa';
import { startDaemon } from '../src/reconciler/daemon.js';
import { benchRun, bounded, row, sleep, type Row } from './support.js';

// The process runtime (`--container-runtime process`): the same pods as the Docker rows, each container
// a host process in a mount namespace of its own. Each container says it runs by writing its name to a
// FIFO on a hostPath volume; the baseline is the same shell command started directly (no namespace, no
// reconciler), through the same FIFO.

const CONCURRENCY = 8;
const IMAGE = 'kubeboot.local/busybox:1.35.0';

const command = (name: string) => `echo ${name} > /data/fifo; exec sleep 3600`;
const manifest = (name: string, data: string, said = name) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  hostNetwork: true
  terminationGracePeriodSeconds: 2
  containers:
  - name: sleeper
    image: ${IMAGE}
    command: [sh, -c, '${command(said)}']
    volumeMounts: [{name: data, mountPath: /data}]
  volumes: [{name: data, hostPath: {path: ${data}}}]
`;

/** A folder with a FIFO that reports who wrote what, and when. */
async function fifoIn(dir: string) {
  await execa('mkfifo', [join(dir, 'fifo')]);
  // Opened read-write (a reader alone would see the end of the file when a writer closes it), and
  // non-blocking as a socket: a blocking read would hold one of libuv's four file-system threads for good.
  const fd = openSync(join(dir, 'fifo'), fsConstants.O_RDWR | fsConstants.O_NONBLOCK);
  const stream = new Socket({ fd, readable: true, writable: false });
  const waiting = new Map<string, (at: number) => void>();
  createInterface({ input: stream }).on('line', (line) => waiting.get(line.trim())?.(Date.now()));
  return {
    /** Resolves with the time `name` is written. */
    when: (name: string) => new Promise<number>((resolve) => waiting.set(name, resolve)),
    close: () => stream.destroy(),
  };
}

async function setup(tag: string) {
  const dir = await mkdtemp(join(tmpdir(), 'kubeboot-bench-proc-'));
  const [bin, data, manifests] = ['bin', 'data', 'manifests'].map((d) => join(dir, d));
  for (const d of [bin!, data!, manifests!]) await mkdir(d);
  await copyFile('/bin/busybox', join(bin!, 'busybox'));
  for (const applet of ['sh', 'echo', 'sleep']) await symlink('busybox', join(bin!, applet));
  const fifo = await fifoIn(data!);
  const state = join(dir, 'state');
  const daemon = await startDaemon({ podManifestPath: manifests!, hostnameOverride: `${benchRun}-${tag}`, healthzPort: 0, rootDir: state, containerRuntime: 'process', processBinDir: bin!, log: () => undefined });
  await sleep(300);
  const launchers = async () => (await execa('pgrep', ['-f', `${state}/kubeboot-processes/[0-9a-f]`], { reject: false })).stdout.split('\n').filter(Boolean).map(Number);
  return {
    data: data!,
    manifests: manifests!,
    fifo,
    launchers,
    stop: async () => {
      await daemon.stop();
      for (const pid of await launchers()) process.kill(-pid, 'SIGKILL');
      fifo.close();
      // The killed launchers' ends are still being recorded (the runtime writes each record as its process
      // goes): wait for them to be gone, and let rm retry an entry that appears under it (ENOTEMPTY).
      for (let i = 0; i < 100 && (await launchers()).length > 0; i++) await sleep(50);
      await sleep(100);
      await rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
    },
  };
}

/** The baseline: the container's command as a plain detached process (wrapped: a subprocess is a promise of its end). */
function bare(data: string, name: string): { child: ResultPromise } {
  const child = execa('/bin/sh', ['-c', command(name).replace('/data/', `${data}/`)], { detached: true, cleanup: false, reject: false, stdio: 'ignore' });
  child.unref();
  return { child };
}

async function converge(n: number, tag: string): Promise<{ ours: number; floor: number }> {
  const s = await setup(tag);
  try {
    let said = Array.from({ length: n }, (_, i) => s.fifo.when(`p${i}`));
    const t0 = Date.now();
    await Promise.all(Array.from({ length: n }, (_, i) => writeFile(join(s.manifests, `p${i}.yaml`), manifest(`p${i}`, s.data))));
    const ours = Math.max(...(await Promise.all(said))) - t0;
    said = Array.from({ length: n }, (_, i) => s.fifo.when(`b${i}`));
    const t1 = Date.now();
    const children = await bounded(Array.from({ length: n }, (_, i) => async () => bare(s.data, `b${i}`)), CONCURRENCY);
    const floor = Math.max(...(await Promise.all(said))) - t1;
    for (const { child } of children) child.kill('SIGKILL');
    return { ours, floor };
  } finally {
    await s.stop();
  }
}

export async function processConvergeRows(sizes: number[], runs: number): Promise<Row[]> {
  const rows: Row[] = [];
  for (const n of sizes) {
    const ours: number[] = [];
    const floor: number[] = [];
    for (let i = 0; i <= runs; i++) {
      const r = await converge(n, `pc${n}-${i}`);
      if (i === 0) continue; // warm-up
      ours.push(r.ours);
      floor.push(r.floor);
    }
    rows.push(row(`process runtime: converge ${n} pods, vs plain processes`, ours, 'ms', { name: `the same commands spawned directly, concurrency ${CONCURRENCY}`, values: floor }, { note: 'the difference: a mount namespace, an overlay root and binds per container, and the state files' }));
  }
  return rows;
}

export async function processReactionRows(tries: number): Promise<Row[]> {
  const s = await setup('preact');
  const edit: number[] = [];
  const remove: number[] = [];
  const kill: number[] = [];
  const respawn: number[] = [];
  const stopStart: number[] = [];
  const stop: number[] = [];
  const gone = async (pids: number[]) => {
    while (pids.some((pid) => { try { process.kill(pid, 0); return true; } catch { return false; } })) await sleep(2);
  };
  try {
    for (let i = 0; i <= tries; i++) {
      const file = join(s.manifests, 'react.yaml');
      await writeFile(file, manifest('react', s.data, `v${i}a`));
      await s.fifo.when(`v${i}a`);
      // edit: the new version replaces the old (the old stopped first)
      let said = s.fifo.when(`v${i}b`);
      const t0 = Date.now();
      await writeFile(file, manifest('react', s.data, `v${i}b`));
      const editDone = await said;
      // kill: SIGKILL from outside → the replacement runs
      const [pid] = await s.launchers();
      said = s.fifo.when(`v${i}b`);
      const t1 = Date.now();
      process.kill(-pid!, 'SIGKILL');
      const restarted = await said;
      // delete: the manifest removed → the process gone
      const running = await s.launchers();
      const t2 = Date.now();
      await rm(file);
      await gone(running);
      const removed = Date.now();
      // The same work on plain processes: TERM and wait, start and wait for its word.
      said = s.fifo.when(`x${i}`);
      const b0 = Date.now();
      const { child } = bare(s.data, `x${i}`);
      const bareStarted = (await said) - b0;
      const b1 = Date.now();
      child.kill('SIGTERM');
      await gone([child.pid!]);
      const bareStopped = Date.now() - b1;
      if (i === 0) continue;
      edit.push(editDone - t0);
      kill.push(restarted - t1);
      remove.push(removed - t2);
      respawn.push(bareStarted);
      stop.push(bareStopped);
      stopStart.push(bareStopped + bareStarted);
    }
  } finally {
    await s.stop();
  }
  return [
    row('process runtime: manifest edited → new process running', edit, 'ms', { name: 'plain process TERM + wait + start', values: stopStart }),
    row('process runtime: manifest deleted → process gone', remove, 'ms', { name: 'plain process TERM + wait', values: stop }),
    row('process runtime: process killed → replacement running', kill, 'ms', { name: 'plain process start', values: respawn }),
  ];
}
