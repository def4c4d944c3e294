import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { httpGetHandler, type KeptConnections } from '../../../src/runtime/handlers.js';
import { KeptHttpConnection, requestHead, ResponseReader } from '../../../src/runtime/kept-http.js';

// The kept connection of a container's probes against real servers on 127.0.0.1: Node's HTTP and HTTPS
// servers, and raw TCP ones for what those never send.
const closers: Array<() => void> = [];
after(() => closers.forEach((close) => close()));

const answer = (reader: ResponseReader, ...chunks: string[]) => chunks.map((c) => reader.push(Buffer.from(c, 'latin1'))).at(-1);

test('a response framed by Content-Length is read to its end, across packets, and its connection kept', () => {
  const reader = new ResponseReader();
  assert.equal(answer(reader, 'HTTP/1.1 200 OK\r\nContent-Le', 'ngth: 5\r\n\r\nok'), undefined, 'the body is not complete yet');
  assert.deepEqual(answer(reader, '!!!'), { status: 200, keep: true });
  assert.deepEqual(answer(new ResponseReader(), 'HTTP/1.1 204 No Content\r\n\r\n'), { status: 204, keep: true }, '204 has no body');
});

test('a chunked response is read chunk by chunk to its trailer, across packets, and its connection kept', () => {
  const reader = new ResponseReader();
  assert.equal(answer(reader, 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r', '\n10;ext=1\r\n0123456789abcdef\r\n0\r\n'), undefined);
  assert.deepEqual(answer(reader, 'X-Trailer: 1\r\n\r\n'), { status: 200, keep: true });
  assert.throws(() => answer(new ResponseReader(), 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokay\r\n'), /malformed chunked body/);
  assert.throws(() => answer(new ResponseReader(), 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'), /malformed chunked body/);
});

test('a response the reader cannot frame is answered at its head and its connection not reused', () => {
  assert.deepEqual(answer(new ResponseReader(), 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n'), { status: 200, keep: false });
  assert.deepEqual(answer(new ResponseReader(), 'HTTP/1.1 503 Service Unavailable\r\n\r\nuntil close'), { status: 503, keep: false });
  assert.deepEqual(answer(new ResponseReader(), 'HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n'), { status: 200, keep: false });
  assert.deepEqual(answer(new ResponseReader(), 'HTTP/1.1 200 OK\r\nConnection: keep-alive, close\r\nContent-Length: 0\r\n\r\n'), { status: 200, keep: false });
  assert.deepEqual(answer(new ResponseReader(), 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA'), { status: 200, keep: false }, 'bytes past the body');
});

test('interim responses are skipped; a malformed response is an error naming what is wrong', () => {
  assert.deepEqual(answer(new ResponseReader(), 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n', 'HTTP/1.1 301 Moved\r\nContent-Length: 0\r\n\r\n'), { status: 301, keep: true });
  assert.throws(() => answer(new ResponseReader(), 'SSH-2.0-OpenSSH_9.2\r\n\r\n'), /malformed HTTP response: "SSH-2.0-OpenSSH_9.2"/);
  assert.throws(() => answer(new ResponseReader(), 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n'), /malformed Content-Length/);
});

test('the request head: probe headers replace the defaults by name; line breaks and unescaped paths are refused', () => {
  const head = requestHead('::1', 8443, '/readyz', [['user-agent', 'custom'], ['Host', 'api.example'], ['X-Probe', 'yes']]);
  assert.equal(head, 'GET /readyz HTTP/1.1\r\nHost: api.example\r\nuser-agent: custom\r\nAccept: */*\r\nX-Probe: yes\r\n\r\n');
  assert.match(requestHead('::1', 8443, '/', []), /\r\nHost: \[::1\]:8443\r\n/);
  assert.throws(() => requestHead('127.0.0.1', 80, '/', [['X-A', 'b\r\nX-Injected: 1']]), /invalid value for header "X-A"/);
  assert.throws(() => requestHead('127.0.0.1', 80, '/', [['Bad Name', 'x']]), /invalid header name "Bad Name"/);
  assert.throws(() => requestHead('127.0.0.1', 80, '/a b', []), /must be escaped/);
});

/** Counts the connections a server accepts, and closes it at the end. */
function track(server: Server | ReturnType<typeof createTcpServer>) {
  const sockets = new Set<Socket>();
  let accepted = 0;
  server.on('connection', (socket: Socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  closers.push(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return { sockets, accepted: () => accepted };
}

async function listen(server: Server | ReturnType<typeof createTcpServer>): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

const keptBy = (connection: KeptHttpConnection): KeptConnections => ({ for: () => connection });

test('HTTPS probes on one kept connection to a server with a self-signed certificate, as the kubelet does not verify it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kubeboot-kept-'));
  try {
    await execa('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=apiserver', '-days', '1', '-keyout', join(dir, 'key'), '-out', join(dir, 'crt')]);
    const seen: string[] = [];
    const server = createHttpsServer({ key: await readFile(join(dir, 'key')), cert: await readFile(join(dir, 'crt')) }, (req, res) => {
      seen.push(`${req.url} ${req.headers['user-agent']}`);
      res.writeHead(req.url === '/readyz' ? 200 : 500).end('ok');
    });
    const { accepted } = track(server);
    const port = await listen(server);
    const connection = new KeptHttpConnection(true, '127.0.0.1', port);
    closers.push(() => connection.close());
    for (let i = 0; i < 3; i++) assert.deepEqual(await httpGetHandler({ path: '/readyz', port, scheme: 'HTTPS' }, '127.0.0.1', port, 5000, keptBy(connection)), { ok: true, message: 'HTTP 200' });
    assert.deepEqual(await httpGetHandler({ path: '/livez', port, scheme: 'HTTPS' }, '127.0.0.1', port, 5000, keptBy(connection)), { ok: false, message: 'HTTP probe failed with statuscode: 500' });
    assert.equal(accepted(), 1, 'every probe on one connection');
    assert.deepEqual(seen, ['/readyz kube-probe/kubeboot', '/readyz kube-probe/kubeboot', '/readyz kube-probe/kubeboot', '/livez kube-probe/kubeboot']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a chunked answer (Node sends one for writeHead then end) keeps the connection; one till close gets the next probe a connection of its own', async () => {
  const server = createHttpServer((req, res) => {
    if (req.url === '/till-close') res.writeHead(200, { Connection: 'close' }).end('ok'); // no length: the body runs till close
    else res.writeHead(200).end('ok'); // no length: Node sends the body chunked
  });
  const { accepted, sockets } = track(server);
  const port = await listen(server);
  const connection = new KeptHttpConnection(false, '127.0.0.1', port);
  for (let i = 0; i < 3; i++) assert.deepEqual(await httpGetHandler({ path: '/', port }, '127.0.0.1', port, 5000, keptBy(connection)), { ok: true, message: 'HTTP 200' });
  assert.equal(accepted(), 1);
  // The first on the kept connection, which then closes; the second on a new one, which closes too.
  for (let i = 0; i < 2; i++) assert.deepEqual(await httpGetHandler({ path: '/till-close', port }, '127.0.0.1', port, 5000, keptBy(connection)), { ok: true, message: 'HTTP 200' });
  assert.equal(accepted(), 2);
  assert.deepEqual(await httpGetHandler({ path: '/', port }, '127.0.0.1', port, 5000, keptBy(connection)), { ok: true, message: 'HTTP 200' });
  assert.equal(accepted(), 3);
  connection.close();
  for (let i = 0; i < 100 && sockets.size > 0; i++) await sleep(50);
  assert.equal(sockets.size, 0, 'no connection left open once closed');
});

test('a server that never answers: the probe fails at its timeout and the connection is closed', async () => {
  const server = createTcpServer((socket) => socket.resume()); // reads the request, never answers
  const { sockets } = track(server);
  const port = await listen(server);
  const connection = new KeptHttpConnection(false, '127.0.0.1', port);
  const result = await httpGetHandler({ path: '/healthz', port }, '127.0.0.1', port, 300, keptBy(connection));
  assert.deepEqual(result, { ok: false, message: `Get http://127.0.0.1:${port}/healthz: timed out after 300 ms` });
  for (let i = 0; i < 100 && sockets.size > 0; i++) await sleep(50);
  assert.equal(sockets.size, 0);
});

test('a server that answers garbage, or nothing listening: a failed probe with the reason, never a crash', async () => {
  const server = createTcpServer((socket) => socket.once('data', () => socket.write('SSH-2.0-OpenSSH_9.2\r\n\r\n')));
  track(server);
  const port = await listen(server);
  const garbage = await httpGetHandler({ path: '/', port }, '127.0.0.1', port, 5000, keptBy(new KeptHttpConnection(false, '127.0.0.1', port)));
  assert.deepEqual(garbage, { ok: false, message: `Get http://127.0.0.1:${port}/: malformed HTTP response: "SSH-2.0-OpenSSH_9.2"` });
  server.close();
  await sleep(50);
  const refused = await httpGetHandler({ path: '/', port }, '127.0.0.1', port, 5000, keptBy(new KeptHttpConnection(false, '127.0.0.1', port)));
  assert.equal(refused.ok, false);
  assert.match(refused.message, /ECONNREFUSED/);
  const injected = await httpGetHandler({ path: '/', port, httpHeaders: [{ name: 'X-A', value: 'b\nX-B: c' }] }, '127.0.0.1', port, 5000, keptBy(new KeptHttpConnection(false, '127.0.0.1', port)));
  assert.deepEqual(injected, { ok: false, message: `Get http://127.0.0.1:${port}/: invalid value for header "X-A"` });
});
