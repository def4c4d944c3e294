import assert from 'node:assert/strict';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { loadConfig } from '../../../src/config/load.js';
import type { KubebootConfig } from '../../../src/config/types.js';
import { ensureCertificates } from '../../../src/pki/certificates.js';
import { KubebootError } from '../../../src/util/errors.js';
import { opensslVerifies, sanList, x509Text } from '../../support/openssl.js';
import { fixture, tempDir } from '../../support/temp.js';
import { Host } from '../../../src/util/host.js';

const host = { hostname: 'other-host', defaultAddress: '192.0.2.99' };

async function issueConfig(overrides: { encryptionAlgorithm?: KubebootConfig['cluster']['encryptionAlgorithm'] } = {}): Promise<KubebootConfig> {
  const { config } = await loadConfig({ file: fixture('configs', 'pki-cp-1.yaml'), host });
  if (overrides.encryptionAlgorithm) config.cluster.encryptionAlgorithm = overrides.encryptionAlgorithm;
  return config;
}

/** Every file under the PKI folder with its bytes, to compare runs. */
async function snapshot(pki: string, files: string[]): Promise<Record<string, string>> {
  return Object.fromEntries(await Promise.all(files.map(async (f) => [f, await readFile(join(pki, f), 'utf8')] as const)));
}

const ALL_FILES = [
  'ca.crt', 'ca.key', 'apiserver.crt', 'apiserver.key', 'apiserver-kubelet-client.crt', 'apiserver-kubelet-client.key',
  'front-proxy-ca.crt', 'front-proxy-ca.key', 'front-proxy-client.crt', 'front-proxy-client.key',
  'etcd/ca.crt', 'etcd/ca.key', 'etcd/server.crt', 'etcd/server.key', 'etcd/peer.crt', 'etcd/peer.key',
  'etcd/healthcheck-client.crt', 'etcd/healthcheck-client.key', 'apiserver-etcd-client.crt', 'apiserver-etcd-client.key',
  'sa.key', 'sa.pub',
];

