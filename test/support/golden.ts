import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';

/** Every file below `dir`, as {relative path: content}. */
export async function readTree(dir: string): Promise<Record<string, string>> {
  const tree: Record<string, string> = {};
  const walk = async (folder: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) await walk(path);
      else tree[relative(dir, path)] = await readFile(path, 'utf8');
    }
  };
  await walk(dir);
  return tree;
}

/** A line diff that shows where two texts part: enough to read a golden mismatch at a glance. */
function lineDiff(expected: string, actual: string): string {
  const a = expected.split('\n');
  const b = actual.split('\n');
  const out: string[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] === b[i]) continue;
    if (a[i] !== undefined) out.push(`${String(i + 1).padStart(4)} - ${a[i]}`);
    if (b[i] !== undefined) out.push(`${String(i + 1).padStart(4)} + ${b[i]}`);
    if (out.length > 40) break;
  }
  return out.join('\n');
}

/**
 * Compares a rendered tree with the checked-in expected tree. With UPDATE_GOLDEN=1 the expected tree
 * is rewritten from the actual one instead (review the git diff before committing it).
 */
export async function assertMatchesGolden(actual: Record<string, string>, expectedDir: string): Promise<void> {
  if (process.env.UPDATE_GOLDEN === '1') {
    await rm(expectedDir, { recursive: true, force: true });
    for (const [path, content] of Object.entries(actual)) {
      await mkdir(dirname(join(expectedDir, path)), { recursive: true });
      await writeFile(join(expectedDir, path), content);
    }
    return;
  }
  const expected = await readTree(expectedDir);
  assert.ok(Object.keys(expected).length > 0, `no golden files in ${expectedDir}: run with UPDATE_GOLDEN=1 to create them`);
  const problems: string[] = [];
  for (const path of new Set([...Object.keys(expected), ...Object.keys(actual)])) {
    if (!(path in actual)) problems.push(`missing: ${path}`);
    else if (!(path in expected)) problems.push(`unexpected: ${path}`);
    else if (expected[path] !== actual[path]) problems.push(`differs: ${path}\n${lineDiff(expected[path]!, actual[path]!)}`);
  }
  assert.ok(problems.length === 0, `rendered files differ from ${expectedDir} (UPDATE_GOLDEN=1 rewrites them):\n${problems.join('\n')}`);
}
