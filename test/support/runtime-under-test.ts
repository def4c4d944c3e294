import { mkdir, symlink, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { engine, images, removeNodeContainers } from './docker.js';
import { tempDir } from './temp.js';

/**
 * One of kubeboot's container runtimes, as the shared reconciler scenarios drive it: the flags that
 * choose it, and what a user would do from outside to a container (`docker kill`, `kill -9`).
 */
export interface RuntimeUnderTest {
  kind: 'docker' | 'process';
  /** The flags `kubeboot kubelet`, `ps` and `logs` take for it. */
  flags: string[];
  /** The busybox image (for the process runtime: the name maps to the busybox binary of its folder). */
  image: string;
  /** Kills a container (by the ID `kubeboot ps` shows) with SIGKILL, from outside kubeboot. */
  killContainer(id: string): Promise<void>;
  /** True while the container's process runs, as the engine or the process table says. */
  isRunning(id: string): Promise<boolean>;
  /** Removes what the test's reconcilers left for `node`. */
  cleanup(node: string): Promise<void>;
}

export async function dockerRuntime(): Promise<RuntimeUnderTest> {
  const docker = await engine();
  return {
    kind: 'docker',
    flags: [],
    image: images.busybox,
    killContainer: async (id) => void (await docker.getContainer(id).kill()),
    isRunning: async (id) => (await docker.getContainer(id).inspect().catch(() => undefined))?.State.Running === true,
    cleanup: async (node) => void (await removeNodeContainers(node)),
  };
}

/**
 * The process runtime with a binary folder holding Debian's static busybox and a link per applet (as the
 * busybox image has them), and its state under `rootDir`. A container's launcher carries the container's
 * folder on its command line (`.../kubeboot-processes/<id>`), which is how `pgrep -f` finds it.
 */
export async function processRuntime(rootDir: string): Promise<RuntimeUnderTest> {
  const binDir = join(await tempDir(), 'bin');
  await mkdir(binDir);
  await copyFile('/bin/busybox', join(binDir, 'busybox'));
  const applets = (await execa('/bin/busybox', ['--list'])).stdout.split('\n').filter((a) => a && a !== 'busybox');
  await Promise.all(applets.map((applet) => symlink('busybox', join(binDir, applet))));
  const launchers = async (pattern: string) => {
    const found = await execa('pgrep', ['-f', pattern], { reject: false });
    return found.stdout.split('\n').filter(Boolean).map(Number);
  };
  const state = join(rootDir, 'kubeboot-processes');
  return {
    kind: 'process',
    flags: ['--container-runtime', 'process', '--process-bin-dir', binDir],
    image: images.busybox,
    killContainer: async (id) => {
      const pids = await launchers(`${state}/${id}`);
      if (pids.length === 0) throw new Error(`no process of container ${id}`);
      for (const pid of pids) process.kill(-pid, 'SIGKILL');
    },
    isRunning: async (id) => (await launchers(`${state}/${id}`)).length > 0,
    cleanup: async () => {
      for (const pid of await launchers(`${state}/`)) {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // gone already
        }
      }
    },
  };
}
