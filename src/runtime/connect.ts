import { join } from 'node:path';
import { KUBELET_ROOT_DIR } from '../util/constants.js';
import { UsageError } from '../util/errors.js';
import type { Host } from '../util/host.js';
import { DockerRuntime } from './docker/docker-runtime.js';
import type { ContainerRuntime } from './runtime.js';

export const RUNTIME_KINDS = ['docker', 'process'] as const;
export type RuntimeKind = (typeof RUNTIME_KINDS)[number];

/** Which runtime, and where: the flags `--container-runtime`, `--container-runtime-endpoint`, `--process-bin-dir`. */
export interface RuntimeChoice {
  kind?: RuntimeKind;
  /** The Docker engine (`unix:///path`); default DOCKER_HOST, else /var/run/docker.sock. */
  endpoint?: string;
  /** The process runtime's binaries (a system path, under the host's --rootfs). */
  binDir?: string;
  /** The machine (under --rootfs), for the process runtime's folders. */
  host?: Host;
  /** The reconciler's --root-dir (a system path), where the process runtime keeps its state. */
  rootDir?: string;
}

/** Checks a --container-runtime value. */
export function runtimeKind(value: string | undefined, flag = '--container-runtime'): RuntimeKind | undefined {
  if (value === undefined) return undefined;
  if (!(RUNTIME_KINDS as readonly string[]).includes(value)) throw new UsageError(`${flag}: got ${JSON.stringify(value)}, expected one of ${RUNTIME_KINDS.join(', ')}`);
  return value as RuntimeKind;
}

/**
 * The runtime a choice names: the one place that picks an implementation. The process runtime is loaded
 * only when chosen: `ps` and `logs` on a Docker node need none of its modules.
 */
export async function containerRuntime(choice: RuntimeChoice = {}): Promise<ContainerRuntime> {
  if (choice.kind !== 'process') return new DockerRuntime(choice.endpoint);
  const [{ DEFAULT_PROCESS_BIN_DIR }, { PROCESS_STATE_DIR }, { ProcessRuntime }] = await Promise.all([
    import('./process/binaries.js'),
    import('./process/records.js'),
    import('./process/process-runtime.js'),
  ]);
  const onHost = (path: string) => (choice.host ? choice.host.path(path) : path);
  return new ProcessRuntime({
    binDir: onHost(choice.binDir ?? DEFAULT_PROCESS_BIN_DIR),
    stateDir: join(onHost(choice.rootDir ?? KUBELET_ROOT_DIR), PROCESS_STATE_DIR),
  });
}

/** The runtime, once it has answered; otherwise one error naming where it looked and what to do. */
export async function connectRuntime(choice: RuntimeChoice = {}): Promise<ContainerRuntime> {
  const runtime = await containerRuntime(choice);
  await runtime.connect();
  return runtime;
}