describe('the kubeadm certificate set (advertise 10.0.0.10, node cp-1, certSANs lb.example.com and 192.0.2.7)', () => {
  let rootfs: string;
  let pki: string;
  let config: KubebootConfig;

  before(async () => {
    rootfs = await tempDir();
    pki = join(rootfs, 'etc/kubernetes/pki');
    config = await issueConfig();
    const results = await ensureCertificates(config, Host.scratch(rootfs));
    assert.ok(results.every((r) => r.action === 'created'));
  });

  test('every file exists; keys are 0600, certificates 0644', async () => {
    for (const file of ALL_FILES) {
      const mode = (await stat(join(pki, file))).mode & 0o777;
      assert.equal(mode, file.endsWith('.crt') ? 0o644 : 0o600, `${file} has mode ${mode.toString(8)}`);
    }
  });

  test('openssl verifies each certificate against the CA kubeadm signs it with, and not another', async () => {
    const signedBy: Record<string, string> = {
      'apiserver.crt': 'ca.crt',
      'apiserver-kubelet-client.crt': 'ca.crt',
      'front-proxy-client.crt': 'front-proxy-ca.crt',
      'etcd/server.crt': 'etcd/ca.crt',
      'etcd/peer.crt': 'etcd/ca.crt',
      'etcd/healthcheck-client.crt': 'etcd/ca.crt',
      'apiserver-etcd-client.crt': 'etcd/ca.crt',
    };
    for (const [cert, ca] of Object.entries(signedBy)) {
      assert.ok(await opensslVerifies(join(pki, ca), join(pki, cert)), `${cert} should verify against ${ca}`);
      const wrong = ca === 'ca.crt' ? 'etcd/ca.crt' : 'ca.crt';
      assert.equal(await opensslVerifies(join(pki, wrong), join(pki, cert)), false, `${cert} must not verify against ${wrong}`);
    }
  });

  test('the API server certificate has kubeadm’s SANs plus certSANs', async () => {
    const text = await x509Text(join(pki, 'apiserver.crt'));
    assert.deepEqual(sanList(text).sort(), [
      'DNS:cp-1', 'DNS:kubernetes', 'DNS:kubernetes.default', 'DNS:kubernetes.default.svc',
      'DNS:kubernetes.default.svc.cluster.local', 'DNS:lb.example.com',
      'IP Address:10.0.0.10', 'IP Address:10.96.0.1', 'IP Address:192.0.2.7',
    ].sort());
    assert.match(text, /Subject: CN ?= ?kube-apiserver/);
    assert.match(text, /X509v3 Extended Key Usage: \n\s*TLS Web Server Authentication\n/);
    assert.match(text, /X509v3 Key Usage: critical\n\s*Digital Signature, Key Encipherment/);
    assert.match(text, /X509v3 Basic Constraints: critical\n\s*CA:FALSE/);
    assert.match(text, /Signature Algorithm: sha256WithRSAEncryption/);
    assert.match(text, /Public-Key: \(2048 bit\)/);
  });

  test('etcd server and peer: CN is the node name, SANs localhost and the node addresses, server and client usage', async () => {
    for (const file of ['etcd/server.crt', 'etcd/peer.crt']) {
      const text = await x509Text(join(pki, file));
      assert.match(text, /Subject: CN ?= ?cp-1/);
      assert.deepEqual(sanList(text).sort(), ['DNS:cp-1', 'DNS:localhost', 'IP Address:0:0:0:0:0:0:0:1', 'IP Address:10.0.0.10', 'IP Address:127.0.0.1'].sort());
      assert.match(text, /TLS Web Server Authentication, TLS Web Client Authentication/);
    }
  });

  test('client certificates: subjects and groups as kubeadm', async () => {
    const kubeletClient = await x509Text(join(pki, 'apiserver-kubelet-client.crt'));
    assert.match(kubeletClient, /Subject: O ?= ?kubeadm:cluster-admins, CN ?= ?kube-apiserver-kubelet-client/);
    assert.match(await x509Text(join(pki, 'etcd/healthcheck-client.crt')), /Subject: CN ?= ?kube-etcd-healthcheck-client/);
    assert.match(await x509Text(join(pki, 'apiserver-etcd-client.crt')), /Subject: CN ?= ?kube-apiserver-etcd-client/);
    const frontProxy = await x509Text(join(pki, 'front-proxy-client.crt'));
    assert.match(frontProxy, /Subject: CN ?= ?front-proxy-client/);
    assert.match(frontProxy, /X509v3 Extended Key Usage: \n\s*TLS Web Client Authentication\n/);
  });

  test('CAs: 10 years, CA:TRUE, certificate signing; leaves: 1 year; both back-dated 5 minutes', async () => {
    const ca = await x509Text(join(pki, 'ca.crt'));
    assert.match(ca, /CA:TRUE/);
    assert.match(ca, /Digital Signature, Key Encipherment, Certificate Sign/);
    assert.match(ca, /Subject: CN ?= ?kubernetes/);
    const dates = (text: string) => {
      const notBefore = new Date(/Not Before: (.*)/.exec(text)![1]!);
      const notAfter = new Date(/Not After : (.*)/.exec(text)![1]!);
      return { notBefore, notAfter };
    };
    const now = Date.now();
    const day = 24 * 3600 * 1000;
    const caDates = dates(ca);
    assert.ok(Math.abs(now - caDates.notBefore.getTime() - 5 * 60 * 1000) < 120_000, 'CA back-dated about 5 minutes');
    assert.ok(Math.abs(caDates.notAfter.getTime() - now - 3650 * day) < 2 * 60_000, 'CA valid 87600h');
    const leaf = dates(await x509Text(join(pki, 'apiserver.crt')));
    assert.ok(Math.abs(leaf.notAfter.getTime() - now - 365 * day) < 2 * 60_000, 'leaf valid 8760h');
  });

  test('sa.pub is the public half of sa.key', async () => {
    const { createPrivateKey, createPublicKey } = await import('node:crypto');
    const derived = createPublicKey(createPrivateKey(await readFile(join(pki, 'sa.key'), 'utf8'))).export({ type: 'spki', format: 'pem' });
    assert.equal(await readFile(join(pki, 'sa.pub'), 'utf8'), derived);
  });

  test('a second run changes nothing: same bytes, everything reused', async () => {
    const before = await snapshot(pki, ALL_FILES);
    const results = await ensureCertificates(config, Host.scratch(rootfs));
    assert.ok(results.every((r) => r.action === 'reused'), JSON.stringify(results));
    assert.deepEqual(await snapshot(pki, ALL_FILES), before);
  });

  test('an existing certificate that lacks a configured SAN is an error naming the file and the SAN; nothing is written', async () => {
    const changed = await issueConfig();
    changed.cluster.apiServer.certSANs.push('api.example.org');
    const before = await snapshot(pki, ALL_FILES);
    await assert.rejects(ensureCertificates(changed, Host.scratch(rootfs)), (err: KubebootError) => {
      assert.deepEqual(err.details, ['/etc/kubernetes/pki/apiserver.crt: exists but differs from what this configuration needs: it lacks the SAN DNS:api.example.org']);
      return true;
    });
    assert.deepEqual(await snapshot(pki, ALL_FILES), before);
  });

  test('a certificate signed by another CA is reported', async () => {
    const other = await tempDir();
    await ensureCertificates(config, Host.scratch(other), { only: ['ca', 'apiserver'] });
    const copy = await tempDir();
    // this rootfs's CA, the other one's apiserver pair
    await ensureCertificates(config, Host.scratch(copy), { only: ['ca'] });
    for (const file of ['apiserver.crt', 'apiserver.key']) {
      await writeFile(join(copy, 'etc/kubernetes/pki', file), await readFile(join(other, 'etc/kubernetes/pki', file)));
    }
    await assert.rejects(ensureCertificates(config, Host.scratch(copy), { only: ['apiserver'] }), /Fix or remove|cannot be used/);
    await assert.rejects(ensureCertificates(config, Host.scratch(copy), { only: ['apiserver'] }), (err: KubebootError) => {
      assert.match(err.details.join('\n'), /apiserver\.crt: exists but differs .*it is not signed by the CA "kubernetes"/);
      return true;
    });
  });
});

