import { randomBytes } from 'node:crypto';
import { dockerodeReads } from '../../src/runtime/docker/container-reads.js';
import { listPods as listDockerPods } from '../../src/runtime/docker/list-pods.js';
import { frames } from '../../src/runtime/docker/stream-frames.js';
import type { RuntimePod } from '../../src/runtime/runtime.js';
import Docker from 'dockerode';

/** Every container a test creates carries this label, with the value of its test run. */
export const TEST_RUN_LABEL = 'io.kubeboot.test-run';

/** The images scripts/build-images.sh builds. */
export const images = {
  busybox: 'kubeboot.local/busybox:1.35.0',
  pause: 'kubeboot.local/pause:3.10',
  etcd: 'kubeboot.local/etcd:3.4.23-0',
} as const;

let cachedEngine: Promise<Docker> | undefined;

/**
 * The Docker engine the tests use (DOCKER_HOST, else the default socket). E2E tests FAIL, never skip,
 * when there is none: a green run must mean the real engine was exercised.
 */
export function engine(): Promise<Docker> {
  cachedEngine ??= (async () => {
    const docker = new Docker();
    try {
      await docker.ping();
    } catch (err) {
      const where = process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
      throw new Error(
        `no Docker engine answers at ${where} (${(err as Error).message}). ` +
          'Run the tests with `npm test`, which starts one, or first: eval "$(scripts/docker-engine.sh up)" && scripts/build-images.sh',
      );
    }
    for (const image of Object.values(images)) {
      try {
        await docker.getImage(image).inspect();
      } catch {
        throw new Error(`the local image ${image} is missing: run scripts/build-images.sh`);
      }
    }
    return docker;
  })();
  return cachedEngine;
}

/** A label value unique to one test file's run, for creating and cleaning up its containers. */
export function newTestRun(): string {
  return `run-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** Removes every container of a test run, running or not. */
export async function removeTestContainers(run: string): Promise<number> {
  const docker = await engine();
  const found = await docker.listContainers({ all: true, filters: { label: [`${TEST_RUN_LABEL}=${run}`] } });
  await Promise.all(found.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true })));
  return found.length;
}

export async function listTestContainers(run: string): Promise<Docker.ContainerInfo[]> {
  const docker = await engine();
  return docker.listContainers({ all: true, filters: { label: [`${TEST_RUN_LABEL}=${run}`] } });
}

/** Polls `check` until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 15_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Removes every container a reconciler made for `node` (tests give each reconciler a unique node name). */
export async function removeNodeContainers(node: string): Promise<number> {
  const docker = await engine();
  const found = await docker.listContainers({ all: true, filters: { label: [`io.kubeboot.node=${node}`] } });
  await Promise.all(found.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined)));
  return found.length;
}

/** The pods the engine has for `node` (or every node), read the way kubeboot reads them. */
export async function listPods(docker: Docker, node?: string): Promise<Map<string, RuntimePod>> {
  return listDockerPods(dockerodeReads(() => docker), node ? { node } : {});
}

/** Runs a command in a container and returns what it printed (the engine's frame headers removed). */
export async function execIn(docker: Docker, id: string, cmd: string[]): Promise<string> {
  const exec = await docker.getContainer(id).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({});
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve) => {
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve());
  });
  return Buffer.concat(frames(Buffer.concat(chunks)).map((f) => f.data)).toString();
}
