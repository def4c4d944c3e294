import assert from 'node:assert/strict';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { loadConfig } from '../../../src/config/load.js';
import type { KubebootConfig } from '../../../src/config/types.js';
import { ensureCertificates } from '../../../src/pki/certificates.js';
import { ensureKubeconfigs } from '../../../src/pki/kubeconfig.js';
import { KubebootError } from '../../../src/util/errors.js';
import { kubeboot } from '../../support/cli.js';
import { opensslVerifies, sanList, x509Text } from '../../support/openssl.js';
import { fixture, tempDir } from '../../support/temp.js';
import { Host } from '../../../src/util/host.js';

const configFile = fixture('configs', 'pki-cp-1.yaml');

async function ecdsaConfig(): Promise<KubebootConfig> {
  const { config } = await loadConfig({ file: configFile, host: { hostname: 'x', defaultAddress: '192.0.2.99' } });
  config.cluster.encryptionAlgorithm = 'ECDSA-P256';
  return config;
}

interface Kubeconfig {
  clusters: Array<{ name: string; cluster: { server: string; 'certificate-authority-data': string } }>;
  users: Array<{ name: string; user: { 'client-certificate-data': string; 'client-key-data': string } }>;
  contexts: Array<{ name: string; context: { cluster: string; user: string } }>;
  'current-context': string;
}

describe('kubeconfig files', () => {
  let rootfs: string;
  let config: KubebootConfig;
  before(async () => {
    rootfs = await tempDir();
    config = await ecdsaConfig();
    await ensureCertificates(config, Host.scratch(rootfs));
    await ensureKubeconfigs(config, Host.scratch(rootfs));
  });

  test('five files, mode 0600, each with its user, group, server and the cluster CA embedded', async () => {
    const expected = {
      'admin.conf': ['kubernetes-admin', 'kubeadm:cluster-admins', 'https://10.0.0.10:6443'],
      'super-admin.conf': ['kubernetes-super-admin', 'system:masters', 'https://10.0.0.10:6443'],
      'kubelet.conf': ['system:node:cp-1', 'system:nodes', 'https://10.0.0.10:6443'],
      'controller-manager.conf': ['system:kube-controller-manager', '', 'https://10.0.0.10:6443'],
      'scheduler.conf': ['system:kube-scheduler', '', 'https://10.0.0.10:6443'],
    };
    const ca = await readFile(join(rootfs, 'etc/kubernetes/pki/ca.crt'), 'utf8');
    for (const [file, [user, group, server]] of Object.entries(expected)) {
      const path = join(rootfs, 'etc/kubernetes', file);
      assert.equal((await stat(path)).mode & 0o777, 0o600, file);
      const kubeconfig = parse(await readFile(path, 'utf8')) as Kubeconfig;
      assert.equal(kubeconfig.clusters[0]?.name, 'kubernetes');
      assert.equal(kubeconfig.clusters[0]?.cluster.server, server);
      assert.equal(Buffer.from(kubeconfig.clusters[0]!.cluster['certificate-authority-data'], 'base64').toString(), ca);
      assert.equal(kubeconfig['current-context'], `${user}@kubernetes`);
      const certFile = join(rootfs, `${file}.crt`);
      await writeFile(certFile, Buffer.from(kubeconfig.users[0]!.user['client-certificate-data'], 'base64'));
      const text = await x509Text(certFile);
      assert.match(text, new RegExp(`Subject: ${group ? `O ?= ?${group}, ` : ''}CN ?= ?${user}`));
      assert.match(text, /TLS Web Client Authentication/);
      assert.ok(await opensslVerifies(join(rootfs, 'etc/kubernetes/pki/ca.crt'), certFile), `${file} client cert signed by ca`);
    }
  });

  test('controlPlaneEndpoint is the server of admin, super-admin and kubelet; the local endpoint for the others', async () => {
    const other = await tempDir();
    const withEndpoint = await ecdsaConfig();
    withEndpoint.cluster.controlPlaneEndpoint = 'lb.example.com:8443';
    await ensureCertificates(withEndpoint, Host.scratch(other), { only: ['ca'] });
    await ensureKubeconfigs(withEndpoint, Host.scratch(other));
    const server = async (file: string) => (parse(await readFile(join(other, 'etc/kubernetes', file), 'utf8')) as Kubeconfig).clusters[0]!.cluster.server;
    assert.equal(await server('admin.conf'), 'https://lb.example.com:8443');
    assert.equal(await server('kubelet.conf'), 'https://lb.example.com:8443');
    assert.equal(await server('scheduler.conf'), 'https://10.0.0.10:6443');
  });

  test('a second run keeps the files as they are', async () => {
    const before = await readFile(join(rootfs, 'etc/kubernetes/admin.conf'), 'utf8');
    const { results } = await ensureKubeconfigs(config, Host.scratch(rootfs));
    assert.ok(results.every((r) => r.action === 'reused'));
    assert.equal(await readFile(join(rootfs, 'etc/kubernetes/admin.conf'), 'utf8'), before);
  });

  test('a kubeconfig made with another CA is an error, as in kubeadm', async () => {
    const other = await tempDir();
    await ensureCertificates(config, Host.scratch(other), { only: ['ca'] });
    await mkdir(join(other, 'etc/kubernetes'), { recursive: true });
    await writeFile(join(other, 'etc/kubernetes/admin.conf'), await readFile(join(rootfs, 'etc/kubernetes/admin.conf')));
    await assert.rejects(ensureKubeconfigs(config, Host.scratch(other)), (err: KubebootError) => {
      assert.deepEqual(err.details, ['a kubeconfig file "/etc/kubernetes/admin.conf" exists already but has got the wrong CA cert']);
      return true;
    });
  });
});

