import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { StatusNotesWriter } from '../../../src/runtime/status-notes.js';
import { tempDir } from '../../support/temp.js';

test("a new status writer removes the temp files a killed writer left of its own file, nothing else", async () => {
  const dir = await tempDir({ '.status-n1.json.0a1b2c3d4e5f.tmp': '{', '.status-n2.json.0a1b2c3d4e5f.tmp': '{', 'status-n1.json': '{}\n' });
  await new StatusNotesWriter(join(dir, 'status-n1.json'), 'n1', () => undefined).removeLeftovers();
  assert.deepEqual((await readdir(dir)).sort(), ['.status-n2.json.0a1b2c3d4e5f.tmp', 'status-n1.json']);
});
