import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { execa } from 'execa';
import { startDaemon } from '../src/reconciler/daemon.js';
import { BENCH_LABEL, benchRun, bounded, engineEvents, percentile, removeContainers, row, sleep, type Row } from './support.js';

export const BUSYBOX = 'kubeboot.local/busybox:1.35.0';
const PAUSE = 'kubeboot.local/pause:3.10';
const CONCURRENCY = 8;

const manifest = (name: string, command = 'sleep 3600') => `apiVersion: v1
kind: Pod
metadata: {name: ${name}, labels: {app: bench}}
spec:
  hostNetwork: true
  terminationGracePeriodSeconds: 2
  containers:
  - {name: sleeper, image: ${BUSYBOX}, imagePullPolicy: IfNotPresent, command: [sh, -c, '${command}']}
`;

/** A reconciler in this process on a folder of its own, as `kubeboot kubelet` runs it. */
export async function reconciler(node: string) {
  const dir = await mkdtemp(join(tmpdir(), 'kubeboot-bench-'));
  const folder = join(dir, 'manifests');
  await mkdir(folder);
  const daemon = await startDaemon({ podManifestPath: folder, hostnameOverride: node, healthzPort: 0, rootDir: join(dir, 'state'), podInfraContainerImage: PAUSE, log: () => undefined });
  await sleep(300); // the empty folder has been read
  return {
    folder,
    stop: async () => {
      await daemon.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The engine floor: the containers the reconciler makes for these pods, created and started with dockerode at the same concurrency. */
async function engineConverge(docker: Docker, n: number, tag: string): Promise<number> {
  const label = `${BENCH_LABEL}=${benchRun}-${tag}`;
  const started = await engineEvents(docker, { type: ['container'], event: ['start'], label: [label] }, n);
  const t0 = Date.now();
  await bounded(
    Array.from({ length: n }, (_, i) => async () => {
      const c = await docker.createContainer({ name: `${benchRun}-${tag}-${i}`, Image: BUSYBOX, Entrypoint: ['sh', '-c', 'sleep 3600'], Labels: { [BENCH_LABEL]: `${benchRun}-${tag}` }, HostConfig: { Init: true, NetworkMode: 'host' } });
      await c.start();
    }),
    CONCURRENCY,
  );
  const times = await started.done;
  const ms = Math.max(...times) - t0;
  await removeContainers(docker, label);
  return ms;
}

async function kubebootConverge(docker: Docker, n: number, tag: string): Promise<number> {
  const node = `${benchRun}-${tag}`;
  const r = await reconciler(node);
  try {
    const started = await engineEvents(docker, { type: ['container'], event: ['start'], label: [`io.kubeboot.node=${node}`] }, n);
    const t0 = Date.now();
    await Promise.all(Array.from({ length: n }, (_, i) => writeFile(join(r.folder, `p${i}.yaml`), manifest(`p${i}`))));
    const times = await started.done;
    return Math.max(...times) - t0;
  } finally {
    await r.stop();
    await removeContainers(docker, `io.kubeboot.node=${node}`);
  }
}

/** podman kube play of the same pods, in a private store (environment.md §9). */
export class Podman {
  private dir = '';
  private base: string[] = [];
  private env: Record<string, string> = {};

  async setup(docker: Docker): Promise<void> {
    this.dir = await mkdtemp(join(tmpdir(), 'kubeboot-bench-podman-'));
    for (const sub of ['root', 'runroot', 'tmp']) await mkdir(join(this.dir, sub));
    await writeFile(join(this.dir, 'containers.conf'), '[containers]\ndefault_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]\n[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\n');
    this.env = { CONTAINERS_CONF: join(this.dir, 'containers.conf') };
    this.base = ['--root', join(this.dir, 'root'), '--runroot', join(this.dir, 'runroot'), '--tmpdir', join(this.dir, 'tmp')];
    // The same busybox root filesystem, with PATH set (kube play needs it).
    const c = await docker.createContainer({ Image: BUSYBOX, Cmd: ['true'] });
    const tar = join(this.dir, 'busybox.tar');
    await new Promise<void>((resolve, reject) => {
      void c.export().then((stream) => {
        void import('node:fs').then(({ createWriteStream }) => {
          const out = createWriteStream(tar);
          stream.pipe(out);
          out.on('finish', resolve);
          out.on('error', reject);
        });
      }, reject);
    });
    await c.remove();
    await this.run(['import', '--change', 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', '--change', 'CMD ["sh"]', tar, BUSYBOX]);
  }

  run(args: string[]) {
    return execa('podman', [...this.base, ...args], { env: this.env });
  }

  async converge(n: number): Promise<number> {
    const file = join(this.dir, `pods-${n}.yaml`);
    await writeFile(file, Array.from({ length: n }, (_, i) => manifest(`p${i}`)).join('---\n'));
    const t0 = Date.now();
    await this.run(['kube', 'play', file]);
    const ms = Date.now() - t0;
    await this.run(['kube', 'down', file]).catch(() => undefined);
    await this.settle();
    return ms;
  }

  /** Waits until podman's conmon and clean-up processes are gone. */
  private async settle(): Promise<void> {
    for (let i = 0; i < 100; i++) {
      const busy = await execa('pgrep', ['-f', `conmon.*${this.dir}|podman.*${this.dir}.*cleanup`], { reject: false });
      if (busy.exitCode !== 0) return;
      await sleep(100);
    }
  }

  async teardown(): Promise<void> {
    if (!this.dir) return;
    await this.run(['pod', 'rm', '--all', '--force']).catch(() => undefined);
    await this.run(['rm', '--all', '--force']).catch(() => undefined);
    const mounts = await execa('sh', ['-c', `grep -o '${this.dir}[^ ]*' /proc/mounts | sort -r`], { reject: false });
    for (const mount of mounts.stdout.split('\n').filter(Boolean)) await execa('umount', ['-l', mount], { reject: false });
    await rm(this.dir, { recursive: true, force: true });
  }
}

/**
 * Row 2: N hostNetwork pods written at once → all containers started, `runs` times for each N (after a
 * warm-up). The engine's own time for 10 containers moved 650 → 1320 ms between runs minutes apart here,
 * so the short row gets more runs than the long one. Each run of ours is next to one of the floor, the
 * two in turns first (the engine's clean-up of the previous run's containers, or a slow stretch, falls on
 * both alike), and the engine gets a second after each clean-up.
 */
export async function convergeRows(docker: Docker, sizes: Array<[n: number, runs: number]>, podman: Podman | undefined): Promise<Row[]> {
  const rows: Row[] = [];
  for (const [n, runs] of sizes) {
    const ours: number[] = [];
    const floor: number[] = [];
    const play: number[] = [];
    for (let i = 0; i <= runs; i++) {
      const measure = {
        ours: () => kubebootConverge(docker, n, `c${n}-${i}`),
        floor: () => engineConverge(docker, n, `e${n}-${i}`),
      };
      const pair: Record<string, number> = {};
      for (const side of i % 2 === 0 ? (['ours', 'floor'] as const) : (['floor', 'ours'] as const)) {
        pair[side] = await measure[side]();
        await sleep(1000);
      }
      if (i === 0) continue; // warm-up
      ours.push(pair.ours!);
      floor.push(pair.floor!);
    }
    // podman runs apart from the engine's runs: its clean-up processes outlive `kube down` (once, here,
    // the Docker engine lost its containers while they ran), so they are waited for before going on.
    // Three runs at most: it takes three times as long as ours, far from its target either way.
    for (let i = 0; podman && i <= Math.min(runs, 3); i++) {
      const p = await podman.converge(n);
      if (i > 0) play.push(p);
    }
    rows.push(row(`converge ${n} pods, vs the engine floor`, ours, 'ms', { name: `dockerode create+start, concurrency ${CONCURRENCY}`, values: floor }, { target: 'ratio ≤ 1.10' }));
    if (podman) rows.push(row(`converge ${n} pods, vs podman kube play`, ours, 'ms', { name: 'podman kube play (one multi-document file)', values: play }, { target: n === 50 ? 'ratio ≤ 0.50' : '' }));
  }
  return rows;
}

/** Row 3: how fast a change becomes containers, each try against the engine's own time for the same work. */
export async function reactionRows(docker: Docker, tries: number): Promise<Row[]> {
  const node = `${benchRun}-react`;
  const r = await reconciler(node);
  const mine = { label: [`io.kubeboot.node=${node}`] };
  const edit: number[] = [];
  const remove: number[] = [];
  const kill: number[] = [];
  const createStart: number[] = [];
  const stopRemove: number[] = [];
  const stopCreateStart: number[] = [];
  try {
    for (let i = 0; i <= tries; i++) {
      // edit: a new pod version replaces the old (old stopped first)
      let started = await engineEvents(docker, { type: ['container'], event: ['start'], ...mine }, 1);
      await writeFile(join(r.folder, 'react.yaml'), manifest('react', `sleep ${3600 + i * 2}`));
      await started.done;
      started = await engineEvents(docker, { type: ['container'], event: ['start'], ...mine }, 1);
      const t0 = Date.now();
      await writeFile(join(r.folder, 'react.yaml'), manifest('react', `sleep ${3601 + i * 2}`));
      const [editDone] = await started.done;
      // kill: the replacement of a pod's first death is started at once
      const running = (await docker.listContainers({ filters: { label: [`io.kubeboot.node=${node}`] } }))[0]!;
      const died = await engineEvents(docker, { type: ['container'], event: ['die'], ...mine }, 1);
      started = await engineEvents(docker, { type: ['container'], event: ['start'], ...mine }, 1);
      await docker.getContainer(running.Id).kill();
      const [deathAt] = await died.done;
      const [restartAt] = await started.done;
      // delete: the manifest removed → containers gone
      const destroyed = await engineEvents(docker, { type: ['container'], event: ['destroy'], ...mine }, 2);
      const t1 = Date.now();
      await rm(join(r.folder, 'react.yaml'));
      const gone = await destroyed.done;
      if (i === 0) continue;
      edit.push(editDone! - t0);
      kill.push(restartAt! - deathAt!);
      remove.push(Math.max(...gone) - t1);
      // The engine's own times for the same work, on an identical container.
      const label = `${BENCH_LABEL}=${benchRun}-rx`;
      const s0 = Date.now();
      const c = await docker.createContainer({ Image: BUSYBOX, Entrypoint: ['sh', '-c', 'sleep 3600'], Labels: { [BENCH_LABEL]: `${benchRun}-rx` }, HostConfig: { Init: true, NetworkMode: 'host' } });
      await c.start();
      const cs = Date.now() - s0;
      createStart.push(cs);
      // A deleted pod's containers at this point: the running one, and the one the kill above left
      // (exited, kept for `logs --previous`). The engine's time to stop and remove the same two.
      const exited = await docker.createContainer({ Image: BUSYBOX, Entrypoint: ['true'], Labels: { [BENCH_LABEL]: `${benchRun}-rx` }, HostConfig: { Init: true, NetworkMode: 'host' } });
      await exited.start();
      await exited.wait();
      const s1 = Date.now();
      await Promise.all([c.stop({ t: 2 }).then(() => c.remove()), exited.remove()]);
      stopRemove.push(Date.now() - s1);
      // An edit replaces one container: stop and remove it, create and start the next.
      const single = await docker.createContainer({ Image: BUSYBOX, Entrypoint: ['sh', '-c', 'sleep 3600'], Labels: { [BENCH_LABEL]: `${benchRun}-rx` }, HostConfig: { Init: true, NetworkMode: 'host' } });
      await single.start();
      const s2 = Date.now();
      await single.stop({ t: 2 });
      await single.remove();
      stopCreateStart.push(Date.now() - s2 + cs);
      await removeContainers(docker, label);
    }
  } finally {
    await r.stop();
    await removeContainers(docker, `io.kubeboot.node=${node}`);
  }
  const overhead = kill.map((k, i) => k - createStart[i]!);
  return [
    row('reaction: manifest edited → new container running', edit, 'ms', { name: 'engine stop + create + start', values: stopCreateStart }, { target: 'p50 ratio ≤ 1.2' }),
    row('reaction: manifest deleted → containers gone', remove, 'ms', { name: 'engine stop + remove of the running container, remove of the exited one', values: stopRemove }, { target: 'p50 ratio ≤ 1.2' }),
    row('reaction: container killed → replacement started', kill, 'ms', { name: 'engine create + start', values: createStart }, { target: 'p50 ratio ≤ 1.2' }),
    row('reaction: kill, time beyond the engine start', overhead, 'ms', undefined, { target: '≤ 100 ms', note: `p95 ${percentile(overhead, 95).toFixed(0)} ms` }),
  ];
}
