import { existsSync } from 'node:fs';
import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

const ROOT = '/sys/fs/cgroup';
/** kubeboot's own branch of the cgroup tree; each container gets one folder in it. */
const BRANCH = 'kubeboot';
const CPU_PERIOD_US = 100_000;

export interface Limits {
  memoryBytes?: number;
  cpuCores?: number;
}

export interface ContainerCgroups {
  /** The folders made for this container (removed with it). */
  dirs: string[];
  /** The files the launcher writes its pid to, so that the process starts inside. */
  procFiles: string[];
}

/**
 * A container's resource limits as cgroups, where the host lets kubeboot make them: cgroup v2 (memory.max,
 * cpu.max) or v1 (the memory and cpu hierarchies). Only a container with limits gets a cgroup. When the
 * host refuses (a read-only /sys/fs/cgroup, a controller not delegated), the reason is returned and the
 * process runs without limits: the caller logs it.
 */
export async function makeCgroups(id: string, limits: Limits): Promise<{ cgroups: ContainerCgroups; problem?: string }> {
  if (limits.memoryBytes === undefined && limits.cpuCores === undefined) return { cgroups: { dirs: [], procFiles: [] } };
  const quota = limits.cpuCores !== undefined ? Math.max(1000, Math.round(limits.cpuCores * CPU_PERIOD_US)) : undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      return { cgroups: await make(id, limits.memoryBytes, quota) };
    } catch (err) {
      // ENOENT once: the branch went between its mkdir and the container's (another container's removal found it empty).
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && attempt === 1) continue;
      return { cgroups: { dirs: [], procFiles: [] }, problem: `resource limits not applied: ${(err as Error).message}` };
    }
  }
}

async function make(id: string, memoryBytes: number | undefined, quota: number | undefined): Promise<ContainerCgroups> {
  if (existsSync(join(ROOT, 'cgroup.controllers'))) {
    const branch = join(ROOT, BRANCH);
    await mkdir(branch, { recursive: true });
    await writeFile(join(branch, 'cgroup.subtree_control'), '+memory +cpu').catch(() => undefined);
    const dir = join(branch, id);
    await mkdir(dir);
    if (memoryBytes !== undefined) await writeFile(join(dir, 'memory.max'), String(Math.floor(memoryBytes)));
    if (quota !== undefined) await writeFile(join(dir, 'cpu.max'), `${quota} ${CPU_PERIOD_US}`);
    return { dirs: [dir], procFiles: [join(dir, 'cgroup.procs')] };
  }
  const made: ContainerCgroups = { dirs: [], procFiles: [] };
  if (memoryBytes !== undefined) {
    const dir = join(ROOT, 'memory', BRANCH, id);
    await mkdir(dir, { recursive: true });
    made.dirs.push(dir);
    await writeFile(join(dir, 'memory.limit_in_bytes'), String(Math.floor(memoryBytes)));
    made.procFiles.push(join(dir, 'cgroup.procs'));
  }
  if (quota !== undefined) {
    const dir = join(ROOT, 'cpu', BRANCH, id);
    await mkdir(dir, { recursive: true });
    made.dirs.push(dir);
    await writeFile(join(dir, 'cpu.cfs_period_us'), String(CPU_PERIOD_US));
    await writeFile(join(dir, 'cpu.cfs_quota_us'), String(quota));
    made.procFiles.push(join(dir, 'cgroup.procs'));
  }
  return made;
}

/** True when the kernel killed a process of these cgroups for memory (memory.events or memory.oom_control). */
export async function oomKilled(dirs: string[]): Promise<boolean> {
  for (const dir of dirs) {
    for (const file of ['memory.events', 'memory.oom_control']) {
      const text = await readFile(join(dir, file), 'utf8').catch(() => '');
      if (/^oom_kill [1-9]/m.test(text)) return true;
    }
  }
  return false;
}

/**
 * Removes a container's cgroup folders (the kernel refuses while a process is in one: that one stays),
 * then kubeboot's branch above each when nothing is left in it (rmdir refuses a folder with children).
 */
export async function removeCgroups(dirs: string[]): Promise<void> {
  await Promise.all(dirs.map((dir) => rmdir(dir).catch(() => undefined)));
  await Promise.all(dirs.map((dir) => rmdir(dirname(dir)).catch(() => undefined)));
}
