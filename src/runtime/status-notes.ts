import { readFile } from 'node:fs/promises';
import { onHost } from '../util/rootfs.js';
import { writeFileAtomic } from '../util/atomic-write.js';

/**
 * What the reconciler knows that the engine cannot show: probe results per container ID, and why a
 * container that has no container yet is waiting (an image that cannot be pulled). Written by the
 * daemon, read by `kubeboot ps`; everything else `ps` shows comes from the engine's labels.
 */
export interface StatusNotes {
  node: string;
  pid: number;
  updated: string;
  /** By container ID. */
  containers: Record<string, { ready: boolean; started: boolean }>;
  /** By `<podUID>/<container>`. */
  waiting: Record<string, { reason: string; message: string; notBefore?: string }>;
}

/** Where a node's reconciler keeps its notes: the kubelet's own folder (`kubeboot reset` removes it). */
export function statusNotesPath(rootfs: string | undefined, node: string): string {
  return onHost(rootfs, `/var/lib/kubelet/kubeboot/status-${node}.json`);
}

export async function readStatusNotes(path: string): Promise<StatusNotes | undefined> {
  try {
    const value = JSON.parse(await readFile(path, 'utf8')) as StatusNotes;
    return typeof value === 'object' && value !== null && typeof value.containers === 'object' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The daemon's side: keeps the notes in memory and writes them (atomically, coalesced) when they change. */
export class StatusNotesWriter {
  private readonly notes: StatusNotes;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(readonly path: string, node: string, private readonly onError: (err: Error) => void) {
    this.notes = { node, pid: process.pid, updated: new Date().toISOString(), containers: {}, waiting: {} };
  }

  container(id: string): { ready: boolean; started: boolean } | undefined {
    return this.notes.containers[id];
  }

  setContainer(id: string, value: { ready: boolean; started: boolean } | undefined): void {
    const current = this.notes.containers[id];
    if (value === undefined ? current === undefined : current?.ready === value.ready && current?.started === value.started) return;
    if (value === undefined) delete this.notes.containers[id];
    else this.notes.containers[id] = value;
    this.changed();
  }

  setWaiting(key: string, value: { reason: string; message: string; notBefore?: number } | undefined): void {
    const current = this.notes.waiting[key];
    const next = value && { reason: value.reason, message: value.message, ...(value.notBefore ? { notBefore: new Date(value.notBefore).toISOString() } : {}) };
    if (JSON.stringify(current) === JSON.stringify(next)) return;
    if (next === undefined) delete this.notes.waiting[key];
    else this.notes.waiting[key] = next;
    this.changed();
  }

  /** Drops the notes of pods and containers that no longer exist. */
  retain(containerIds: Set<string>, podUids: Set<string>): void {
    for (const id of Object.keys(this.notes.containers)) if (!containerIds.has(id)) this.setContainer(id, undefined);
    for (const key of Object.keys(this.notes.waiting)) if (!podUids.has(key.split('/')[0]!)) this.setWaiting(key, undefined);
  }

  private changed(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.writing = this.writing.then(() => this.flush());
    }, 100);
  }

  async flush(): Promise<void> {
    this.notes.updated = new Date().toISOString();
    await writeFileAtomic(this.path, `${JSON.stringify(this.notes, null, 2)}\n`, { mode: 0o644, dirMode: 0o755 }).catch(this.onError);
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.writing;
    await this.flush();
  }
}
