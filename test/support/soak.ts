import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { parseStaticPod } from '../../src/reconciler/static-pod.js';
import { labels } from '../../src/runtime/labels.js';
import { listPods, eventually, images } from './docker.js';
import { KubeletProcess } from './kubelet-process.js';
import { busyboxPod } from './manifests.js';
import { ThrowawayEngine } from './throwaway-engine.js';

export interface SoakOptions {
  /** How many times the reconciler is SIGKILLed (and started again) while manifests change. */
  kills: number;
  /** How many manifest changes (add, edit, remove) are made in all. */
  changes: number;
  /** Random seed, so that a failing run can be repeated. */
  seed: number;
  log?: (line: string) => void;
}

export interface SoakReport {
  seed: number;
  kills: number;
  changes: { added: number; edited: number; removed: number };
  /** Pods whose containers do not match the manifests at the end: missing, or running without a manifest. */
  lostPods: string[];
  extraPods: string[];
  /** Pods with two running containers for one container name. */
  duplicates: string[];
  /** Pods whose manifest never changed after the baseline but whose container was replaced. */
  needlessRestarts: string[];
  /** Dot-named temp files left in the manifest folder or the reconciler's state folder. */
  tempFiles: string[];
  /** Seconds from the last change to all pods matching. */
  convergeSeconds: number;
  /** The pods matched the manifests (each in its current version) within the final wait. */
  converged: boolean;
  /** Why they did not, when they did not. */
  convergeError?: string;
  /** Pods running a version other than their manifest's current one at the end. */
  staleVersions: string[];
  durationSeconds: number;
}

/** A small seeded random generator (mulberry32): a soak run can be repeated exactly. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Faults while manifests change, then the invariants a user relies on. First the disruptive events
 * (the manifest folder deleted and re-created, a manifest write that hits a full file system, the
 * engine restarted); then, from a baseline, random adds, edits and removes with the reconciler SIGKILLed
 * and started again `kills` times. Afterwards the running pods must equal the manifests, no pod may
 * have two running containers for one name, no pod whose manifest did not change may have been
 * restarted, and no temp file may be left. Runs on a throw-away engine in its own network namespace,
 * with the manifest folder on a small tmpfs of its own. Needs root.
 */
