import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { detectHost } from '../config/host.js';
import { loadKubeletConfigFile } from '../config/kubelet-config.js';
import { formatProblem } from '../config/problems.js';
import { connectRuntime, runtimeKind } from '../runtime/connect.js';
import { watchEngineEvents } from '../runtime/event-watch.js';
import { labels } from '../runtime/labels.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import { statusNotesPath, StatusNotesWriter } from '../runtime/status-notes.js';
import { DEFAULT_SANDBOX_IMAGE, KUBELET_KUBECONFIG, KUBELET_ROOT_DIR } from '../util/constants.js';
import { parseGoDuration } from '../util/duration.js';
import { KubebootError, UsageError } from '../util/errors.js';
import { Host } from '../util/host.js';
import type { Logger } from '../util/log.js';
import { DesiredPods, urlHeaders } from './desired-pods.js';
import { FileSource } from './file-source.js';
import { HttpSource } from './http-source.js';
import { startLocalServer } from './local-server.js';
import { MirrorManager } from './mirror-pods.js';
import { Reconciler } from './reconciler.js';
import type { StaticPod } from './static-pod.js';

export interface DaemonOptions {
  /** A KubeletConfiguration file (staticPodPath, fileCheckFrequency, ...), as the kubelet's --config. */
  config?: string;
  podManifestPath?: string;
  hostnameOverride?: string;
  rootfs?: string;
  /** --container-runtime: docker (default) or process; --process-bin-dir for the latter. */
  containerRuntime?: string;
  containerRuntimeEndpoint?: string;
  processBinDir?: string;
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

export interface Daemon {
  stop: () => Promise<void>;
  reconciler: Reconciler;
  node: string;
  healthzPort?: number;
}

/**
 * How often the engine's containers are listed again, whatever the events said: a safety net only. The
 * kubelet's PLEG relists every second; here the event stream reports each change at once, a lost stream
 * is relisted as soon as it is back, and each pod's worker wakes itself for back-off ends. 60 s (it was
 * 10 s: a fifth of the reconciler's idle CPU with the four control-plane pods, `npm run bench`).
 */
const ENGINE_RELIST_MS = 60_000;

/** The file pods this node already runs, as their containers recorded them: the folder source starts from them. */
async function runningStaticPods(runtime: ContainerRuntime, node: string): Promise<StaticPod[]> {
  const pods: StaticPod[] = [];
  for (const pod of (await runtime.listPods({ node })).values()) {
    const spec = pod.containers.find((c) => c.running && c.labels[labels.podSpec])?.labels[labels.podSpec];
    if (!spec) continue;
    try {
      pods.push({ key: `${pod.namespace}/${pod.name}`, uid: pod.uid, source: pod.source, sourceKind: 'file', pod: JSON.parse(spec) as StaticPod['pod'] });
    } catch {
      // a label we cannot read: the pod is handled as unknown (stopped if no manifest wants it)
    }
  }
  return pods;
}

/** The daemon's parts, stopped in the reverse order of their start — also when the start fails half-way. */
class Parts {
  private readonly stops: Array<() => void | Promise<void>> = [];

  add(stop: () => void | Promise<void>): void {
    this.stops.push(stop);
  }

