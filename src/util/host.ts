import { lstat, mkdir, readdir, realpath, rm, rmdir, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, posix, resolve, sep } from 'node:path';
import { writeFileAtomic, type AtomicWriteOptions } from './atomic-write.js';
import { KubebootError, UsageError } from './errors.js';
import { readIfExists } from './files.js';
import { writeTogether } from './write-together.js';

/** File system errors a user can cause and mend, in words (anything else stays an internal error). */
const FS_MEANINGS: Record<string, string> = {
  EISDIR: 'is a folder, expected a file',
  ENOTDIR: 'a part of this path is a file, expected a folder',
  EEXIST: 'something else is already there',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'the name is too long',
};

/**
 * The machine's file system as kubeboot sees it: the real one, or everything under `--rootfs DIR`
 * (kubeadm's flag), or a dry run's throw-away folder. Every file a phase or the reconciler touches
 * goes through one: a system path is normalised before it is put under the root, so `..` can never
 * climb out of it, and what is written or removed is checked for symlinks that lead out.
 */
export class Host {
  private constructor(
    /** The real folder system paths are put under; undefined for the machine itself. */
    readonly rootfs: string | undefined,
    /** The files written through it, in order, as system paths (a dry run prints them). */
    readonly written: Array<{ path: string; content: string }> = [],
  ) {}

  /** The machine itself. */
  static system(): Host {
    return new Host(undefined);
  }

  /**
   * The host for `--rootfs DIR` (or the machine without one). DIR must be an existing folder: an empty
   * value would mean the real root, and a typo would otherwise create a tree somewhere unexpected.
   */
  static async open(rootfs: string | undefined, flag = '--rootfs'): Promise<Host> {
    if (rootfs === undefined) return Host.system();
    if (rootfs.trim() === '') throw new UsageError(`${flag}: got an empty value, expected an existing folder (leave ${flag} out to work on this machine)`);
    const info = await stat(rootfs).catch(() => undefined);
    if (!info) throw new UsageError(`${flag} ${rootfs}: no such folder`, { hint: `Create it first (mkdir -p ${rootfs}), or check the path.` });
    if (!info.isDirectory()) throw new UsageError(`${flag} ${rootfs}: not a folder`);
    const real = await realpath(rootfs);
    return real === '/' ? Host.system() : new Host(real);
  }

  /** A host over a folder kubeboot made itself (a dry run's), which records what is written. */
  static scratch(folder: string): Host {
    return new Host(resolve(folder), []);
  }

  /** Where a system path is on this machine. `..` is resolved first, so it never leaves the root. */
  path(systemPath: string): string {
    if (!systemPath || !isAbsolute(systemPath)) throw new KubebootError(`internal: expected an absolute system path, got ${JSON.stringify(systemPath)}`);
    const normal = posix.normalize(systemPath);
    return this.rootfs ? join(this.rootfs, normal) : normal;
  }

  /** The path, once it is sure that no symlink on the way leads out of the root. */
  async checked(systemPath: string): Promise<string> {
    const target = this.path(systemPath);
    if (!this.rootfs) return target;
    let existing = dirname(target);
    for (;;) {
      const real = await realpath(existing).catch(() => undefined);
      if (real !== undefined) {
        // An ancestor of a root not made yet is fine: there is nothing below it to lead anywhere.
        const insideOrAbove = real === this.rootfs || real.startsWith(this.rootfs + sep) || this.rootfs.startsWith(real === '/' ? '/' : real + sep);
        if (!insideOrAbove) {
          throw new KubebootError(`${target}: a symlink leads it out of the rootfs ${this.rootfs}; kubeboot will not write or remove there`);
        }
        return target;
      }
      existing = dirname(existing);
    }
  }

  read(systemPath: string): Promise<string | undefined> {
    return readIfExists(this.path(systemPath)).catch((err: unknown) => this.plain(err, systemPath));
  }

  /**
   * A file system error on a path the user controls (a certificate path that is a folder, a
   * certificatesDir that is a file) as a plain error naming the system path, not an internal one.
   */
  plain(err: unknown, systemPathTried?: string): never {
    const code = (err as NodeJS.ErrnoException).code;
    const meaning = code ? FS_MEANINGS[code] : undefined;
    // Node leaves the path out of some errors (reading a folder): then it is the one that was tried.
    const where = (err as NodeJS.ErrnoException).path ?? (systemPathTried ? this.path(systemPathTried) : undefined);
    if (!meaning || !where) throw err;
    const systemPath = this.rootfs && where.startsWith(this.rootfs + sep) ? where.slice(this.rootfs.length) : where;
    throw new KubebootError(`${systemPath}: ${meaning}`, { hint: 'Move what is there out of the way (kubeboot never removes what it did not make), then run again.', cause: err });
  }

  async exists(systemPath: string): Promise<boolean> {
    return lstat(this.path(systemPath)).then(() => true, () => false);
  }

  async list(systemPath: string): Promise<string[]> {
    return readdir(this.path(systemPath)).catch(() => [] as string[]);
  }

  /** Writes atomically (a dot-named temp file, fsync, rename) with the mode given. */
  async write(systemPath: string, content: string, options: AtomicWriteOptions): Promise<void> {
    await writeFileAtomic(await this.checked(systemPath), content, options).catch((err: unknown) => this.plain(err));
    this.written.push({ path: posix.normalize(systemPath), content });
  }

  /** Writes files that belong together all or none (see write-together.ts). */
  async writeTogether(files: ReadonlyArray<{ path: string; content: string } & AtomicWriteOptions>): Promise<void> {
    // One check per folder (what checked() looks at): a certificate set is 22 files in one folder, and
    // each check walks up with realpath calls that fail until a folder exists (~7 ms of a 90 ms certs phase).
    const folders = new Map<string, Promise<string>>();
    const real = await Promise.all(
      files.map(async (file) => {
        const folder = posix.dirname(posix.normalize(file.path));
        if (!folders.has(folder)) folders.set(folder, this.checked(file.path));
        await folders.get(folder);
        return { ...file, path: this.path(file.path) };
      }),
    );
    await writeTogether(real).catch((err: unknown) => this.plain(err));
    for (const file of files) this.written.push({ path: posix.normalize(file.path), content: file.content });
  }

  async mkdir(systemPath: string, mode: number): Promise<void> {
    await mkdir(await this.checked(systemPath), { recursive: true, mode }).catch((err: unknown) => this.plain(err));
  }

  /** Removes a file (or a folder with what is in it); nothing there is no error. */
  async remove(systemPath: string): Promise<void> {
    await rm(await this.checked(systemPath), { recursive: true, force: true });
  }

  /** Removes a folder only when it is empty. */
  async removeIfEmpty(systemPath: string): Promise<void> {
    await rmdir(await this.checked(systemPath)).catch(() => undefined);
  }
}