export async function soak(options: SoakOptions): Promise<SoakReport> {
  const say = options.log ?? (() => undefined);
  const rand = random(options.seed);
  const started = Date.now();
  const node = `soak-${options.seed}`;
  const dockerd = new ThrowawayEngine();
  const work = await mkdtemp(join(tmpdir(), 'kubeboot-soak-'));
  const folder = join(work, 'manifests');
  const state = join(work, 'state');
  let kubelet: KubeletProcess | undefined;
  await mkdir(folder);
  // A tmpfs small enough to fill: a manifest write will hit ENOSPC half-way.
  await execa('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'kubeboot-soak', folder]);
  const report: SoakReport = { seed: options.seed, kills: 0, changes: { added: 0, edited: 0, removed: 0 }, converged: false, staleVersions: [], lostPods: [], extraPods: [], duplicates: [], needlessRestarts: [], tempFiles: [], convergeSeconds: 0, durationSeconds: 0 };
  const manifests = new Map<string, string>(); // pod name → command it runs
  const write = (name: string) => writeFile(join(folder, `${name}.yaml`), busyboxPod(name, { command: manifests.get(name)! }));
  const startKubelet = () =>
    new KubeletProcess(['--pod-manifest-path', folder, '--hostname-override', node, '--container-runtime-endpoint', dockerd.host, '--root-dir', state], { env: { ...process.env, DOCKER_HOST: dockerd.host } });

  /** Running container IDs by pod name (without the node suffix), and duplicates. */
  const running = async () => {
    const byPod = new Map<string, string[]>();
    const duplicates: string[] = [];
    for (const pod of (await listPods(dockerd.docker, node)).values()) {
      const live = pod.containers.filter((c) => c.running);
      const names = live.map((c) => c.name);
      if (new Set(names).size !== names.length) duplicates.push(pod.name);
      if (live.length > 0) byPod.set(pod.name.replace(`-${node}`, ''), live.map((c) => `${c.id}:${c.labels[labels.podUid]}`).sort());
    }
    return { byPod, duplicates };
  };
  /** The UID the reconciler gives the current manifest of a pod (the kubelet's hash of the defaulted pod). */
  const expectedUid = (name: string) => {
    const parsed = parseStaticPod(busyboxPod(name, { command: manifests.get(name)! }), { source: join(folder, `${name}.yaml`), nodeName: node });
    return parsed.ok ? parsed.pod.uid : '';
  };
  /** Every manifest runs, in its current version, and nothing else runs. */
  const matches = async () => {
    const { byPod } = await running();
    const current = [...manifests.keys()].every((name) => byPod.get(name)?.every((id) => id.endsWith(`:${expectedUid(name)}`)));
    return current && [...byPod.keys()].every((name) => manifests.has(name)) ? byPod : undefined;
  };
  const converge = (what: string) => eventually(what, matches, 90_000, 200).catch((err: Error) => kubelet?.withLog(Promise.reject(err)) ?? Promise.reject(err));

  try {
    await dockerd.start();
    await dockerd.loadFrom([images.busybox]);
    for (let i = 0; i < 4; i++) {
      manifests.set(`p${i}`, `sleep ${3600 + i}`);
      await write(`p${i}`);
    }
    kubelet = startKubelet();
    await converge('the first pods');

    say('the manifest folder is deleted and re-created');
    await execa('umount', [folder]);
    await rm(folder, { recursive: true, force: true });
    await eventually('pods removed with the folder', async () => ((await running()).byPod.size === 0 ? true : undefined), 60_000, 200);
    await mkdir(folder);
    await execa('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'kubeboot-soak', folder]);
    for (const name of manifests.keys()) await write(name);
    await converge('pods back with the folder');

    say('a manifest edit hits a full file system');
    const filler = join(folder, '.filler');
    await execa('dd', ['if=/dev/zero', `of=${filler}`, 'bs=4k'], { reject: false });
    const edited = busyboxPod('p0', { command: `sleep 3700; ${'x'.repeat(8192)}` });
    await writeFile(join(folder, 'p0.yaml'), edited).catch(() => undefined); // ENOSPC: a truncated file is left
    await pause(1500);
    await rm(filler);
    await write('p0'); // the user puts the good version back
    await converge('pods after the full file system');

    say('the engine is restarted');
    await dockerd.stop();
    await dockerd.start();
    await converge('pods after the engine restart');

    // The baseline: from here on, a pod whose manifest does not change must keep its container.
    const baseline = (await running()).byPod;
    const touched = new Set<string>();
    let next = manifests.size;
    const killEvery = Math.max(1, Math.floor(options.changes / Math.max(1, options.kills)));
    for (let step = 0; step < options.changes; step++) {
      const names = [...manifests.keys()];
      const roll = rand();
      if (roll < 0.4 || names.length < 2) {
        const name = `p${next++}`;
        manifests.set(name, `sleep ${4000 + step}`);
        await write(name);
        report.changes.added++;
        touched.add(name);
      } else if (roll < 0.7) {
        const name = names[Math.floor(rand() * names.length)]!;
        manifests.set(name, `sleep ${5000 + step}`);
        await write(name);
        report.changes.edited++;
        touched.add(name);
      } else {
        const name = names[Math.floor(rand() * names.length)]!;
        manifests.delete(name);
        await rm(join(folder, `${name}.yaml`));
        report.changes.removed++;
        touched.add(name);
      }
      if (report.kills < options.kills && (step + 1) % killEvery === 0) {
        await pause(Math.floor(rand() * 400)); // mid-reconcile, somewhere
        await kubelet.kill('SIGKILL');
        kubelet = startKubelet();
        report.kills++;
      } else {
        await pause(Math.floor(rand() * 300));
      }
    }
    while (report.kills < options.kills) {
      await kubelet.kill('SIGKILL');
      kubelet = startKubelet();
      report.kills++;
      await pause(500);
    }
    const lastChange = Date.now();
    say(`${options.changes} changes and ${report.kills} kills made; waiting for the pods to match`);
    // Not swallowed: a soak that never converged says so (and the kubelet's log comes with the error).
    report.converged = await converge('pods matching the manifests at the end').then(() => true, (err: Error) => {
      report.convergeError = err.message;
      return false;
    });
    report.convergeSeconds = Math.round((Date.now() - lastChange) / 100) / 10;
    // A few relists later, the state must still hold (nothing restarted, nothing doubled).
    await pause(3000);

    const end = await running();
    report.duplicates = end.duplicates;
    report.lostPods = [...manifests.keys()].filter((name) => !end.byPod.has(name));
    // Each pod runs its manifest's current version (the UID of the pod as now written), not an older one.
    report.staleVersions = [...manifests.keys()].filter((name) => end.byPod.get(name)?.some((id) => !id.endsWith(`:${expectedUid(name)}`)));
    report.extraPods = [...end.byPod.keys()].filter((name) => !manifests.has(name));
    report.needlessRestarts = [...baseline.keys()].filter((name) => !touched.has(name) && manifests.has(name) && JSON.stringify(baseline.get(name)) !== JSON.stringify(end.byPod.get(name)));
    const temps = async (dir: string): Promise<string[]> =>
      (await readdir(dir, { recursive: true }).catch(() => [] as string[])).filter((path) => /(^|\/)\.[^/]*\.tmp$/.test(path)).map((path) => join(dir, path));
    report.tempFiles = [...(await temps(folder)), ...(await temps(state))];
  } finally {
    await kubelet?.kill('SIGKILL');
    await execa('umount', [folder], { reject: false });
    await dockerd.destroy();
    await rm(work, { recursive: true, force: true });
  }
  report.durationSeconds = Math.round((Date.now() - started) / 1000);
  return report;
}
