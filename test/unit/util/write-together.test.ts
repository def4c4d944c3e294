import assert from 'node:assert/strict';
import { readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../support/temp.js';
import { writeTogether } from '../../../src/util/write-together.js';

// Issue 29 §9: the rollback (files already renamed into place get their old content back when a later
// rename fails) was never exercised. A rename that fails on the third file, after two were replaced.
test('writeTogether: a rename that fails part-way puts back what was replaced, removes what was new, leaves no temp file', async () => {
  const dir = await tempDir();
  await writeFile(join(dir, 'a.crt'), 'old certificate\n', { mode: 0o644 });
  await writeFile(join(dir, 'c.conf'), 'old kubeconfig\n', { mode: 0o600 });
  let renames = 0;
  const failingThird = {
    rename: async (from: string, to: string) => {
      renames++;
      if (renames === 3) throw Object.assign(new Error(`EIO: i/o error, rename '${from}' -> '${to}'`), { code: 'EIO' });
      await rename(from, to);
    },
  };
  await assert.rejects(
    writeTogether(
      [
        { path: join(dir, 'a.crt'), content: 'new certificate\n', mode: 0o644 },
        { path: join(dir, 'b.key'), content: 'new key\n', mode: 0o600 },
        { path: join(dir, 'c.conf'), content: 'new kubeconfig\n', mode: 0o600 },
      ],
      failingThird,
    ),
    /EIO/,
  );
  assert.equal(renames, 3);
  assert.equal(await readFile(join(dir, 'a.crt'), 'utf8'), 'old certificate\n', 'the replaced file has its old content back');
  assert.equal((await stat(join(dir, 'a.crt'))).mode & 0o777, 0o644);
  assert.equal(await stat(join(dir, 'b.key')).catch(() => undefined), undefined, 'the file that was new is gone again');
  assert.equal(await readFile(join(dir, 'c.conf'), 'utf8'), 'old kubeconfig\n', 'the file whose rename failed is untouched');
  assert.deepEqual((await readdir(dir)).sort(), ['a.crt', 'c.conf'], 'no temp file is left');
});
