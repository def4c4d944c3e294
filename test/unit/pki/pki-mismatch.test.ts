import assert from 'node:assert/strict';
import { copyFile, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { kubeboot } from '../../support/cli.js';
import { tempDir } from '../../support/temp.js';

// Issue 29 §6: `certs renew` rewrote files when a leaf key did not match its certificate or a leaf had
// been replaced by another certificate, and renewing one certificate went ahead beside a broken
// etcd/ca.crt or an unreadable kubeconfig. Now: refused with the pair named, nothing written, and
// check-expiration shows the same.
async function node(): Promise<{ root: string; pki: string; snapshot: () => Promise<Map<string, number>> }> {
  const root = await tempDir();
  for (const phase of ['certs', 'kubeconfig']) {
    const result = await kubeboot(['init', 'phase', phase, '--rootfs', root, '--node-name', 'n1', '--apiserver-advertise-address', '10.0.0.1']);
    assert.equal(result.exitCode, 0, result.stderr);
  }
  const pki = join(root, 'etc/kubernetes/pki');
  const snapshot = async () => {
    const times = new Map<string, number>();
    for (const dir of [pki, join(pki, 'etcd'), join(root, 'etc/kubernetes')]) {
      for (const name of await readdir(dir)) times.set(join(dir, name), (await stat(join(dir, name))).mtimeMs);
    }
    return times;
  };
  return { root, pki, snapshot };
}

test('certs renew refuses pairs that do not belong together, naming each, and writes nothing', async () => {
  const { root, pki, snapshot } = await node();
  // A pair of the right CA (ca) with another subject.
  await copyFile(join(pki, 'apiserver-kubelet-client.crt'), join(pki, 'apiserver.crt'));
  await copyFile(join(pki, 'apiserver-kubelet-client.key'), join(pki, 'apiserver.key'));
  // A leaf key that is not its certificate's.
  await copyFile(join(pki, 'front-proxy-client.key'), join(pki, 'apiserver-kubelet-client.key'));
  // A whole pair from another CA (front-proxy-ca) in place of an etcd-ca-signed leaf.
  await copyFile(join(pki, 'front-proxy-client.crt'), join(pki, 'apiserver-etcd-client.crt'));
  await copyFile(join(pki, 'front-proxy-client.key'), join(pki, 'apiserver-etcd-client.key'));
  const before = await snapshot();

  for (const names of [['all'], ['admin.conf']]) {
    const result = await kubeboot(['certs', 'renew', ...names, '--rootfs', root]);
    assert.equal(result.exitCode, 1, result.stderr);
    assert.match(result.stderr, /apiserver-kubelet-client\.crt: \/etc\/kubernetes\/pki\/apiserver-kubelet-client\.key does not belong to \/etc\/kubernetes\/pki\/apiserver-kubelet-client\.crt/);
    assert.match(result.stderr, /\/etc\/kubernetes\/pki\/apiserver-etcd-client\.crt: was not issued by the CA \/etc\/kubernetes\/pki\/etcd\/ca\.crt \(its issuer: CN=front-proxy-ca\)/);
    assert.match(result.stderr, /\/etc\/kubernetes\/pki\/apiserver\.crt: holds the certificate of CN=kube-apiserver-kubelet-client, expected CN=kube-apiserver/);
    assert.match(result.stderr, /nothing was renewed/);
  }
  assert.deepEqual(await snapshot(), before, 'no file was rewritten');

  const check = await kubeboot(['certs', 'check-expiration', '--rootfs', root, '-o', 'json']);
  assert.equal(check.exitCode, 1);
  const report = JSON.parse(check.stdout) as { certificates: Array<{ name: string; problem?: string }> };
  const problems = Object.fromEntries(report.certificates.filter((c) => c.problem).map((c) => [c.name, c.problem]));
  assert.deepEqual(Object.keys(problems).sort(), ['apiserver', 'apiserver-etcd-client', 'apiserver-kubelet-client']);
});

test('renewing one certificate is refused beside a CA file that holds a key or an unreadable kubeconfig', async () => {
  const { root, pki, snapshot } = await node();
  await copyFile(join(pki, 'etcd/ca.key'), join(pki, 'etcd/ca.crt'));
  await writeFile(join(root, 'etc/kubernetes/scheduler.conf'), 'users: [ {user: {client-certificate-data: "bm90IGEgY2VydA=="}} ]\n');
  const before = await snapshot();
  const result = await kubeboot(['certs', 'renew', 'apiserver', '--rootfs', root]);
  assert.equal(result.exitCode, 1, result.stderr);
  assert.match(result.stderr, /\/etc\/kubernetes\/pki\/etcd\/ca\.crt: holds a (EC |RSA )?PRIVATE KEY PEM block; expected a CERTIFICATE/);
  assert.match(result.stderr, /\/etc\/kubernetes\/scheduler\.conf: its client-certificate-data holds no PEM block; expected a CERTIFICATE/);
  assert.deepEqual(await snapshot(), before);
  const check = await kubeboot(['certs', 'check-expiration', '--rootfs', root]);
  assert.equal(check.exitCode, 1);
  assert.match(check.stderr, /etcd\/ca\.crt/);
  // A whole, consistent PKI still renews.
  const fresh = await node();
  const ok = await kubeboot(['certs', 'renew', 'apiserver', '--rootfs', fresh.root]);
  assert.equal(ok.exitCode, 0, ok.stderr);
  assert.notEqual(await readFile(join(fresh.pki, 'apiserver.key'), 'utf8'), '');
});
