import assert from 'node:assert/strict';
import { test } from 'node:test';
import { soak } from '../support/soak.js';

// The short soak of CI (`npm run soak` runs the long one): faults while manifests change, then what a
// user relies on. The figures are printed for the record.
test('soak: after kills, an engine restart, a deleted folder and a full file system, the pods equal the manifests', async () => {
  const report = await soak({ kills: 5, changes: 15, seed: 4242 });
  process.stdout.write(`# soak: ${JSON.stringify(report)}\n`);
  assert.equal(report.converged, true, `the pods never matched the manifests: ${report.convergeError ?? ''}`);
  assert.deepEqual(report.staleVersions, [], 'pods running an older version of their manifest');
  assert.deepEqual(report.lostPods, [], 'lost pods');
  assert.deepEqual(report.extraPods, [], 'pods without a manifest');
  assert.deepEqual(report.duplicates, [], 'two running containers for one name');
  assert.deepEqual(report.needlessRestarts, [], 'pods restarted although their manifest did not change');
  assert.deepEqual(report.tempFiles, [], 'temp files left');
  assert.equal(report.kills, 5);
});
