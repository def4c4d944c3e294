import assert from 'node:assert/strict';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeFileAtomic } from '../../../src/util/atomic-write.js';
import { tempDir } from '../../support/temp.js';

test('writes the content with the mode asked, creating folders, leaving no temp file', async () => {
  const dir = await tempDir();
  const target = join(dir, 'pki', 'etcd', 'ca.key');
  await writeFileAtomic(target, 'secret', { mode: 0o600, dirMode: 0o700 });
  assert.equal(await readFile(target, 'utf8'), 'secret');
  assert.equal((await stat(target)).mode & 0o777, 0o600);
  assert.equal((await stat(join(dir, 'pki'))).mode & 0o777, 0o700);
  assert.deepEqual(await readdir(join(dir, 'pki', 'etcd')), ['ca.key']);
});

test('replaces an existing file and sets the new mode', async () => {
  const dir = await tempDir({ 'a.yaml': 'old' });
  await writeFileAtomic(join(dir, 'a.yaml'), 'new', { mode: 0o644 });
  assert.equal(await readFile(join(dir, 'a.yaml'), 'utf8'), 'new');
  assert.equal((await stat(join(dir, 'a.yaml'))).mode & 0o777, 0o644);
});

test('a failed write leaves the old file and no temp file', async () => {
  const dir = await tempDir({ 'a.yaml': 'old' });
  // A folder in the way of the target makes rename fail.
  await writeFileAtomic(join(dir, 'sub', 'x'), 'x', { mode: 0o644 });
  await assert.rejects(writeFileAtomic(join(dir, 'sub'), 'y', { mode: 0o644 }));
  assert.deepEqual((await readdir(dir)).sort(), ['a.yaml', 'sub']);
  assert.deepEqual(await readdir(join(dir, 'sub')), ['x']);
});
