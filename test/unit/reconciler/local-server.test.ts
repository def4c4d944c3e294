import assert from 'node:assert/strict';
import { test } from 'node:test';
import { execa } from 'execa';

// Issue 29 §8: /pods (every container's command and environment) went to whoever could reach
// healthzBindAddress. The kubelet serves /healthz alone there. Tried on an address of a network
// namespace this test makes itself (192.0.2.1, TEST-NET-1, on that namespace's own lo), never the
// machine's network: a client there is not loopback, so /healthz answers and /pods is refused.
const probe = new URL('../../support/local-server-probe.ts', import.meta.url).pathname;

async function inOwnNetwork(address: string): Promise<{ healthz: { status: number; body: string }; pods: { status: number; body: string } }> {
  const script = `ip link set lo up && ${address.startsWith('127.') ? '' : `ip addr add ${address}/32 dev lo && `}exec node --import tsx ${probe} ${address}`;
  const result = await execa('unshare', ['--net', 'sh', '-c', script], { reject: false });
  if (result.exitCode !== 0) throw new Error(`the probe in its own network namespace failed: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

test('/healthz answers on a non-loopback healthzBindAddress; /pods is refused there and served on loopback', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('a network namespace of its own needs root (unshare --net)');
  const outside = await inOwnNetwork('192.0.2.1');
  assert.equal(outside.healthz.status, 200);
  assert.equal(outside.healthz.body, 'ok');
  assert.equal(outside.pods.status, 403);
  assert.doesNotMatch(outside.pods.body, /s3cret|secret-bearer/);
  const loopback = await inOwnNetwork('127.0.0.1');
  assert.equal(loopback.pods.status, 200);
  assert.equal(JSON.parse(loopback.pods.body).items[0].metadata.name, 'secret-bearer');
});
