import { readdir, readFile, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
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
  /** The desired pods by UID, so that a pod with no container yet (its image cannot be pulled) is listed too. */
  pods?: Record<string, { source: string; pod: Pod }>;
}

/** Where a node's reconciler keeps its notes: in its root dir (the kubelet's /var/lib/kubelet). */
export function statusNotesPath(rootDir: string, node: string): string {
  return join(rootDir, 'kubeboot', `status-${node}.json`);
}

/** Every status file in a root dir (one per node that ran there). */
export async function statusNotesIn(rootDir: string): Promise<string[]> {
  const names = await readdir(join(rootDir, 'kubeboot')).catch(() => [] as string[]);
  return names.filter((n) => /^status-.+\.json$/.test(n)).map((n) => join(rootDir, 'kubeboot', n));
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

  /**
   * Removes the temp files of this status file that a writer killed mid-write left (writeFileAtomic's
   * `.<name>.<random>.tmp`): one reconciler runs per node, so at its start they can only be such leftovers.
   */
  async removeLeftovers(): Promise<void> {
    const folder = dirname(this.path);
    const prefix = `.${basename(this.path)}.`;
    const names = await readdir(folder).catch(() => [] as string[]);
    await Promise.all(names.filter((name) => name.startsWith(prefix) && name.endsWith('.tmp')).map((name) => rm(join(folder, name), { force: true })));
  }

  snapshot(): StatusNotes {
    return structuredClone(this.notes);
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

  /** The desired pods, as the source last said. */
  setPods(pods: Iterable<{ uid: string; source: string; pod: Pod }>): void {
    const next = Object.fromEntries([...pods].map((p) => [p.uid, { source: p.source, pod: p.pod }]));
    const same = JSON.stringify(Object.keys(next).sort()) === JSON.stringify(Object.keys(this.notes.pods ?? {}).sort());
    this.notes.pods = next;
    if (!same) this.changed();
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
    await writeFileAtomic(this.path, `${JSON.stringify(this.notes, null, 2)}\n`, { mode: 0o600, dirMode: 0o700 }).catch(this.onError);
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.writing;
    await this.flush();
  }
}
