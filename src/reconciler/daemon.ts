import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import Docker from 'dockerode';
import { parse } from 'yaml';
import { detectHost } from '../config/host.js';
import { parseGoDuration } from '../util/duration.js';
import { KubebootError } from '../util/errors.js';
import type { Logger } from '../util/log.js';
import { onHost } from '../util/rootfs.js';
import { DEFAULT_CRASH_BACKOFF, type BackoffSettings } from '../runtime/backoff.js';
import { listPods } from '../runtime/docker-pods.js';
import { watchEngineEvents } from '../runtime/engine-events.js';
import { labels } from '../runtime/labels.js';
import { statusNotesPath, StatusNotesWriter } from '../runtime/status-notes.js';
import { FileSource } from './file-source.js';
import type { StaticPod } from './static-pod.js';
import { Reconciler } from './reconciler.js';

export interface DaemonOptions {
  /** A KubeletConfiguration file (staticPodPath, fileCheckFrequency, ...), as the kubelet's --config. */
  config?: string;
  podManifestPath?: string;
  hostnameOverride?: string;
  rootfs?: string;
  containerRuntimeEndpoint?: string;
  podInfraContainerImage?: string;
  /** The kubelet's --root-dir (default /var/lib/kubelet), under --rootfs. */
  rootDir?: string;
  log: Logger;
}

export const DEFAULT_SANDBOX_IMAGE = 'registry.k8s.io/pause:3.10.1';
export const DEFAULT_ROOT_DIR = '/var/lib/kubelet';
/** How often the engine's containers are listed again, whatever the events said (the kubelet's PLEG relists every second; events make that unneeded). */
const ENGINE_RELIST_MS = 10_000;

/** A Docker client for `unix:///path` (the kubelet's --container-runtime-endpoint), else DOCKER_HOST. */
export function dockerClient(endpoint?: string): Docker {
  if (!endpoint) return new Docker();
  if (!endpoint.startsWith('unix://')) throw new KubebootError(`--container-runtime-endpoint: got ${JSON.stringify(endpoint)}, expected unix:///path/to/docker.sock`);
  return new Docker({ socketPath: endpoint.slice('unix://'.length) });
}

