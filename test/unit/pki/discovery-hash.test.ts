import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import { loadConfig } from '../../../src/config/load.js';
import { BOOTSTRAP_TOKEN, parseBootstrapToken } from '../../../src/config/bootstrap-token.js';
import { ensureCertificates } from '../../../src/pki/certificates.js';
import { caCertHashes, parseCaCertHash } from '../../../src/pki/discovery-hash.js';
import { Host } from '../../../src/util/host.js';
import { kubeboot } from '../../support/cli.js';
import { tempDir } from '../../support/temp.js';

test('the CA pin is what kubeadm’s documentation computes with openssl (SHA-256 of the DER public key)', async () => {
  const root = await tempDir();
  for (const algorithm of ['RSA-2048', 'ECDSA-P256'] as const) {
    const { config } = await loadConfig({ host: { hostname: 'n1', defaultAddress: '192.0.2.1' } });
    config.cluster.encryptionAlgorithm = algorithm;
    const dir = join(root, algorithm);
    await ensureCertificates(config, Host.scratch(dir), { only: ['ca'] });
    const ca = join(dir, 'etc/kubernetes/pki/ca.crt');
    // kubeadm's docs: openssl x509 -pubkey -in ca.crt | openssl rsa|pkey -pubin -outform der | openssl dgst -sha256 -hex
    const { stdout } = await execa('sh', ['-c', `openssl x509 -pubkey -noout -in ${ca} | openssl pkey -pubin -outform der | openssl dgst -sha256 -hex | sed 's/^.* //'`]);
    assert.deepEqual(caCertHashes(await readFile(ca, 'utf8')), [`sha256:${stdout.trim()}`], algorithm);
  }
});

test('a pin is accepted as kubeadm accepts it: sha256: in any case, 64 hex digits', () => {
  assert.equal(parseCaCertHash(`SHA256:${'AB'.repeat(32)}`), `sha256:${'ab'.repeat(32)}`);
  assert.equal(parseCaCertHash(`sha256:${'ab'.repeat(31)}`), undefined);
  assert.equal(parseCaCertHash(`md5:${'ab'.repeat(32)}`), undefined);
});

test('token generate prints a new token of kubeadm’s format each time', async () => {
  const [a, b] = await Promise.all([kubeboot(['token', 'generate']), kubeboot(['token', 'generate'])]);
  for (const result of [a, b]) {
    assert.equal(result.exitCode, 0, result.stderr);
    assert.match(result.stdout.trim(), BOOTSTRAP_TOKEN);
  }
  assert.notEqual(a.stdout, b.stdout);
  assert.deepEqual(parseBootstrapToken('abcdef.0123456789abcdef'), { id: 'abcdef', secret: '0123456789abcdef' });
  assert.equal(parseBootstrapToken('ABCDEF.0123456789abcdef'), undefined);
});

test('certs certificate-key prints 64 lower-case hex characters, new each time', async () => {
  const [a, b] = await Promise.all([kubeboot(['certs', 'certificate-key']), kubeboot(['certs', 'certificate-key'])]);
  assert.match(a.stdout, /^[0-9a-f]{64}$/);
  assert.notEqual(a.stdout, b.stdout);
});
