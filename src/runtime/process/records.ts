import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../util/atomic-write.js';
import type { BindMount } from '../container-parts.js';

/** The folder, under the reconciler's --root-dir, where the process runtime keeps what Docker would keep for it. */
export const PROCESS_STATE_DIR = 'kubeboot-processes';

/**
 * One container of the process runtime, as a file (`<state>/<id>/container.json`): what a reconciler
 * started and how it ended, so that a restarted reconciler, `ps`, `logs` and `reset` see what the running
 * one saw. The process keeps running without the reconciler; `pid` with `pidStart` (the kernel's start
 * time of that pid) names it beyond doubt, since a pid is reused once its process is gone.
 */
export interface ProcessRecord {
  id: string;
  /** `k8s_<container>_<pod>_<namespace>_<uid>_<attempt>`, as Docker names it. */
  name: string;
  image: string;
  labels: Record<string, string>;
  created: number;
  state: 'created' | 'running' | 'exited';
  pid?: number;
  pidStart?: string;
  startedAt?: number;
  finishedAt?: number;
  exitCode?: number;
  oomKilled?: boolean;
  /** The cgroup folders made for its limits (removed with it). */
  cgroupDirs?: string[];
  /** Set when kubeboot sent SIGKILL: the exit code is then 137 even when the process could not say it. */
  killed?: boolean;
  /** What the launcher needs to start it (again, after a crash between create and start). */
  launch: {
    argv: string[];
    env: Record<string, string>;
    workingDir: string;
    binds: BindMount[];
    tmpfs: Record<string, string>;
    memoryBytes?: number;
    cpuCores?: number;
  };
}

/**
 * The kernel's start time of a pid (field 22 of /proc/<pid>/stat), or undefined when there is no such
 * process or it has ended and waits to be reaped (a zombie).
 */
export async function processStartTime(pid: number): Promise<string | undefined> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (!text) return undefined;
  // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return fields[0] === 'Z' || fields[0] === 'X' ? undefined : fields[19];
}

/** True when the record's process still runs: the same pid and the same start time. */
export async function stillRunning(record: ProcessRecord): Promise<boolean> {
  if (record.pid === undefined || record.pidStart === undefined) return false;
  return (await processStartTime(record.pid)) === record.pidStart;
}

/** The records of one state folder. */
export class ProcessRecords {
  constructor(readonly dir: string) {}

  containerDir(id: string): string {
    return join(this.dir, id);
  }

  logFile(id: string): string {
    return join(this.dir, id, 'output.log');
  }

  /** Where the launcher writes the exit code when the process ends, read by whoever looks next. */
  exitFile(id: string): string {
    return join(this.dir, id, 'exit-code');
  }

  async create(record: ProcessRecord): Promise<void> {
    await mkdir(this.containerDir(record.id), { recursive: true, mode: 0o700 });
    await this.write(record);
  }

  async write(record: ProcessRecord): Promise<void> {
    await writeFileAtomic(join(this.containerDir(record.id), 'container.json'), `${JSON.stringify(record)}\n`, { mode: 0o600 });
  }

  async read(id: string): Promise<ProcessRecord | undefined> {
    const text = await readFile(join(this.containerDir(id), 'container.json'), 'utf8').catch(() => undefined);
    if (!text) return undefined;
    try {
      return JSON.parse(text) as ProcessRecord;
    } catch {
      return undefined;
    }
  }

  async all(): Promise<ProcessRecord[]> {
    const ids = await readdir(this.dir).catch(() => [] as string[]);
    const records = await Promise.all(ids.filter((id) => /^[0-9a-f]{32}$/.test(id)).map((id) => this.read(id)));
    return records.filter((r): r is ProcessRecord => r !== undefined);
  }

  /** How a process that is gone ended: its exit code file (written by the launcher) and that file's time. */
  async ending(id: string): Promise<{ exitCode?: number; finishedAt?: number }> {
    const file = this.exitFile(id);
    const [text, info] = await Promise.all([readFile(file, 'utf8').catch(() => undefined), stat(file).catch(() => undefined)]);
    const code = text !== undefined && /^\d+\s*$/.test(text) ? Number(text) : undefined;
    return { ...(code !== undefined ? { exitCode: code } : {}), ...(info ? { finishedAt: info.mtimeMs } : {}) };
  }

  async remove(id: string): Promise<void> {
    // Retried (Node retries ENOTEMPTY and EBUSY): a writer that was ending as the removal began may add an entry once.
    await rm(this.containerDir(id), { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
  }
}
