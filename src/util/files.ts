import { readFile } from 'node:fs/promises';

/** A file's text, or undefined when it does not exist (other errors are thrown). */
export async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    // Reading a folder fails without a path in the error: add it, so that the caller can name it.
    (err as NodeJS.ErrnoException).path ??= path;
    throw err;
  }
}
