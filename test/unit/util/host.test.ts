import assert from 'node:assert/strict';
import { mkdir, readFile, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { Host } from '../../../src/util/host.js';
import { UsageError } from '../../../src/util/errors.js';
import { tempDir } from '../../support/temp.js';

test('a system path stays under the root, whatever ".." it holds', async () => {
  const root = await tempDir();
  const host = await Host.open(root);
  assert.equal(host.path('/etc/kubernetes/../../../../x'), join(root, 'x'));
  assert.equal(host.path('/etc/kubernetes/pki'), join(root, 'etc/kubernetes/pki'));
  await host.write('/etc/../../../../escape.txt', 'here\n', { mode: 0o600 });
  assert.equal(await readFile(join(root, 'escape.txt'), 'utf8'), 'here\n');
  assert.throws(() => host.path('relative/path'), /expected an absolute system path/);
});

test('a symlink that leads out of the root is refused before anything is written', async () => {
  const root = await tempDir();
  const outside = await tempDir();
  await mkdir(join(root, 'etc'));
  await symlink(outside, join(root, 'etc/kubernetes'));
  const host = await Host.open(root);
  await assert.rejects(host.write('/etc/kubernetes/admin.conf', 'x', { mode: 0o600 }), /a symlink leads it out of the rootfs/);
  await assert.rejects(host.remove('/etc/kubernetes/admin.conf'), /a symlink leads it out of the rootfs/);
});

test('--rootfs must be an existing folder, never empty; "/" is the machine itself', async () => {
  await assert.rejects(Host.open(''), (err: Error) => err instanceof UsageError && /got an empty value/.test(err.message));
  await assert.rejects(Host.open('/nonexistent/kubeboot-root'), /no such folder/);
  assert.equal((await Host.open('/')).rootfs, undefined);
  assert.equal((await Host.open(undefined)).path('/etc/kubernetes'), '/etc/kubernetes');
});

test('a scratch host (a dry run’s folder) may be made before its folder exists, and records what it wrote', async () => {
  const parent = await tempDir();
  const host = Host.scratch(join(parent, 'not-yet'));
  await host.write('/etc/kubernetes/manifests/etcd.yaml', 'a: 1\n', { mode: 0o600 });
  assert.deepEqual(host.written, [{ path: '/etc/kubernetes/manifests/etcd.yaml', content: 'a: 1\n' }]);
});
