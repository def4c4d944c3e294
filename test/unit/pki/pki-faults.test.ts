import assert from 'node:assert/strict';
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, test } from 'node:test';
import { loadConfig } from '../../../src/config/load.js';
import type { KubebootConfig } from '../../../src/config/types.js';
import { ensureCertificates } from '../../../src/pki/certificates.js';
import { ensureKubeconfigs } from '../../../src/pki/kubeconfig.js';
import { Host } from '../../../src/util/host.js';
import { kubeboot } from '../../support/cli.js';
import { x509Text } from '../../support/openssl.js';
import { fixture, tempDir } from '../../support/temp.js';

// The PKI is all or nothing: a bad input is found before anything is written, and a failed write
// leaves the old pair. Each case starts from a fresh, complete PKI.
const configFile = fixture('configs', 'pki-cp-1.yaml');

async function config(): Promise<KubebootConfig> {
  const { config } = await loadConfig({ file: configFile, host: { hostname: 'x', defaultAddress: '192.0.2.99' } });
  config.cluster.encryptionAlgorithm = 'ECDSA-P256';
  return config;
}

describe('PKI faults', () => {
  let rootfs: string;
  let pki: string;
  beforeEach(async () => {
    rootfs = await tempDir();
    pki = join(rootfs, 'etc/kubernetes/pki');
    const c = await config();
    await ensureCertificates(c, Host.scratch(rootfs));
    await ensureKubeconfigs(c, Host.scratch(rootfs));
  });

  const snapshot = async () => Object.fromEntries(await Promise.all((await readdir(pki)).filter((f) => f.includes('.')).sort().map(async (f) => [f, await readFile(join(pki, f), 'utf8')])));

  test('renew refuses a ca.key that does not belong to ca.crt, and writes nothing', async () => {
    await copyFile(join(pki, 'front-proxy-ca.key'), join(pki, 'ca.key'));
    const before = await snapshot();
    const result = await kubeboot(['certs', 'renew', 'all', '--config', configFile, '--rootfs', rootfs]);
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, /\/etc\/kubernetes\/pki\/ca\.key does not belong to \/etc\/kubernetes\/pki\/ca\.crt/);
    assert.equal(result.stderr.match(/does not belong/g)?.length, 1, 'said once, not once per certificate');
    assert.deepEqual(await snapshot(), before);
  });

  test('renew with a key that cannot be replaced leaves the old certificate and key', async () => {
    const before = await snapshot();
    // A folder where the key file was: the key cannot be renamed into place.
    await rm(join(pki, 'apiserver.key'));
    await mkdir(join(pki, 'apiserver.key', 'blocker'), { recursive: true });
    const result = await kubeboot(['certs', 'renew', 'apiserver', '--config', configFile, '--rootfs', rootfs]);
    assert.equal(result.exitCode, 1);
    assert.equal(await readFile(join(pki, 'apiserver.crt'), 'utf8'), before['apiserver.crt'], 'the old certificate stays');
    assert.deepEqual((await readdir(pki)).filter((f) => f.endsWith('.tmp')), [], 'no temp file is left');
  });

  test('renew all with an unknown name is a usage error, whatever else is named', async () => {
    const result = await kubeboot(['certs', 'renew', 'all', 'bogus', '--config', configFile, '--rootfs', rootfs]);
    assert.equal(result.exitCode, 2);
    assert.match(result.stderr, /unknown certificate bogus/);
  });

  test('check-expiration names an unreadable certificate and kubeconfig, and exits 1', async () => {
    await writeFile(join(pki, 'apiserver.crt'), 'not a certificate\n');
    await writeFile(join(rootfs, 'etc/kubernetes/admin.conf'), 'users: [{user: {client-certificate-data: bm9wZQ==}}]\n');
    const result = await kubeboot(['certs', 'check-expiration', '--config', configFile, '--rootfs', rootfs]);
    assert.equal(result.exitCode, 1);
    assert.match(result.stdout, /^apiserver\s+<unreadable>/m);
    assert.match(result.stderr, /\/etc\/kubernetes\/pki\/apiserver\.crt: holds no PEM block; expected a CERTIFICATE/);
    assert.match(result.stderr, /\/etc\/kubernetes\/admin\.conf: its client-certificate-data holds no PEM block; expected a CERTIFICATE/);
  });

  test('a certificate never outlives its CA', async () => {
    const c = await config();
    c.cluster.caCertificateValidityPeriod = '24h0m0s';
    c.cluster.certificateValidityPeriod = '8760h0m0s';
    const other = await tempDir();
    await ensureCertificates(c, Host.scratch(other), { only: ['ca', 'apiserver'] });
    const notAfter = (file: string) => /Not After : (.*)/.exec(file)?.[1];
    const [ca, leaf] = await Promise.all(['ca.crt', 'apiserver.crt'].map((f) => x509Text(join(other, 'etc/kubernetes/pki', f))));
    assert.equal(notAfter(leaf!), notAfter(ca!));
  });
});

test('a validity period past the year 9999 is refused by the configuration', async () => {
  const dir = await tempDir({ 'c.yaml': 'apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\ncertificateValidityPeriod: 90000000h\n' });
  const result = await kubeboot(['config', 'validate', '--config', join(dir, 'c.yaml')]);
  assert.equal(result.exitCode, 1);
  assert.match(result.stderr, /c\.yaml:3:\d+: ClusterConfiguration\.certificateValidityPeriod: got "90000000h": certificates would expire after the year 9999/);
});
