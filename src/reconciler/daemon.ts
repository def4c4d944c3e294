import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { parse } from 'yaml';
import { detectHost } from '../config/host.js';
import { parseGoDuration } from '../util/duration.js';
import { KubebootError, UsageError } from '../util/errors.js';
import { isRecord } from '../util/records.js';
import type { Logger } from '../util/log.js';
import { onHost } from '../util/rootfs.js';
import { DEFAULT_CRASH_BACKOFF, type BackoffSettings } from '../runtime/backoff.js';
import { connectRuntime } from '../runtime/connect.js';
import { watchEngineEvents } from '../runtime/event-watch.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import { labels } from '../runtime/labels.js';
import { statusNotesPath, StatusNotesWriter } from '../runtime/status-notes.js';
import { FileSource } from './file-source.js';
import { HttpSource } from './http-source.js';
import { startLocalServer } from './local-server.js';
import { MirrorManager } from './mirror-pods.js';
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
  /** The kubelet's --manifest-url, --manifest-url-header (`Name:value`), --http-check-frequency. */
  manifestUrl?: string;
  manifestUrlHeader?: string[];
  httpCheckFrequency?: string;
  /** Override the KubeletConfiguration's healthzPort / healthzBindAddress (the kubelet's flags). */
  healthzPort?: number;
  healthzBindAddress?: string;
  /** The kubelet's --kubeconfig: mirror pods and the Node on the API server (default /etc/kubernetes/kubelet.conf under --rootfs, when it exists). */
  kubeconfig?: string;
  log: Logger;
}

