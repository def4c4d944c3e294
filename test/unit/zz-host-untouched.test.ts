import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';

// Runs last (sorted by name): no test may write the real system paths — everything goes under --rootfs
// or a test --root-dir. scripts/test.sh records which of these existed before the run.
const PATHS = ['/etc/kubernetes', '/var/lib/kubelet', '/var/lib/etcd', '/var/run/kubeboot', '/var/log/kubeboot', '/etc/systemd/system/kubeboot-kubelet.service'];

test('the suite left the real /etc/kubernetes, /var/lib/kubelet and friends as they were', (t) => {
  const before = process.env.KUBEBOOT_HOST_PATHS_BEFORE;
  if (before === undefined) return t.skip('run through npm test, which records the paths before the run');
  const existed = new Set(before.split(',').filter(Boolean));
  assert.deepEqual(PATHS.filter((p) => existsSync(p) && !existed.has(p)), [], 'created by the test run');
});
