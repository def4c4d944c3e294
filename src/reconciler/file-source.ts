import { watch, type FSWatcher } from 'node:fs';
import { lstat, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Logger } from '../util/log.js';
import { readManifestFiles } from './manifest-files.js';
import { MAX_MANIFEST_BYTES, parseStaticPod, type StaticPod } from './static-pod.js';

/** Editor and package-manager leftovers: the kubelet runs them as pods; we skip them, saying so once. */
const LEFTOVER = [/\.sw[px]$/, /~$/, /^4913$/, /^\.#/, /\.bak$/, /\.tmp$/, /\.dpkg-[a-z]+$/, /^sed[A-Za-z0-9]{6}$/];

export function isEditorLeftover(name: string): boolean {
  return LEFTOVER.some((pattern) => pattern.test(name));
}

/**
 * How long the folder must be quiet before it is read again. Sized to what writers do (`npm run bench`,
 * its "file watch" rows, on this project's 2-core machine): cp, mv, install, tee, sed -i and kubectl-style
 * atomic renames leave at most 1 ms between two events of one write; vim's save in place (truncate,
 * write, fsync, write) up to 3.5 ms (p95). A burst cut short costs little: a file that does not parse and
 * was written less than SETTLE_MS ago is read again then, quietly, its pod kept as it was. (An editor
 * that renames the old file away before writing the new one, cut short in between, would restart the
 * pod; none of the writers measured does.) It was a fixed 50 ms: most of the time a deleted manifest
 * took to stop its pod.
 */
export const COALESCE_MS = 5;
/** A manifest written this recently that does not parse may be half-written: judged again after this long. */
export const SETTLE_MS = 100;

export interface FileSourceOptions {
  /** The folder (or single file) on this machine, i.e. under --rootfs. */
  path: string;
  /** The same path as the system sees it: the source recorded in the pod's identity. */
  systemPath: string;
  nodeName: string;
  /** The full relist period (the kubelet's fileCheckFrequency, 20 s by default). */
  relistMs: number;
  log: Logger;
  onChange: (pods: Map<string, StaticPod>) => void;
  /** A burst of changes began: onChange may follow once it is over (the reconciler lists the engine meanwhile). */
  onBurst?: () => void;
  /**
   * How long a just-written manifest that does not parse is taken for half-written and judged again
   * later (SETTLE_MS by default). Right for a watch, which will look again; a one-shot answer
   * (`manifest check`) passes 0 and judges what is on disk now — a quiet window there would report a
   * bad file as fine.
   */
  settleMs?: number;
}

/**
 * The kubelet's file source, with its sharp edges filed off: a watch plus a periodic relist; a
 * manifest edited into an invalid one keeps its last good version running (and the error is logged
 * on every relist); two files with one pod name: the first in sorted order wins, reported.
 */
export class FileSource {
  private watcher: FSWatcher | undefined;
  private watchedKey: string | undefined;
  private relistTimer: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private settleTimer: NodeJS.Timeout | undefined;
  private listing: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private readonly lastGood = new Map<string, StaticPod>();
  /** The text each last good pod was parsed from: an unchanged file is not parsed again (the relist's main cost at rest). */
  private readonly lastGoodText = new Map<string, string>();
  /** What onChange was last given: a relist that finds the same pods says nothing. */
  private lastEmitted: Map<string, StaticPod> | undefined;
  private readonly firstSeen = new Map<string, Date>();
  private readonly saidOnce = new Set<string>();

  constructor(private readonly options: FileSourceOptions) {}

  /**
   * The pods already running from this source (read back from the engine by a restarted reconciler):
   * the last good version of their files, so an invalid file does not stop a pod after a restart either.
   */
  seed(pods: StaticPod[]): void {
    for (const pod of pods) {
      if (!this.lastGood.has(pod.source)) this.lastGood.set(pod.source, pod);
      const seen = pod.pod.metadata?.annotations?.['kubernetes.io/config.seen'];
      if (seen) this.firstSeen.set(pod.uid, new Date(seen));
    }
  }

  start(): void {
    this.relistTimer = setInterval(() => this.trigger(), this.options.relistMs);
    this.ensureWatch();
    this.trigger();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.relistTimer);
    clearTimeout(this.debounce);
    clearTimeout(this.settleTimer);
    this.watcher?.close();
  }

  /**
   * The folder to watch (the path itself, or its parent in single-file mode or while the folder is
   * missing) as `path#inode`, so that a folder deleted and re-created between two relists counts as new.
   */
  private async watchTarget(): Promise<{ path: string; key: string } | undefined> {
    for (const candidate of [this.options.path, dirname(this.options.path)]) {
      const info = await stat(candidate).catch(() => undefined);
      if (info?.isDirectory()) return { path: candidate, key: `${candidate}#${info.ino}` };
    }
    return undefined;
  }

  /** fs.watch dies silently with its folder: after each relist the watch follows what is there now. */
  private ensureWatch(): void {
    if (this.stopped) return;
    void this.watchTarget().then((target) => {
      if (this.stopped || target?.key === this.watchedKey) return;
      this.dropWatch();
      if (!target) return;
      try {
        const watcher = watch(target.path, { persistent: false }, (_event, name) => {
          if (this.concerns(target.path, name)) this.schedule();
        });
        watcher.on('error', () => this.dropWatch());
        this.watcher = watcher;
        this.watchedKey = target.key;
      } catch {
        this.watcher = undefined;
      }
    });
  }

  private dropWatch(): void {
    this.watcher?.close();
    this.watcher = undefined;
    this.watchedKey = undefined;
  }

  /**
   * Whether an event for `name` in the watched folder can change the pods: not an editor's swap file
   * or backup (vim writes its .swp on opening a file), not a neighbour of a single manifest file.
   */
  private concerns(watched: string, name: string | null): boolean {
    if (name === null) return true;
    if (watched !== this.options.path) return name === basename(this.options.path);
    return !name.startsWith('.') && !isEditorLeftover(name);
  }

  /** A writer's burst of events becomes one relist, once the folder has been quiet for COALESCE_MS. */
  private schedule(): void {
    if (this.debounce === undefined) this.options.onBurst?.();
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      this.trigger();
    }, COALESCE_MS);
  }

  private readAgainLater(): void {
    if (this.settleTimer || this.stopped) return;
    this.settleTimer = setTimeout(() => {
      this.settleTimer = undefined;
      this.trigger();
    }, SETTLE_MS);
  }

  private trigger(): void {
    if (this.stopped) return;
    if (this.listing) {
      this.again = true;
      return;
    }
    this.listing = this.relist()
      .catch((err: Error) => this.options.log('error', 'listing manifests failed', { path: this.options.systemPath, error: err.message }))
      .finally(() => {
        this.listing = undefined;
        if (this.again) {
          this.again = false;
          this.trigger();
        }
      });
  }

  private once(key: string, log: () => void): void {
    if (this.saidOnce.has(key)) return;
    this.saidOnce.add(key);
    log();
  }

  private async relist(): Promise<void> {
    const pods = await this.list();
    this.ensureWatch();
    if (this.stopped || (this.lastEmitted && samePods(this.lastEmitted, pods))) return;
    this.lastEmitted = pods;
    this.options.onChange(pods);
  }

  /** Reads every manifest now; the desired pods by key. */
  async list(): Promise<Map<string, StaticPod>> {
    const { path, systemPath, log } = this.options;
    const info = await stat(path).catch(() => undefined);
    let files: Array<{ path: string; systemPath: string; name: string }> = [];
    if (!info) {
      this.once(`missing:${path}`, () => log('info', 'manifest path does not exist: no file pods', { path: systemPath }));
    } else if (info.isFile()) {
      this.saidOnce.delete(`missing:${path}`);
      files = [{ path, systemPath, name: basename(path) }];
    } else if (info.isDirectory()) {
      this.saidOnce.delete(`missing:${path}`);
      const names = (await readdir(path)).sort();
      for (const name of names) {
        if (name.startsWith('.')) continue;
        if (isEditorLeftover(name)) {
          this.once(`leftover:${name}`, () => log('info', 'ignored: an editor or package-manager leftover, not a manifest', { file: join(systemPath, name) }));
          continue;
        }
        files.push({ path: join(path, name), systemPath: join(systemPath, name), name });
      }
    }

    const pods = new Map<string, StaticPod>();
    const owner = new Map<string, string>();
    const present = new Set<string>();
    const reads = readManifestFiles(files.map((file) => file.path));
    for (const [i, file] of files.entries()) {
      const { fileInfo, text, readError, statError } = await reads[i]!;
      if (statError && statError.code !== 'ENOENT') {
        // A symlink loop (ELOOP), a name too long, no permission: named, never silent, never fatal to the folder.
        present.add(file.systemPath);
        this.once(`stat:${file.systemPath}:${statError.code}`, () => log('error', 'cannot be read: not started', { file: file.systemPath, problem: statError!.code === 'ELOOP' ? 'a symbolic link loop' : `cannot be read (${statError!.code})` }));
        continue;
      }
      if (!fileInfo && statError) {
        // Listed but not there: a symlink to nothing (or a file removed this instant, which the next relist settles).
        const dangling = await lstat(file.path).then((info) => info.isSymbolicLink(), () => false);
        if (dangling) this.once(`dangling:${file.systemPath}`, () => log('warn', 'a symbolic link to nothing, ignored', { file: file.systemPath }));
        continue;
      }
      if (!fileInfo || readError?.code === 'ENOENT') continue;
      present.add(file.systemPath);
      if (fileInfo.isDirectory()) {
        this.once(`dir:${file.systemPath}`, () => log('info', 'not entering a sub-folder of the manifest folder', { path: file.systemPath }));
        continue;
      }
      if (!fileInfo.isFile()) {
        this.once(`special:${file.systemPath}`, () => log('warn', 'not a regular file, ignored', { file: file.systemPath }));
        continue;
      }
      const pod = this.readManifest(file.systemPath, text, fileInfo.size, fileInfo.mtimeMs, readError);
      if (!pod) continue;
      const first = owner.get(pod.key);
      if (first) {
        log('error', 'two manifests define the same pod: the first in sorted order runs', { pod: pod.key, running: first, ignored: file.systemPath });
        continue;
      }
      owner.set(pod.key, file.systemPath);
      pods.set(pod.key, pod);
    }
    for (const file of [...this.lastGood.keys()]) {
      if (present.has(file)) continue;
      this.lastGood.delete(file);
      this.lastGoodText.delete(file);
    }
    return pods;
  }

  /** The pod of a manifest file read as `text` (undefined: it could not be read). */
  private readManifest(systemPath: string, text: string | undefined, size: number, mtimeMs: number, readError?: Error): StaticPod | undefined {
    const { log, nodeName } = this.options;
    const previous = this.lastGood.get(systemPath);
    const fail = (problems: string[]) => {
      const age = Date.now() - mtimeMs;
      if (age >= 0 && age < (this.options.settleMs ?? SETTLE_MS)) {
        // Written a moment ago: maybe still being written. Read again once it has settled; say nothing yet.
        this.readAgainLater();
        return previous;
      }
      if (previous) {
        log('error', 'invalid manifest: the pod keeps running its last good version', { file: systemPath, pod: previous.key, problem: problems.join('; ') });
        return previous;
      }
      log('error', 'invalid manifest: not started', { file: systemPath, problem: problems.join('; ') });
      return undefined;
    };
    if (size > MAX_MANIFEST_BYTES) return fail([`the file is ${size} bytes, more than the ${MAX_MANIFEST_BYTES} a manifest may have`]);
    // A file that cannot be read (permissions, I/O) is a finding, not silence: a check would call it fine.
    if (readError) return fail([`cannot be read: ${readError.message}`]);
    if (text === undefined) return previous;
    if (previous && this.lastGoodText.get(systemPath) === text) return previous;
    let result: ReturnType<typeof parseStaticPod>;
    try {
      result = parseStaticPod(text, { source: systemPath, nodeName });
    } catch (err) {
      // A parser bug must cost this one file, never the folder's other pods.
      return fail([`cannot be read as a Pod (${(err as Error).message})`]);
    }
    if (!result.ok) return fail(result.problems);
    const seen = this.firstSeen.get(result.pod.uid) ?? new Date();
    this.firstSeen.set(result.pod.uid, seen);
    result.pod.pod.metadata!.annotations!['kubernetes.io/config.seen'] = seen.toISOString();
    this.lastGood.set(systemPath, result.pod);
    this.lastGoodText.set(systemPath, text);
    return result.pod;
  }
}

/** The same pods, as the same parsed objects (an unchanged file gives back its last object). */
function samePods(a: Map<string, StaticPod>, b: Map<string, StaticPod>): boolean {
  return a.size === b.size && [...a].every(([key, pod]) => b.get(key) === pod);
}