  async stopAll(): Promise<void> {
    while (this.stops.length > 0) await this.stops.pop()!();
  }
}

/**
 * `kubeboot kubelet`: watches the manifest folder (and URL) and keeps this node's static pods running.
 * Returns a stop function; stopping leaves the pods running, as the kubelet does.
 */
export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const { log } = options;
  const { config: settings, warnings } = await loadKubeletConfigFile(options.config);
  for (const warning of warnings) log('warn', formatProblem(warning));
  const manifestPath = options.podManifestPath ?? settings.staticPodPath;
  const manifestUrl = options.manifestUrl ?? settings.staticPodURL;
  if (!manifestPath && !manifestUrl) {
    throw new UsageError('no static pod source: give --pod-manifest-path or --manifest-url, or --config with a KubeletConfiguration that sets staticPodPath or staticPodURL');
  }
  if (manifestPath && !manifestPath.startsWith('/')) throw new UsageError(`--pod-manifest-path: got ${JSON.stringify(manifestPath)}, expected an absolute path`);
  if (manifestUrl && !/^https?:\/\//.test(manifestUrl)) throw new UsageError(`--manifest-url: got ${JSON.stringify(manifestUrl)}, expected an http:// or https:// URL`);
  let httpPeriodMs = settings.httpCheckFrequencyMs;
  if (options.httpCheckFrequency !== undefined) {
    httpPeriodMs = parseGoDuration(options.httpCheckFrequency) ?? 0;
    if (!(httpPeriodMs > 0)) throw new UsageError(`--http-check-frequency: got ${JSON.stringify(options.httpCheckFrequency)}, expected a positive duration such as "20s"`);
  }
  const headers = urlHeaders(settings.staticPodURLHeader, options.manifestUrlHeader ?? [], (flag) => new UsageError(`--manifest-url-header: got ${JSON.stringify(flag)}, expected Name:value`));
  const healthzPort = options.healthzPort ?? settings.healthzPort;
  const healthzAddress = options.healthzBindAddress ?? settings.healthzBindAddress;
  const rootDir = options.rootDir ?? KUBELET_ROOT_DIR;
  if (!rootDir.startsWith('/')) throw new UsageError(`--root-dir: got ${JSON.stringify(rootDir)}, expected an absolute path`);
  const node = (options.hostnameOverride ?? hostname()).toLowerCase();
  const host = await Host.open(options.rootfs);
  const kubeconfig = options.kubeconfig ?? host.path(KUBELET_KUBECONFIG);
  if (options.kubeconfig && !existsSync(options.kubeconfig)) {
    throw new KubebootError(`--kubeconfig ${options.kubeconfig}: no such file`, { hint: 'Give the kubeconfig of this node (kubeboot init writes /etc/kubernetes/kubelet.conf), or leave --kubeconfig out to run without an API server.' });
  }
  const kind = runtimeKind(options.containerRuntime);
  const runtime = await connectRuntime({
    host,
    rootDir,
    ...(kind ? { kind } : {}),
    ...(options.containerRuntimeEndpoint ? { endpoint: options.containerRuntimeEndpoint } : {}),
    ...(options.processBinDir ? { binDir: options.processBinDir } : {}),
  });
  const hostIP = (await detectHost()).defaultAddress ?? '127.0.0.1';

  const parts = new Parts();
  let mirrors: MirrorManager | undefined;
  try {
    const notes = new StatusNotesWriter(statusNotesPath(host.path(rootDir), node), node, (err) => log('warn', 'cannot write the status file', { error: err.message }));
    await notes.removeLeftovers();
    parts.add(() => notes.close());
    const reconciler = new Reconciler({
      runtime,
      node,
      host,
      rootDir: host.path(rootDir),
      hostIP,
      sandboxImage: options.podInfraContainerImage ?? DEFAULT_SANDBOX_IMAGE,
      log,
      backoff: settings.backoff,
      notes,
      onStatusChange: () => mirrors?.kick(500),
    });
    parts.add(() => reconciler.stop());

    mirrors = existsSync(kubeconfig) ? new MirrorManager({ kubeconfig, node, hostIP, log, pods: () => reconciler.podsWithStatus() }) : undefined;
    let http: HttpSource | undefined;
    const desired = new DesiredPods({
      hasFolder: manifestPath !== undefined,
      ...(manifestUrl ? { url: manifestUrl } : {}),
      log,
      urlReady: () => http?.ready ?? true,
      onChange: (pods, unready) => void reconciler.update(pods, unready).then(() => mirrors?.kick()),
    });
    const files = manifestPath
      ? new FileSource({ path: host.path(manifestPath), systemPath: manifestPath, nodeName: node, relistMs: settings.fileCheckFrequencyMs, log, onChange: (pods) => desired.setFilePods(pods), onBurst: () => reconciler.prefetch() })
      : undefined;
    if (manifestUrl) http = new HttpSource({ url: manifestUrl, headers, periodMs: httpPeriodMs, nodeName: node, log, onChange: (pods) => desired.setUrlPods(pods) });
    files?.seed(await runningStaticPods(runtime, node));

    const local = healthzPort > 0 ? await startLocalServer({ address: healthzAddress, port: healthzPort, health: () => reconciler.health(3 * ENGINE_RELIST_MS), pods: () => reconciler.podsWithStatus() }) : undefined;
    if (local) parts.add(() => new Promise<void>((resolve) => local.server.close(() => resolve())));
    log('info', 'kubeboot kubelet started', {
      node, manifests: manifestPath, url: manifestUrl, relist: `${settings.fileCheckFrequencyMs}ms`, backoff: `${settings.backoff.initialMs}ms..${settings.backoff.maxMs}ms`, rootfs: host.rootfs,
      healthz: local ? `http://${healthzAddress.includes(':') ? `[${healthzAddress}]` : healthzAddress}:${local.port}/healthz` : 'off',
      mirrors: mirrors ? kubeconfig : 'off (no kubeconfig)',
    });
    mirrors?.start();
    parts.add(() => mirrors?.stop());
    files?.start();
    parts.add(() => files?.stop());
    http?.start();
    parts.add(() => http?.stop());
    if (!files) desired.merge();
    // Deaths are seen from the engine's events at once; the engine relist is the safety net.
    const events = watchEngineEvents({ runtime, node, log, onEvent: (event) => reconciler.containerEvent(event), onConnected: () => void reconciler.syncAll() });
    parts.add(() => events.stop());
    const engineRelist = setInterval(() => void reconciler.syncAll(), ENGINE_RELIST_MS);
    parts.add(() => clearInterval(engineRelist));
    return { stop: () => parts.stopAll(), reconciler, node, ...(local ? { healthzPort: local.port } : {}) };
  } catch (err) {
    await parts.stopAll();
    throw err;
  }
}
