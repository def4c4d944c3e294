import type { Stats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { Slots } from './pod-workers.js';
import { MAX_MANIFEST_BYTES } from './static-pod.js';

export interface ManifestRead {
  fileInfo: Stats | undefined;
  /** The text of a regular file of a manifest's size; undefined otherwise, or when reading failed. */
  text: string | undefined;
  statError: NodeJS.ErrnoException | undefined;
  readError: NodeJS.ErrnoException | undefined;
}

/**
 * The files of a manifest folder, read 16 at a time (a folder of 50 took 50 stat-and-read round trips to
 * the thread pool one after another before the first pod could start; a large folder read all at once
 * could run out of file descriptors). One promise a file, in the order given: the caller takes them in
 * sorted order, so that the first of two manifests of one pod runs. Errors are kept, never thrown.
 */
export function readManifestFiles(paths: readonly string[]): Array<Promise<ManifestRead>> {
  const reading = new Slots(16);
  return paths.map((path) =>
    reading.run(async () => {
      let statError: NodeJS.ErrnoException | undefined;
      let readError: NodeJS.ErrnoException | undefined;
      const fileInfo = await stat(path).catch((err: NodeJS.ErrnoException) => {
        statError = err;
        return undefined;
      });
      let text: string | undefined;
      if (fileInfo?.isFile() && fileInfo.size <= MAX_MANIFEST_BYTES) {
        text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
          readError = err;
          return undefined;
        });
      }
      return { fileInfo, text, statError, readError };
    }),
  );
}
