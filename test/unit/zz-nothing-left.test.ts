import assert from 'node:assert/strict';
import { test } from 'node:test';
import { execa } from 'execa';

// Runs last (sorted by name, after every e2e file): no test may leave a reconciler, a launcher or a
// container behind — a test that cleans up only through `kubeboot reset` and whose reset failed would.
// scripts/test-sweep.sh --list names what lies under a test's temp folder or carries the tests' label.
test('the suite left no reconciler, launcher or container of its own running', async (t) => {
  if (process.env.KUBEBOOT_HOST_PATHS_BEFORE === undefined) return t.skip('run through npm test, which sweeps before and after the run');
  const sweep = new URL('../../scripts/test-sweep.sh', import.meta.url).pathname;
  const result = await execa(sweep, ['--list'], { reject: false });
  assert.equal(result.exitCode, 0, `left behind by the tests:\n${result.stderr}`);
});
