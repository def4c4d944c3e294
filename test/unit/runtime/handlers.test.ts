import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { httpGetHandler } from '../../../src/runtime/handlers.js';

const servers: Server[] = [];
after(() => servers.forEach((s) => (s.closeAllConnections(), s.close())));

async function serve(status: number): Promise<{ server: Server; port: number; headers: Array<Record<string, string | string[] | undefined>> }> {
  const headers: Array<Record<string, string | string[] | undefined>> = [];
  const server = createServer((req, res) => {
    headers.push(req.headers);
    res.writeHead(status).end('ok');
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, headers };
}

const openConnections = (server: Server) => new Promise<number>((resolve, reject) => server.getConnections((err, n) => (err ? reject(err) : resolve(n))));

test('an HTTP probe keeps no connection open, as the kubelet\'s prober (DisableKeepAlives): a server stopping gracefully is not held up', async () => {
  const { server, port, headers } = await serve(200);
  for (let i = 0; i < 3; i++) assert.deepEqual(await httpGetHandler({ path: '/livez', port }, '127.0.0.1', port, 5000), { ok: true, message: 'HTTP 200' });
  assert.equal(headers.length, 3);
  assert.ok(headers.every((h) => h.connection === 'close' && h['user-agent'] === 'kube-probe/kubeboot'), JSON.stringify(headers));
  // The server closes its side after each answer; wait for that (bounded only to fail instead of hanging).
  for (let i = 0; i < 100 && (await openConnections(server)) > 0; i++) await sleep(100);
  assert.equal(await openConnections(server), 0, 'no connection left open after the probes');
});

test('an HTTP probe: 200–399 succeed, others fail with the status; a header of the probe is sent', async () => {
  const failing = await serve(500);
  assert.deepEqual(await httpGetHandler({ path: 'healthz', port: failing.port }, '127.0.0.1', failing.port, 5000), { ok: false, message: 'HTTP probe failed with statuscode: 500' });
  const redirect = await serve(302);
  const result = await httpGetHandler({ path: '/', port: redirect.port, httpHeaders: [{ name: 'X-Probe', value: 'yes' }] }, '127.0.0.1', redirect.port, 5000);
  assert.deepEqual(result, { ok: true, message: 'HTTP 302' });
  assert.equal(redirect.headers[0]?.['x-probe'], 'yes');
  assert.equal(failing.headers[0]?.['x-probe'], undefined);
});
