import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProbeManager, type ProbeTarget } from '../../../src/reconciler/probes.js';
import type { ContainerRuntime } from '../../../src/runtime/runtime.js';

// Real HTTP servers on 127.0.0.1, probed by the ProbeManager the reconciler uses. The runtime is never
// asked for anything by HTTP probes: an empty object stands for it.
const servers: Server[] = [];
after(() => servers.forEach((s) => (s.closeAllConnections(), s.close())));

/** `onRequest` may hold the answer back by returning a promise. */
async function serve(onRequest: (req: IncomingMessage, nth: number) => void | Promise<void> = () => undefined) {
  const sockets = new Set<Socket>();
  const perSocket = new WeakMap<Socket, number>();
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    const nth = (perSocket.get(req.socket) ?? 0) + 1;
    perSocket.set(req.socket, nth);
    void Promise.resolve(onRequest(req, nth)).then(() => {
      if (!req.socket.destroyed) res.end('ok');
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.keepAliveTimeout = 120_000; // the server never closes a kept connection on its own here
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, sockets, requests: () => requests };
}

function probed(port: number) {
  const states: Array<{ started: boolean; ready: boolean }> = [];
  const logs: string[] = [];
  const manager = new ProbeManager({
    runtime: {} as ContainerRuntime,
    log: (level, message, fields) => logs.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`),
    onState: (_target, state) => states.push(state),
    onKill: () => assert.fail('no kill expected'),
  });
  const target: ProbeTarget = {
    podKey: 'kube-system/web',
    podUid: 'uid-1',
    containerId: 'c1',
    podIP: '127.0.0.1',
    spec: { name: 'web', image: 'web:1', readinessProbe: { httpGet: { path: '/readyz', port }, periodSeconds: 1, failureThreshold: 1 } },
  };
  manager.syncPod('uid-1', [target]);
  return { manager, states, logs };
}

async function until<T>(what: string, check: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

test('a container\'s HTTP probes keep one connection; it is closed when the container\'s probes stop, so a graceful stop is not held up', async () => {
  const { server, port, sockets, requests } = await serve();
  const { manager, states } = probed(port);
  await until('three probes', () => (requests() >= 3 ? true : undefined));
  assert.equal(states.at(-1)?.ready, true);
  assert.equal(sockets.size, 1, 'one kept connection for every probe so far');
  manager.forgetPod('uid-1');
  await until('the probe connection closed', () => (sockets.size === 0 ? true : undefined));
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  await closed; // a server.close() (what a graceful shutdown does) completes: nothing of the prober holds it
});

test('probes stopped while one is on its way on the kept connection leave no connection open', async () => {
  let release: (() => void) | undefined;
  const { port, sockets } = await serve((_req, nth) => (nth === 3 ? new Promise<void>((resolve) => (release = resolve)) : undefined));
  const { manager } = probed(port);
  try {
    await until('the third probe held on the kept connection', () => (release ? true : undefined));
    manager.forgetPod('uid-1'); // drops the kept connection under the probe in flight
    release!();
    await until('every probe connection closed', () => (sockets.size === 0 ? true : undefined));
  } finally {
    manager.stopAll();
    release?.();
  }
});

test('a kept connection the server drops as a probe arrives is retried once on a new one: no false failure', async () => {
  // The second request on each connection finds it closed by the server: the moment a kept connection
  // goes stale (a server's keep-alive timeout) hits the next probe.
  const { port, requests } = await serve((req, nth) => {
    if (nth === 2) req.socket.destroy();
  });
  const { manager, states, logs } = probed(port);
  await until('five probes', () => (requests() >= 5 ? true : undefined));
  manager.stopAll();
  const firstReady = states.findIndex((s) => s.ready);
  assert.ok(firstReady >= 0 && states.slice(firstReady).every((s) => s.ready), `ready once and never unready (failureThreshold 1): ${JSON.stringify(states)}`);
  assert.ok(!logs.some((l) => l.includes('readiness probe failed')), logs.join('\n'));
});
