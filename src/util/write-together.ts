import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { writeFileAtomic, type AtomicWriteOptions } from './atomic-write.js';
import { readIfExists } from './files.js';

export interface FileToWrite extends AtomicWriteOptions {
  /** The real path (already under the root). */
  path: string;
  content: string;
}

/**
 * Writes files that belong together (a certificate and its key) all or none: every new file is first
 * written in full beside its target, then each is renamed into place; when a rename fails, the files
 * already replaced get their old content back. A failure thus never leaves a new certificate beside
 * an old key. `io` is the seam a test uses to make a rename fail part-way.
 */
export async function writeTogether(files: readonly FileToWrite[], io: { rename: (from: string, to: string) => Promise<void> } = { rename }): Promise<void> {
  const staged: Array<{ file: FileToWrite; temp: string; before: string | undefined }> = [];
  // Staged side by side (each file's steps in order): one after another, the fsyncs of init's 22
  // certificate and key files were about a third of the certs phase's time.
  const results = await Promise.allSettled(
    files.map(async (file) => {
      const folder = dirname(file.path);
      await mkdir(folder, { recursive: true, mode: file.dirMode ?? 0o755 });
      const temp = join(folder, `.${basename(file.path)}.${randomBytes(6).toString('hex')}.tmp`);
      const before = await readIfExists(file.path);
      staged.push({ file, temp, before });
      const handle = await open(temp, 'wx', file.mode);
      try {
        await handle.writeFile(file.content);
        await handle.chmod(file.mode);
        await handle.sync();
      } finally {
        await handle.close();
      }
    }),
  );
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await Promise.all(staged.map((s) => rm(s.temp, { force: true })));
    throw failed.reason;
  }
  // Renamed in the order given (staging finished in any order).
  staged.sort((a, b) => files.indexOf(a.file) - files.indexOf(b.file));
  const done: typeof staged = [];
  for (const entry of staged) {
    try {
      await io.rename(entry.temp, entry.file.path);
      done.push(entry);
    } catch (err) {
      await Promise.all(staged.map((s) => rm(s.temp, { force: true })));
      for (const replaced of done.reverse()) {
        if (replaced.before === undefined) await rm(replaced.file.path, { force: true }).catch(() => undefined);
        else await writeFileAtomic(replaced.file.path, replaced.before, replaced.file).catch(() => undefined);
      }
      throw err;
    }
  }
}