async function kubeletConfiguration(file: string | undefined): Promise<Record<string, unknown>> {
  if (!file) return {};
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new KubebootError(`${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const value = parse(text) as unknown;
  if (typeof value !== 'object' || value === null || (value as { kind?: unknown }).kind !== 'KubeletConfiguration') {
    throw new KubebootError(`${file}: expected a KubeletConfiguration document (kind: KubeletConfiguration)`);
  }
  return value as Record<string, unknown>;
}

/** A duration field of the KubeletConfiguration (`a.b`), in ms; a wrong value names the file and the field. */
function durationField(config: Record<string, unknown>, path: string, file: string | undefined, fallback: number): number {
  let value: unknown = config;
  for (const part of path.split('.')) value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[part] : undefined;
  if (value === undefined) return fallback;
  const ms = typeof value === 'string' ? parseGoDuration(value) : undefined;
  if (ms === undefined || ms <= 0) throw new KubebootError(`${file}: ${path}: got ${JSON.stringify(value)}, expected a positive duration such as "10s" or "5m0s"`);
  return ms;
}

/**
 * The crash-loop back-off: kubelet 1.32+'s crashLoopBackOff.maxContainerRestartPeriod, and kubeboot's
 * own crashLoopBackOff.initialContainerRestartPeriod (the kubelet's is fixed at 10 s); the initial period
 * is clamped to the maximum, as the kubelet does.
 */
function backoffSettings(config: Record<string, unknown>, file: string | undefined): BackoffSettings {
  const maxMs = durationField(config, 'crashLoopBackOff.maxContainerRestartPeriod', file, DEFAULT_CRASH_BACKOFF.maxMs);
  const initialMs = durationField(config, 'crashLoopBackOff.initialContainerRestartPeriod', file, DEFAULT_CRASH_BACKOFF.initialMs);
  return { initialMs: Math.min(initialMs, maxMs), maxMs };
}

/** The file pods this node already runs, as their containers recorded them. */
async function runningStaticPods(docker: Docker, node: string): Promise<StaticPod[]> {
  const pods: StaticPod[] = [];
  for (const pod of (await listPods(docker, node)).values()) {
    const spec = pod.containers.find((c) => c.running && c.labels[labels.podSpec])?.labels[labels.podSpec];
    if (!spec) continue;
    try {
      const parsed = JSON.parse(spec) as StaticPod['pod'];
      pods.push({ key: `${pod.namespace}/${pod.name}`, uid: pod.uid, source: pod.source, sourceKind: 'file', pod: parsed });
    } catch {
      // a label we cannot read: the pod is handled as unknown (stopped if no manifest wants it)
    }
  }
  return pods;
}

/**
 * `kubeboot kubelet`: watches the manifest folder and keeps this node's static pods running. Returns
 * a stop function; stopping leaves the pods running, as the kubelet does.
 */
export async function startDaemon(options: DaemonOptions): Promise<{ stop: () => Promise<void>; reconciler: Reconciler; node: string }> {
  const config = await kubeletConfiguration(options.config);
  const manifestPath = options.podManifestPath ?? (typeof config.staticPodPath === 'string' ? config.staticPodPath : undefined);
  if (!manifestPath) {
    throw new KubebootError('no manifest folder: give --pod-manifest-path, or --config with a KubeletConfiguration that sets staticPodPath');
  }
  if (!manifestPath.startsWith('/')) throw new KubebootError(`the manifest path must be absolute, got ${JSON.stringify(manifestPath)}`);
  const relistMs = durationField(config, 'fileCheckFrequency', options.config, 20_000);
  const backoff = backoffSettings(config, options.config);
  const node = (options.hostnameOverride ?? hostname()).toLowerCase();
  const docker = dockerClient(options.containerRuntimeEndpoint);
  try {
    await docker.ping();
  } catch (err) {
    throw new KubebootError(`no container engine answers at ${options.containerRuntimeEndpoint ?? process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock'} (${(err as Error).message})`, {
      hint: 'Start Docker, or point --container-runtime-endpoint (or DOCKER_HOST) at its socket.',
    });
  }
  const hostIP = (await detectHost()).defaultAddress ?? '127.0.0.1';
  const rootDir = options.rootDir ?? DEFAULT_ROOT_DIR;
  if (!rootDir.startsWith('/')) throw new KubebootError(`--root-dir: got ${JSON.stringify(rootDir)}, expected an absolute path`);
  const rootDirOnHost = onHost(options.rootfs, rootDir);
  const notes = new StatusNotesWriter(statusNotesPath(rootDirOnHost, node), node, (err) => options.log('warn', 'cannot write the status file', { error: err.message }));
  const reconciler = new Reconciler({
    docker,
    node,
    ...(options.rootfs ? { rootfs: options.rootfs } : {}),
    rootDir: rootDirOnHost,
    hostIP,
    sandboxImage: options.podInfraContainerImage ?? DEFAULT_SANDBOX_IMAGE,
    log: options.log,
    backoff,
    notes,
  });
  const source = new FileSource({
    path: onHost(options.rootfs, manifestPath),
    systemPath: manifestPath,
    nodeName: node,
    relistMs,
    log: options.log,
    onChange: (pods) => void reconciler.update(pods),
  });
  source.seed(await runningStaticPods(docker, node));
  options.log('info', 'kubeboot kubelet started', { node, manifests: manifestPath, relist: `${relistMs}ms`, backoff: `${backoff.initialMs}ms..${backoff.maxMs}ms`, rootfs: options.rootfs });
  source.start();
  // Deaths are seen from the engine's events at once; the engine relist is the safety net.
  const events = watchEngineEvents({
    docker,
    node,
    log: options.log,
    onEvent: (event) => reconciler.containerEvent(event),
    onConnected: () => void reconciler.syncAll(),
  });
  const engineRelist = setInterval(() => void reconciler.syncAll(), ENGINE_RELIST_MS);
  return {
    stop: async () => {
      source.stop();
      events.stop();
      clearInterval(engineRelist);
      reconciler.stop();
      await notes.close();
    },
    reconciler,
    node,
  };
}
