import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type Docker from 'dockerode';
import { engine, eventually, images, listTestContainers, newTestRun, removeTestContainers, TEST_RUN_LABEL } from '../support/docker.js';

// Proves the harness: a real engine, the local images, cleanup by label.
const run = newTestRun();
let docker: Docker;

before(async () => {
  docker = await engine();
});

after(async () => {
  await removeTestContainers(run);
});

async function runToCompletion(image: string, cmd: string[]): Promise<{ exitCode: number; output: string }> {
  const container = await docker.createContainer({
    Image: image,
    Cmd: cmd,
    Labels: { [TEST_RUN_LABEL]: run },
    HostConfig: { NetworkMode: 'none' },
  });
  await container.start();
  const { StatusCode } = (await container.wait()) as { StatusCode: number };
  const logs = await container.logs({ stdout: true, stderr: true });
  return { exitCode: StatusCode, output: demux(logs) };
}

/** Docker's log stream without a TTY: 8-byte frame headers before each chunk. */
function demux(buffer: Buffer): string {
  let out = '';
  for (let i = 0; i + 8 <= buffer.length; ) {
    const size = buffer.readUInt32BE(i + 4);
    out += buffer.subarray(i + 8, i + 8 + size).toString('utf8');
    i += 8 + size;
  }
  return out;
}

test('the local busybox image runs its applets', async () => {
  const result = await runToCompletion(images.busybox, ['sh', '-c', 'echo "hello from $(busybox | head -n1 | cut -d" " -f2)"; exit 3']);
  assert.equal(result.exitCode, 3);
  assert.match(result.output, /^hello from v1\.\d+\.\d+/);
});

test('the local etcd image serves /health on a non-default client port', async () => {
  const clientPort = 23790 + Math.floor(Math.random() * 100);
  const peerPort = clientPort + 1000;
  const container = await docker.createContainer({
    Image: images.etcd,
    name: `kubeboot-harness-etcd-${run}`,
    Cmd: [
      'etcd',
      '--name=harness',
      '--data-dir=/var/lib/etcd',
      `--listen-client-urls=http://127.0.0.1:${clientPort}`,
      `--advertise-client-urls=http://127.0.0.1:${clientPort}`,
      `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-cluster=harness=http://127.0.0.1:${peerPort}`,
      '--logger=zap',
      '--log-outputs=stderr',
    ],
    Labels: { [TEST_RUN_LABEL]: run },
    HostConfig: { NetworkMode: 'host', Init: true },
  });
  await container.start();
  const health = await eventually('etcd /health', async () => {
    const response = await fetch(`http://127.0.0.1:${clientPort}/health`).catch(() => undefined);
    return response?.ok ? ((await response.json()) as { health: string }) : undefined;
  });
  assert.equal(health.health, 'true');
  const version = (await (await fetch(`http://127.0.0.1:${clientPort}/version`)).json()) as { etcdserver: string };
  assert.equal(version.etcdserver, '3.4.23');
});

test('the pause image stops on SIGTERM without waiting for the grace period', async () => {
  const container = await docker.createContainer({
    Image: images.pause,
    Labels: { [TEST_RUN_LABEL]: run },
    HostConfig: { NetworkMode: 'none' },
  });
  await container.start();
  await eventually('pause running', async () => ((await container.inspect()).State.Running ? true : undefined));
  // A pause that ignored SIGTERM would be killed after 30 s and exit 137.
  await container.stop({ t: 30 });
  const state = (await container.inspect()).State;
  assert.equal(state.ExitCode, 0);
});

test('cleanup by label removes the containers of this run and no others', async () => {
  const other = newTestRun();
  const bystander = await docker.createContainer({ Image: images.busybox, Cmd: ['true'], Labels: { [TEST_RUN_LABEL]: other } });
  try {
    assert.ok((await listTestContainers(run)).length >= 3);
    const removed = await removeTestContainers(run);
    assert.ok(removed >= 3);
    assert.equal((await listTestContainers(run)).length, 0);
    assert.equal((await listTestContainers(other)).length, 1);
  } finally {
    await bystander.remove({ force: true });
  }
});
