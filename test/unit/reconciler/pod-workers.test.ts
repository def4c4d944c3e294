import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PodWorkers } from '../../../src/reconciler/pod-workers.js';

test('a listing made before a sync of the pod ended is not handed to it: the worker lists again', async () => {
  const seen: Array<string | undefined> = [];
  const workers = new PodWorkers<string>(async (_key, listed) => {
    seen.push(listed);
  }, () => undefined);
  const listedAt = Date.now();
  await new Promise((resolve) => setTimeout(resolve, 5));
  await workers.kick('a', 'fresh listing', Date.now());
  await workers.kick('a', 'stale listing', listedAt);
  await workers.kick('b', 'listing for b', listedAt);
  assert.deepEqual(seen, ['fresh listing', undefined, 'listing for b']);
});

test('a kick while the pod syncs runs it once more afterwards, never two syncs of one pod at once', async () => {
  let running = 0;
  let most = 0;
  let runs = 0;
  const workers = new PodWorkers<string>(async () => {
    running++;
    most = Math.max(most, running);
    runs++;
    await new Promise((resolve) => setTimeout(resolve, 20));
    running--;
  }, () => undefined);
  const first = workers.kick('a');
  void workers.kick('a');
  void workers.kick('a');
  await first;
  await workers.idle();
  assert.equal(most, 1);
  assert.equal(runs, 2, 'three kicks while busy fold into one more run');
});
