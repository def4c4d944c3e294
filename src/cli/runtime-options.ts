import { Option, type Command } from 'commander';
import { readKubeletFlags } from '../config/kubelet-flags.js';
import { runtimeKind, type RuntimeChoice } from '../runtime/connect.js';
import { DEFAULT_PROCESS_BIN_DIR } from '../runtime/process/binaries.js';
import type { Host } from '../util/host.js';

export interface RuntimeFlags {
  containerRuntime?: string;
  containerRuntimeEndpoint?: string;
  processBinDir?: string;
}

/** --container-runtime, --container-runtime-endpoint and --process-bin-dir, as every command that reaches pods takes them. */
export function addRuntimeOptions(command: Command, defaultsFrom = 'the node\'s /var/lib/kubelet/kubeadm-flags.env, else docker'): Command {
  return command
    .addOption(new Option('--container-runtime <runtime>', `docker (a Docker engine) or process (host processes, no engine; default: ${defaultsFrom})`).choices(['docker', 'process']))
    .option('--container-runtime-endpoint <endpoint>', 'the Docker engine, unix:///path/docker.sock (default: DOCKER_HOST, else /var/run/docker.sock)')
    .option('--process-bin-dir <dir>', 'the process runtime\'s binaries: an image runs the binary named as its last path element (default: /usr/local/bin, under --rootfs)');
}

/**
 * The runtime the flags choose; without --container-runtime, the one init recorded for this node in
 * kubeadm-flags.env (under --rootfs), else Docker.
 */
export async function runtimeChoice(flags: RuntimeFlags, host: Host, rootDir?: string): Promise<RuntimeChoice> {
  const recorded = flags.containerRuntime ? {} : await readKubeletFlags(host);
  const kind = runtimeKind(flags.containerRuntime ?? recorded['container-runtime']) ?? 'docker';
  const endpoint = flags.containerRuntimeEndpoint ?? recorded['container-runtime-endpoint'];
  const binDir = flags.processBinDir ?? recorded['process-bin-dir'];
  return { kind, host, ...(endpoint ? { endpoint } : {}), ...(binDir ? { binDir } : {}), ...(rootDir ? { rootDir } : {}) };
}

/**
 * The runtime flags a node keeps (kubeadm-flags.env, the reconciler's command line): the ones given, as
 * `name → value`. Docker with its default endpoint keeps nothing.
 */
export function nodeRuntimeFlags(flags: RuntimeFlags): Record<string, string> {
  const kind = runtimeKind(flags.containerRuntime);
  if (kind === 'process') return { 'container-runtime': 'process', 'process-bin-dir': flags.processBinDir ?? DEFAULT_PROCESS_BIN_DIR };
  return flags.containerRuntimeEndpoint ? { 'container-runtime-endpoint': flags.containerRuntimeEndpoint } : {};
}
