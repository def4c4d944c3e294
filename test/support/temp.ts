import { mkdtempSync } from 'node:fs';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after } from 'node:test';

const created: string[] = [];
// Registered when the test file imports this module, so it runs once at the end of the file, even
// for folders made inside hooks (an after() called there would run right after that hook). Outside the
// test runner (the soak's own command) there is no test to hook, and the caller cleans up.
if (process.env.NODE_TEST_CONTEXT) after(() => Promise.all(created.map((dir) => rm(dir, { recursive: true, force: true }))));

/** A temp folder removed when the test file ends, filled from a {relative path: content} map. */
export async function tempDir(files: Record<string, string | Uint8Array> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kubeboot-test-'));
  created.push(dir);
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  return dir;
}

export function fixture(...parts: string[]): string {
  return new URL(`../fixtures/${parts.join('/')}`, import.meta.url).pathname;
}

/** An empty temp folder made at once (for constructors), removed when the test file ends. */
export function tempDirSync(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kubeboot-test-'));
  created.push(dir);
  return dir;
}
