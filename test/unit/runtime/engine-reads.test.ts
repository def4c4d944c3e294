import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { tempDir } from '../../support/temp.js';
import { EngineReads, query, socketOf } from '../../../src/runtime/docker/engine-reads.js';
import { socketReads } from '../../../src/runtime/docker/container-reads.js';

// A stand-in for the engine's API on a unix socket, answering as dockerd does (JSON errors with a message).
const seen: string[] = [];
const server = createServer((req, res) => {
  seen.push(req.url ?? '');
  if (req.url === '/_ping') return res.end('OK');
  if (req.url?.startsWith('/containers/json')) return res.writeHead(200, { 'Content-Type': 'application/json' }).end('[{"Id":"abc","Labels":{}}]');
  res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"message":"No such container: nope"}');
});
after(() => server.close());

test('the engine read calls: GETs on the unix socket, filters as JSON, errors with the status and the engine\'s message', async () => {
  const socket = join(await tempDir(), 'docker.sock');
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  const reads = socketReads(new EngineReads(socket));
  await reads.ping();
  assert.deepEqual(await reads.listContainers({ label: ['io.kubeboot.node=n1'] }), [{ Id: 'abc', Labels: {} }]);
  assert.equal(decodeURIComponent(seen.at(-1)!), '/containers/json?all=true&filters={"label":["io.kubeboot.node=n1"]}');
  await assert.rejects(reads.inspect('nope'), (err: Error & { statusCode?: number }) => err.statusCode === 404 && err.message === '(HTTP code 404) No such container: nope');
  await assert.rejects(new EngineReads(join(socket, '..', 'missing.sock')).get('/_ping'), /ENOENT/);
});

test('query strings and sockets', () => {
  assert.equal(query({ tail: 10, follow: false, since: undefined }), '?tail=10&follow=false');
  assert.equal(query({}), '');
  assert.equal(socketOf('unix:///run/x.sock'), '/run/x.sock');
  const saved = process.env.DOCKER_HOST;
  try {
    process.env.DOCKER_HOST = 'tcp://10.0.0.1:2375';
    assert.equal(socketOf(undefined), undefined, 'a TCP engine goes through dockerode');
    delete process.env.DOCKER_HOST;
    assert.equal(socketOf(undefined), '/var/run/docker.sock');
  } finally {
    if (saved === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = saved;
  }
});
