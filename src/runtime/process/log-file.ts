import { open, readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LogOptions, LogOutput } from '../runtime.js';

/** How often a followed log is looked at for more. */
const FOLLOW_POLL_MS = 250;

/** The last `tail` lines of a text (all of it for a negative or absent tail). */
export function lastLines(text: string, tail: number | undefined): string {
  if (tail === undefined || tail < 0) return text;
  if (tail === 0) return '';
  const lines = text.split('\n');
  const complete = text.endsWith('\n');
  if (complete) lines.pop();
  return `${lines.slice(-tail).join('\n')}${complete ? '\n' : ''}`;
}

/**
 * Writes a process's log file (its stdout and stderr, in the order written, as one stream) to `out.stdout`;
 * with `follow`, goes on writing what is appended until `running()` says the process is gone.
 */
export async function writeLogFile(file: string, options: LogOptions, out: LogOutput, running: () => Promise<boolean>): Promise<void> {
  const text = await readFile(file).catch(() => Buffer.alloc(0));
  out.stdout.write(lastLines(text.toString(), options.tail));
  if (!options.follow) return;
  let offset = text.length;
  for (;;) {
    const alive = await running();
    const handle = await open(file, 'r').catch(() => undefined);
    if (handle) {
      try {
        const { size } = await handle.stat();
        if (size > offset) {
          const chunk = Buffer.alloc(size - offset);
          await handle.read(chunk, 0, chunk.length, offset);
          out.stdout.write(chunk);
          offset = size;
        }
      } finally {
        await handle.close();
      }
    }
    if (!alive) return;
    await sleep(FOLLOW_POLL_MS);
  }
}