describe('external CA and key types', () => {
  test('external CA mode: ca.key absent, existing leaves are checked and kept; a missing one is an error', async () => {
    const rootfs = await tempDir();
    const config = await issueConfig({ encryptionAlgorithm: 'ECDSA-P256' });
    await ensureCertificates(config, Host.scratch(rootfs));
    const pki = join(rootfs, 'etc/kubernetes/pki');
    await rm(join(pki, 'ca.key'));
    const results = await ensureCertificates(config, Host.scratch(rootfs));
    assert.equal(results.find((r) => r.name === 'ca')?.action, 'external');
    assert.equal(results.find((r) => r.name === 'apiserver')?.action, 'external');
    await rm(join(pki, 'apiserver.crt'));
    await rm(join(pki, 'apiserver.key'));
    await assert.rejects(ensureCertificates(config, Host.scratch(rootfs)), (err: KubebootError) => {
      assert.match(err.details.join('\n'), /apiserver\.crt is missing, and the CA ca has no key here \(external CA mode\)/);
      return true;
    });
  });

  for (const [algorithm, expected] of [
    ['ECDSA-P256', /ASN1 OID: prime256v1[\s\S]*ecdsa-with-SHA256/],
    ['ECDSA-P384', /ASN1 OID: secp384r1[\s\S]*ecdsa-with-SHA384/],
    ['RSA-3072', /Public-Key: \(3072 bit\)/],
  ] as const) {
    test(`${algorithm} keys and signatures`, async () => {
      const rootfs = await tempDir();
      await ensureCertificates(await issueConfig({ encryptionAlgorithm: algorithm }), Host.scratch(rootfs), { only: ['ca', 'apiserver', 'sa'] });
      const pki = join(rootfs, 'etc/kubernetes/pki');
      assert.match(await x509Text(join(pki, 'apiserver.crt')), expected);
      assert.ok(await opensslVerifies(join(pki, 'ca.crt'), join(pki, 'apiserver.crt')));
      const key = await readFile(join(pki, 'apiserver.key'), 'utf8');
      assert.match(key, algorithm.startsWith('ECDSA') ? /^-----BEGIN EC PRIVATE KEY-----/ : /^-----BEGIN RSA PRIVATE KEY-----/);
    });
  }

  test('a leaf alone needs its CA to exist first', async () => {
    const rootfs = await tempDir();
    await assert.rejects(ensureCertificates(await issueConfig({ encryptionAlgorithm: 'ECDSA-P256' }), Host.scratch(rootfs), { only: ['apiserver'] }), (err: KubebootError) => {
      assert.match(err.details.join('\n'), /the CA ca \(\/etc\/kubernetes\/pki\/ca\.crt\) does not exist; run: kubeboot init phase certs ca/);
      return true;
    });
  });
});
