import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { dockerode } from '../../../src/runtime/docker/dockerode.js';

const require = createRequire(import.meta.url);
const ofDockerode = createRequire(require.resolve('dockerode'));
const ofModem = createRequire(ofDockerode.resolve('docker-modem'));
const grpcPath = ofDockerode.resolve('@grpc/grpc-js');
const ssh2Path = ofModem.resolve('ssh2');

test('dockerode loads without gRPC and ssh2, and they load for real when used', () => {
  const Docker = dockerode();
  assert.equal(typeof Docker, 'function');
  assert.equal(typeof new Docker({ socketPath: '/nonexistent.sock' }).listContainers, 'function');
  assert.equal(require.cache[grpcPath], undefined, 'gRPC is not loaded by dockerode itself');
  assert.equal(require.cache[ssh2Path], undefined, 'ssh2 is not loaded by docker-modem itself');

  // docker-modem's ssh transport makes an ssh2 Client when an ssh:// engine is used: the real one.
  const sshAgent = ofModem('./ssh.js') as (options: object) => { createConnection: unknown };
  assert.equal(typeof sshAgent({ host: 'example.invalid' }).createConnection, 'function');
  assert.ok(require.cache[ssh2Path], 'ssh2 was loaded when a connection was set up');

  // Later requires get the real package, not the stand-in.
  const grpc = ofDockerode('@grpc/grpc-js') as { Server?: unknown };
  assert.equal(typeof grpc.Server, 'function');
  assert.equal(dockerode(), Docker, 'loaded once');
});
