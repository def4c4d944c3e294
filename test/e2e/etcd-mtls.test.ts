import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type Docker from 'dockerode';
import { loadConfig } from '../../src/config/load.js';
import { ensureCertificates } from '../../src/pki/certificates.js';
import { engine, eventually, images, newTestRun, removeTestContainers, TEST_RUN_LABEL } from '../support/docker.js';
import { fixture, tempDir } from '../support/temp.js';
import { Host } from '../../src/util/host.js';

// kubeboot's etcd certificates on the real etcd: client auth on, only etcd-ca clients get in.
const run = newTestRun();
const clientPort = 24000 + Math.floor(Math.random() * 500);
const peerPort = clientPort + 1000;
let docker: Docker;
let pki: string;

before(async () => {
  docker = await engine();
  const rootfs = await tempDir();
  const { config } = await loadConfig({ file: fixture('configs', 'pki-cp-1.yaml'), host: { hostname: 'x', defaultAddress: '192.0.2.99' } });
  await ensureCertificates(config, Host.scratch(rootfs));
  pki = join(rootfs, 'etc/kubernetes/pki');
  const container = await docker.createContainer({
    Image: images.etcd,
    Cmd: [
      'etcd',
      '--name=cp-1',
      '--data-dir=/var/lib/etcd',
      `--listen-client-urls=https://127.0.0.1:${clientPort}`,
      `--advertise-client-urls=https://127.0.0.1:${clientPort}`,
      `--listen-peer-urls=https://127.0.0.1:${peerPort}`,
      `--initial-advertise-peer-urls=https://127.0.0.1:${peerPort}`,
      `--initial-cluster=cp-1=https://127.0.0.1:${peerPort}`,
      '--client-cert-auth=true',
      '--peer-client-cert-auth=true',
      '--cert-file=/etc/kubernetes/pki/etcd/server.crt',
      '--key-file=/etc/kubernetes/pki/etcd/server.key',
      '--trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt',
      '--peer-cert-file=/etc/kubernetes/pki/etcd/peer.crt',
      '--peer-key-file=/etc/kubernetes/pki/etcd/peer.key',
      '--peer-trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt',
      '--logger=zap',
      '--log-outputs=stderr',
    ],
    Labels: { [TEST_RUN_LABEL]: run },
    HostConfig: { NetworkMode: 'host', Init: true, Binds: [`${join(pki, 'etcd')}:/etc/kubernetes/pki/etcd:ro`] },
  });
  await container.start();
});

after(async () => {
  await removeTestContainers(run);
});

async function health(clientCert: string, clientKey: string): Promise<{ status: number; body: string }> {
  const [ca, cert, key] = await Promise.all([
    readFile(join(pki, 'etcd/ca.crt')),
    readFile(join(pki, clientCert)),
    readFile(join(pki, clientKey)),
  ]);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: clientPort, path: '/health', ca, cert, key, servername: 'localhost', timeout: 3000 }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

test('etcd serves with etcd/server and accepts the apiserver-etcd-client certificate', async () => {
  const result = await eventually('etcd healthy over mTLS', async () => {
    const response = await health('apiserver-etcd-client.crt', 'apiserver-etcd-client.key');
    return response.status === 200 ? response : undefined;
  }, 20_000, 100);
  assert.deepEqual(JSON.parse(result.body), { health: 'true' });
});

test('etcd accepts the etcd/healthcheck-client certificate', async () => {
  const response = await health('etcd/healthcheck-client.crt', 'etcd/healthcheck-client.key');
  assert.equal(response.status, 200);
  assert.equal(JSON.parse(response.body).health, 'true');
});

test('etcd refuses a client certificate signed by the cluster CA instead of etcd-ca', async () => {
  await assert.rejects(health('apiserver-kubelet-client.crt', 'apiserver-kubelet-client.key'), (err: NodeJS.ErrnoException) => {
    assert.equal(err.code, 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE');
    return true;
  });
});