describe('certs check-expiration and renew (CLI)', () => {
  let rootfs: string;
  before(async () => {
    rootfs = await tempDir();
    const config = await ecdsaConfig();
    await ensureCertificates(config, Host.scratch(rootfs));
    await ensureKubeconfigs(config, Host.scratch(rootfs));
  });

  test('check-expiration -o json lists every certificate and CA with its expiry', async () => {
    const result = await kubeboot(['certs', 'check-expiration', '--config', configFile, '--rootfs', rootfs, '-o', 'json']);
    assert.equal(result.exitCode, 0, result.stderr);
    const report = JSON.parse(result.stdout) as {
      certificates: Array<{ name: string; expirationDate: string; certificateAuthority: string; externallyManaged: boolean }>;
      certificateAuthorities: Array<{ name: string; expirationDate: string }>;
    };
    assert.deepEqual(report.certificates.map((c) => c.name), [
      'admin.conf', 'apiserver', 'apiserver-etcd-client', 'apiserver-kubelet-client', 'controller-manager.conf',
      'etcd-healthcheck-client', 'etcd-peer', 'etcd-server', 'front-proxy-client', 'kubelet.conf', 'scheduler.conf', 'super-admin.conf',
    ]);
    assert.deepEqual(report.certificateAuthorities.map((c) => c.name), ['ca', 'front-proxy-ca', 'etcd-ca']);
    const day = 24 * 3600 * 1000;
    for (const certificate of report.certificates) {
      const ms = new Date(certificate.expirationDate).getTime() - Date.now();
      assert.ok(Math.abs(ms - 365 * day) < 10 * 60_000, `${certificate.name} expires in about a year`);
      assert.equal(certificate.externallyManaged, false);
      // the date printed is the certificate's own
      if (certificate.name === 'apiserver') {
        const text = await x509Text(join(rootfs, 'etc/kubernetes/pki/apiserver.crt'));
        assert.equal(new Date(/Not After : (.*)/.exec(text)![1]!).toISOString(), certificate.expirationDate);
      }
    }
    assert.equal(report.certificates.find((c) => c.name === 'etcd-server')?.certificateAuthority, 'etcd-ca');
    for (const ca of report.certificateAuthorities) {
      assert.ok(Math.abs(new Date(ca.expirationDate).getTime() - Date.now() - 3650 * day) < 10 * 60_000);
    }
  });

  test('check-expiration text is kubeadm’s table', async () => {
    const result = await kubeboot(['certs', 'check-expiration', '--config', configFile, '--rootfs', rootfs]);
    assert.match(result.stdout, /^CERTIFICATE\s+EXPIRES\s+RESIDUAL TIME\s+CERTIFICATE AUTHORITY\s+EXTERNALLY MANAGED$/m);
    assert.match(result.stdout, /^apiserver\s+\w{3} \d\d, \d{4} \d\d:\d\d UTC\s+36[45]d\s+ca\s+no$/m);
    assert.match(result.stdout, /^etcd-ca\s+\w{3} \d\d, \d{4} \d\d:\d\d UTC\s+9y\s+no$/m);
  });

  test('renew makes a new certificate with the same SANs and restarts the pods that use it', async () => {
    const pki = join(rootfs, 'etc/kubernetes/pki');
    const manifests = join(rootfs, 'etc/kubernetes/manifests');
    await mkdir(manifests, { recursive: true });
    const apiserverManifest = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: kube-apiserver\n  namespace: kube-system\nspec:\n  containers:\n  - name: kube-apiserver\n    image: x\n    command: [kube-apiserver, --tls-cert-file=/etc/kubernetes/pki/apiserver.crt]\n';
    const schedulerManifest = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: kube-scheduler\n  namespace: kube-system\nspec:\n  containers:\n  - name: kube-scheduler\n    image: x\n    command: [kube-scheduler, --kubeconfig=/etc/kubernetes/scheduler.conf]\n';
    await writeFile(join(manifests, 'kube-apiserver.yaml'), apiserverManifest);
    await writeFile(join(manifests, 'kube-scheduler.yaml'), schedulerManifest);
    const oldCert = await readFile(join(pki, 'apiserver.crt'), 'utf8');
    const oldSans = sanList(await x509Text(join(pki, 'apiserver.crt')));

    const result = await kubeboot(['certs', 'renew', 'apiserver', '--config', configFile, '--rootfs', rootfs]);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.match(result.stdout, /renewed apiserver \(\/etc\/kubernetes\/pki\/apiserver\.crt\)/);
    assert.match(result.stdout, /will be restarted: kube-apiserver$/m);
    const newCert = await readFile(join(pki, 'apiserver.crt'), 'utf8');
    assert.notEqual(newCert, oldCert);
    assert.deepEqual(sanList(await x509Text(join(pki, 'apiserver.crt'))), oldSans);
    assert.ok(await opensslVerifies(join(pki, 'ca.crt'), join(pki, 'apiserver.crt')));
    const marked = parse(await readFile(join(manifests, 'kube-apiserver.yaml'), 'utf8')) as { metadata: { annotations: Record<string, string> } };
    assert.match(marked.metadata.annotations['kubeboot.io/certs-renewed'] ?? '', /^\d{4}-\d\d-\d\dT/);
    assert.equal(await readFile(join(manifests, 'kube-scheduler.yaml'), 'utf8'), schedulerManifest, 'a pod that does not use the file is left alone');
  });

  test('renew of an unknown name is a usage error listing the names', async () => {
    const result = await kubeboot(['certs', 'renew', 'apiserverr', '--config', configFile, '--rootfs', rootfs]);
    assert.equal(result.exitCode, 2);
    assert.match(result.stderr, /unknown certificate apiserverr; expected all or one of apiserver, /);
  });
});