export const DEFAULT_SANDBOX_IMAGE = 'registry.k8s.io/pause:3.10.1';
export const DEFAULT_ROOT_DIR = '/var/lib/kubelet';
export const DEFAULT_HEALTHZ_PORT = 10248;
export const DEFAULT_KUBECONFIG = '/etc/kubernetes/kubelet.conf';
/** How often the engine's containers are listed again, whatever the events said (the kubelet's PLEG relists every second; events make that unneeded). */
const ENGINE_RELIST_MS = 10_000;

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
async function runningStaticPods(runtime: ContainerRuntime, node: string): Promise<StaticPod[]> {
  const pods: StaticPod[] = [];
  for (const pod of (await runtime.listPods({ node })).values()) {
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
/** The URL source's headers: the KubeletConfiguration's staticPodURLHeader, plus `Name:value` flags. */
function urlHeaders(config: Record<string, unknown>, flags: string[], file: string | undefined): Record<string, string[]> {
  const headers: Record<string, string[]> = {};
  const fromConfig = config.staticPodURLHeader;
  if (fromConfig !== undefined) {
    if (!isRecord(fromConfig) || !Object.values(fromConfig).every((v) => Array.isArray(v) && v.every((x) => typeof x === 'string'))) {
      throw new KubebootError(`${file}: staticPodURLHeader: expected a map of header names to lists of values, e.g. {Authorization: ["Bearer x"]}`);
    }
    for (const [name, values] of Object.entries(fromConfig)) headers[name] = [...(values as string[])];
  }
  for (const flag of flags) {
    const colon = flag.indexOf(':');
    if (colon <= 0) throw new UsageError(`--manifest-url-header: got ${JSON.stringify(flag)}, expected Name:value`);
    (headers[flag.slice(0, colon).trim()] ??= []).push(flag.slice(colon + 1).trim());
  }
  return headers;
}

/**
 * `kubeboot kubelet`: watches the manifest folder (and URL) and keeps this node's static pods running.
 * Returns a stop function; stopping leaves the pods running, as the kubelet does.
 */
export async function startDaemon(options: DaemonOptions): Promise<{ stop: () => Promise<void>; reconciler: Reconciler; node: string; healthzPort?: number }> {
  const config = await kubeletConfiguration(options.config);
  const manifestPath = options.podManifestPath ?? (typeof config.staticPodPath === 'string' ? config.staticPodPath : undefined);
  const manifestUrl = options.manifestUrl ?? (typeof config.staticPodURL === 'string' && config.staticPodURL !== '' ? config.staticPodURL : undefined);
  if (!manifestPath && !manifestUrl) {
    throw new KubebootError('no static pod source: give --pod-manifest-path or --manifest-url, or --config with a KubeletConfiguration that sets staticPodPath or staticPodURL');
  }
  if (manifestPath && !manifestPath.startsWith('/')) throw new KubebootError(`the manifest path must be absolute, got ${JSON.stringify(manifestPath)}`);
  if (manifestUrl && !/^https?:\/\//.test(manifestUrl)) throw new UsageError(`--manifest-url: got ${JSON.stringify(manifestUrl)}, expected an http:// or https:// URL`);
  const relistMs = durationField(config, 'fileCheckFrequency', options.config, 20_000);
  const httpPeriodMs = options.httpCheckFrequency !== undefined ? durationField({ f: options.httpCheckFrequency }, 'f', '--http-check-frequency', 20_000) : durationField(config, 'httpCheckFrequency', options.config, 20_000);
  const headers = urlHeaders(config, options.manifestUrlHeader ?? [], options.config);
  const backoff = backoffSettings(config, options.config);
  const healthzPort = options.healthzPort ?? (typeof config.healthzPort === 'number' ? config.healthzPort : DEFAULT_HEALTHZ_PORT);
  const healthzAddress = options.healthzBindAddress ?? (typeof config.healthzBindAddress === 'string' && config.healthzBindAddress !== '' ? config.healthzBindAddress : '127.0.0.1');
  const node = (options.hostnameOverride ?? hostname()).toLowerCase();
  const runtime = await connectRuntime(options.containerRuntimeEndpoint);
  const hostIP = (await detectHost()).defaultAddress ?? '127.0.0.1';
  const rootDir = options.rootDir ?? DEFAULT_ROOT_DIR;
  if (!rootDir.startsWith('/')) throw new KubebootError(`--root-dir: got ${JSON.stringify(rootDir)}, expected an absolute path`);
  const rootDirOnHost = onHost(options.rootfs, rootDir);
  const notes = new StatusNotesWriter(statusNotesPath(rootDirOnHost, node), node, (err) => options.log('warn', 'cannot write the status file', { error: err.message }));
  const reconciler = new Reconciler({
    runtime,
    node,
    ...(options.rootfs ? { rootfs: options.rootfs } : {}),
    rootDir: rootDirOnHost,
    hostIP,
    sandboxImage: options.podInfraContainerImage ?? DEFAULT_SANDBOX_IMAGE,
    log: options.log,
    backoff,
    notes,
  });

  let mirrors: MirrorManager | undefined;
  // The desired pods are the file pods, then the URL's pods whose names the files do not take.
  let filePods: Map<string, StaticPod> | undefined = manifestPath ? undefined : new Map();
  let urlPods = new Map<string, StaticPod>();
  let http: HttpSource | undefined;
  const merge = () => {
    if (!filePods) return; // the folder has not been read yet
    const desired = new Map(filePods);
    for (const [key, pod] of urlPods) {
      if (desired.has(key)) options.log('error', 'a pod from the URL has the name of a file pod: the file pod runs', { pod: key, url: manifestUrl, file: desired.get(key)!.source });
      else desired.set(key, pod);
    }
    void reconciler.update(desired, http && !http.ready && manifestUrl ? [manifestUrl] : []).then(() => mirrors?.kick());
  };
  const source = manifestPath
    ? new FileSource({
        path: onHost(options.rootfs, manifestPath),
        systemPath: manifestPath,
        nodeName: node,
        relistMs,
        log: options.log,
        onChange: (pods) => {
          filePods = pods;
          merge();
        },
      })
    : undefined;
  if (manifestUrl) {
    http = new HttpSource({ url: manifestUrl, headers, periodMs: httpPeriodMs, nodeName: node, log: options.log, onChange: (pods) => {
      urlPods = pods;
      merge();
    } });
  }
  source?.seed(await runningStaticPods(runtime, node));

  let local: Awaited<ReturnType<typeof startLocalServer>> | undefined;
  if (healthzPort > 0) {
    local = await startLocalServer({
      address: healthzAddress,
      port: healthzPort,
      health: () => reconciler.health(3 * ENGINE_RELIST_MS),
      pods: () => reconciler.podsWithStatus(),
    });
  }
  const kubeconfig = options.kubeconfig ?? onHost(options.rootfs, DEFAULT_KUBECONFIG);
  if (existsSync(kubeconfig)) {
    mirrors = new MirrorManager({ kubeconfig, node, hostIP, log: options.log, pods: () => reconciler.podsWithStatus() });
  } else if (options.kubeconfig) {
    throw new KubebootError(`--kubeconfig ${options.kubeconfig}: no such file`, { hint: 'Give the kubeconfig of this node (kubeboot init writes /etc/kubernetes/kubelet.conf), or leave --kubeconfig out to run without an API server.' });
  }
  options.log('info', 'kubeboot kubelet started', {
    node, manifests: manifestPath, url: manifestUrl, relist: `${relistMs}ms`, backoff: `${backoff.initialMs}ms..${backoff.maxMs}ms`, rootfs: options.rootfs,
    healthz: local ? `http://${healthzAddress.includes(':') ? `[${healthzAddress}]` : healthzAddress}:${local.port}/healthz` : 'off',
    mirrors: mirrors ? kubeconfig : 'off (no kubeconfig)',
  });
  mirrors?.start();
  source?.start();
  http?.start();
  if (!source) merge();
  // Deaths are seen from the engine's events at once; the engine relist is the safety net.
  const events = watchEngineEvents({
    runtime,
    node,
    log: options.log,
    onEvent: (event) => reconciler.containerEvent(event),
    onConnected: () => void reconciler.syncAll(),
  });
  const engineRelist = setInterval(() => void reconciler.syncAll(), ENGINE_RELIST_MS);
  return {
    stop: async () => {
      source?.stop();
      http?.stop();
      events.stop();
      clearInterval(engineRelist);
      reconciler.stop();
      mirrors?.stop();
      local?.server.close();
      await notes.close();
    },
    reconciler,
    node,
    ...(local ? { healthzPort: local.port } : {}),
  };
}
