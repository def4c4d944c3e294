import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { parseQuantity } from '../../util/quantity.js';
import { environment, mountsFor } from '../container-parts.js';
import { expand } from '../env-expansion.js';
import { labels } from '../labels.js';
import { containerLabels } from '../pod-labels.js';
import type { ContainerRequest, RuntimeContainer } from '../runtime.js';
import { processPath, type Binaries } from './binaries.js';
import type { ProcessRecord } from './records.js';

/** A container's ID: made from its name, which is unique on a node as Docker's names are. */
export function containerId(name: string): string {
  return createHash('sha256').update(name).digest('hex').slice(0, 32);
}

/**
 * The record of a container about to be made: its command line as Docker would run it (`command` and
 * `args` with $(VAR) expanded; no `command`: the image's binary with `args`), the environment an image
 * would give (PATH with the binary folder first, HOME, HOSTNAME) under the container's own, its volumes
 * and its limits.
 */
export async function newRecord(request: ContainerRequest, name: string, binaries: Binaries): Promise<ProcessRecord> {
  const { container } = request;
  const env = environment(request);
  const lookup = (key: string) => env.find(([k]) => k === key)?.[1];
  const command = container.command?.map((part) => expand(part, lookup));
  const args = (container.args ?? []).map((part) => expand(part, lookup));
  const argv = command && command.length > 0 ? [...command, ...args] : [binaries.path(container.image!), ...args];
  const { binds, tmpfs } = await mountsFor(request);
  const limits = container.resources?.limits ?? {};
  const memory = limits.memory !== undefined ? parseQuantity(limits.memory) : undefined;
  const cpu = limits.cpu !== undefined ? parseQuantity(limits.cpu) : undefined;
  return {
    id: containerId(name),
    name,
    image: container.image!,
    labels: containerLabels(request),
    created: Date.now(),
    state: 'created',
    launch: {
      argv,
      env: { PATH: processPath(binaries.dir), HOME: '/root', HOSTNAME: hostname(), ...Object.fromEntries(env) },
      workingDir: container.workingDir ?? '/',
      // The binaries are seen at their own path, also when their folder is on a mount of its own.
      binds: [{ source: binaries.dir, target: binaries.dir, readOnly: true }, ...binds],
      tmpfs,
      ...(memory !== undefined ? { memoryBytes: memory } : {}),
      ...(cpu !== undefined ? { cpuCores: cpu } : {}),
    },
  };
}

/** A record as the reconciler and `ps` see containers. */
export function runtimeContainer(record: ProcessRecord): RuntimeContainer {
  return {
    id: record.id,
    name: record.labels[labels.containerName] ?? '',
    dockerName: record.name,
    state: record.state,
    running: record.state === 'running',
    attempt: Number(/_(\d+)$/.exec(record.name)?.[1] ?? 0),
    restartCount: Number(record.labels[labels.restartCount] ?? 0),
    created: record.created,
    image: record.image,
    labels: record.labels,
    ...(record.exitCode !== undefined ? { exitCode: record.exitCode } : {}),
    ...(record.startedAt !== undefined ? { startedAt: record.startedAt } : {}),
    ...(record.finishedAt !== undefined ? { finishedAt: record.finishedAt } : {}),
    ...(record.oomKilled ? { oomKilled: true } : {}),
  };
}
