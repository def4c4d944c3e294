import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface AtomicWriteOptions {
  /** File mode, e.g. 0o600 for keys and kubeconfigs, 0o644 for certificates. */
  mode: number;
  /** Mode for directories created on the way (existing ones are left as they are). */
  dirMode?: number;
}

/**
 * Writes a file so that readers see the old content or the new, never a part: a dot-named temp
 * file in the same folder (watchers of static pod folders ignore dotfiles), fsync, rename.
 */
export async function writeFileAtomic(path: string, content: string | Uint8Array, options: AtomicWriteOptions): Promise<void> {
  const folder = dirname(path);
  await mkdir(folder, { recursive: true, mode: options.dirMode ?? 0o755 });
  const temp = join(folder, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', options.mode);
  try {
    await handle.writeFile(content);
    await handle.chmod(options.mode); // the umask may have narrowed the mode given to open()
    await handle.sync();
  } catch (err) {
    await handle.close();
    await rm(temp, { force: true });
    throw err;
  }
  await handle.close();
  try {
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  const dir = await open(folder, 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
