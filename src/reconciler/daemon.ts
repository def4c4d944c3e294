import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import Docker from 'dockerode';
import { parse } from 'yaml';
import { detectHost } from '../config/host.js';
import { parseGoDuration } from '../util/duration.js';
import { KubebootError } from '../util/errors.js';
import type { Logger } from '../util/log.js';
import { onHost } from '../util/rootfs.js';
import { listPods } from '../runtime/docker-pods.js';
import { labels } from '../runtime/labels.js';
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
  log: Logger;
}

export const DEFAULT_SANDBOX_IMAGE = 'registry.k8s.io/pause:3.10.1';

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
export async function startDaemon(options: DaemonOptions): Promise<{ stop: () => void; reconciler: Reconciler; node: string }> {
  const config = await kubeletConfiguration(options.config);
  const manifestPath = options.podManifestPath ?? (typeof config.staticPodPath === 'string' ? config.staticPodPath : undefined);
  if (!manifestPath) {
    throw new KubebootError('no manifest folder: give --pod-manifest-path, or --config with a KubeletConfiguration that sets staticPodPath');
  }
  if (!manifestPath.startsWith('/')) throw new KubebootError(`the manifest path must be absolute, got ${JSON.stringify(manifestPath)}`);
  const relistMs = parseGoDuration(typeof config.fileCheckFrequency === 'string' ? config.fileCheckFrequency : '20s') || 20_000;
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
  const reconciler = new Reconciler({
    docker,
    node,
    ...(options.rootfs ? { rootfs: options.rootfs } : {}),
    hostIP,
    sandboxImage: options.podInfraContainerImage ?? DEFAULT_SANDBOX_IMAGE,
    log: options.log,
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
  options.log('info', 'kubeboot kubelet started', { node, manifests: manifestPath, relist: `${relistMs}ms`, rootfs: options.rootfs });
  source.start();
  return { stop: () => source.stop(), reconciler, node };
}
