import type { Container, Probe } from 'kubernetes-types/core/v1.js';
import { httpGetHandler, resolvePort, tcpHandler, type HandlerResult, type KeptConnections } from '../runtime/handlers.js';
import { KeptHttpConnection } from '../runtime/kept-http.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import type { Logger } from '../util/log.js';

type ProbeKind = 'startup' | 'liveness' | 'readiness';

export interface ProbeTarget {
  podKey: string;
  podUid: string;
  containerId: string;
  spec: Container;
  /** Where httpGet and tcpSocket probes go when they name no host: the pod's address (the node's for hostNetwork pods). */
  podIP: string;
}

export interface ProbeManagerOptions {
  runtime: ContainerRuntime;
  log: Logger;
  /** A container's started/ready state changed. */
  onState: (target: ProbeTarget, state: { started: boolean; ready: boolean }) => void;
  /** A liveness or startup probe failed past its threshold: the container is to be killed and restarted. */
  onKill: (target: ProbeTarget, reason: string, graceSeconds: number | undefined) => void;
}

/**
 * The connections one container's HTTP probes keep. The kubelet opens one per probe; here a TLS
 * handshake each second (the API server's readiness probe) would cost 5.7 ms of CPU against 0.8 ms on a
 * kept connection (client and server, one process, this project's machine) — the idle target is 0.5 %
 * of a core. Closed the moment the container is to be stopped, so no graceful shutdown waits for one.
 */
class ProbeConnections implements KeptConnections {
  private readonly kept = new Map<string, KeptHttpConnection>();

  for(https: boolean, host: string, port: number): KeptHttpConnection {
    const key = `${https}|${host}|${port}`;
    let connection = this.kept.get(key);
    if (!connection) this.kept.set(key, (connection = new KeptHttpConnection(https, host, port)));
    return connection;
  }

  drop(): void {
    for (const connection of this.kept.values()) connection.close();
    this.kept.clear();
  }
}

/** Runs one probe action once (HTTP on the kept connections given, else on a connection of its own). */
export async function runProbe(runtime: ContainerRuntime, probe: Probe, target: ProbeTarget, timeoutMs: number, connections?: ProbeConnections): Promise<HandlerResult> {
  if (probe.exec?.command) return runtime.exec(target.containerId, probe.exec.command, timeoutMs);
  if (probe.httpGet) {
    const port = resolvePort(probe.httpGet.port, target.spec);
    if (port === undefined) return { ok: false, message: `no port named ${JSON.stringify(probe.httpGet.port)} in the container` };
    return httpGetHandler(probe.httpGet, target.podIP, port, timeoutMs, connections);
  }
  if (probe.tcpSocket) {
    const port = resolvePort(probe.tcpSocket.port, target.spec);
    if (port === undefined) return { ok: false, message: `no port named ${JSON.stringify(probe.tcpSocket.port)} in the container` };
    return tcpHandler(probe.tcpSocket.host || target.podIP, port, timeoutMs);
  }
  if (probe.grpc) return tcpHandler(target.podIP, probe.grpc.port, timeoutMs).then((r) => (r.ok ? { ok: true, message: 'grpc port open (kubeboot checks the port only)' } : r));
  return { ok: true, message: 'no action' };
}

/** The probes of one running container: the startup probe gates the others, as in the kubelet. */
class ContainerProber {
  private started: boolean;
  private ready: boolean;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly connections = new ProbeConnections();
  private stopped = false;

  constructor(private readonly target: ProbeTarget, private readonly options: ProbeManagerOptions) {
    this.started = !target.spec.startupProbe;
    this.ready = this.started && !target.spec.readinessProbe;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  get state(): { started: boolean; ready: boolean } {
    return { started: this.started, ready: this.ready };
  }

  start(): void {
    this.options.onState(this.target, this.state);
    if (this.target.spec.startupProbe) this.loop('startup', this.target.spec.startupProbe);
    else this.afterStartup();
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.connections.drop();
  }

  private afterStartup(): void {
    if (this.target.spec.livenessProbe) this.loop('liveness', this.target.spec.livenessProbe);
    if (this.target.spec.readinessProbe) this.loop('readiness', this.target.spec.readinessProbe);
  }

  private later(ms: number, fn: () => void): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.stopped) fn();
    }, ms);
    this.timers.add(timer);
  }

  private setState(started: boolean, ready: boolean): void {
    if (started === this.started && ready === this.ready) return;
    this.started = started;
    this.ready = ready;
    this.options.onState(this.target, this.state);
  }

  private loop(kind: ProbeKind, probe: Probe): void {
    const periodMs = (probe.periodSeconds ?? 10) * 1000;
    const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
    const successThreshold = kind === 'readiness' ? (probe.successThreshold ?? 1) : 1;
    const failureThreshold = probe.failureThreshold ?? 3;
    let successes = 0;
    let failures = 0;
    const tick = async () => {
      const result = await runProbe(this.options.runtime, probe, this.target, timeoutMs, this.connections).catch((err: Error) => ({ ok: false, message: err.message }));
      if (this.stopped) return;
      if (result.ok) {
        successes++;
        failures = 0;
      } else {
        failures++;
        successes = 0;
      }
      const fields = { pod: this.target.podKey, container: this.target.spec.name, probe: kind };
      if (kind === 'startup') {
        if (successes >= 1) {
          this.setState(true, !this.target.spec.readinessProbe);
          this.options.log('info', 'startup probe succeeded', fields);
          this.afterStartup();
          return; // a startup probe stops once it has succeeded
        }
        if (failures >= failureThreshold) {
          this.options.log('warn', 'startup probe failed: the container will be restarted', { ...fields, problem: result.message });
          this.stop(); // no probe connection may hold up its stop
          this.options.onKill(this.target, `failed startup probe: ${result.message}`, probe.terminationGracePeriodSeconds);
          return;
        }
      } else if (kind === 'liveness') {
        if (failures >= failureThreshold) {
          this.options.log('warn', 'liveness probe failed: the container will be restarted', { ...fields, problem: result.message });
          this.stop(); // no probe connection may hold up its stop
          this.options.onKill(this.target, `failed liveness probe: ${result.message}`, probe.terminationGracePeriodSeconds);
          return;
        }
      } else if (successes >= successThreshold && !this.ready) {
        this.setState(this.started, true);
        this.options.log('info', 'container is ready', fields);
      } else if (failures >= failureThreshold && this.ready) {
        this.setState(this.started, false);
        this.options.log('warn', 'readiness probe failed: the container is not ready', { ...fields, problem: result.message });
      }
      this.later(periodMs, () => void tick());
    };
    this.later((probe.initialDelaySeconds ?? 0) * 1000, () => void tick());
  }
}

/** Probes for every running container of this node's pods, started and stopped as containers come and go. */
export class ProbeManager {
  private readonly probers = new Map<string, { prober: ContainerProber; podUid: string }>();

  constructor(private readonly options: ProbeManagerOptions) {}

  /** Makes the probed containers of one pod exactly `targets` (its running containers). */
  syncPod(podUid: string, targets: ProbeTarget[]): void {
    const wanted = new Set(targets.map((t) => t.containerId));
    for (const [id, entry] of this.probers) {
      if (entry.podUid === podUid && !wanted.has(id)) {
        entry.prober.stop();
        this.probers.delete(id);
      }
    }
    for (const target of targets) {
      // A prober stopped by its own kill, whose container still runs (the stop failed): probed anew.
      if (this.probers.get(target.containerId)?.prober.isStopped === false) continue;
      const prober = new ContainerProber(target, this.options);
      this.probers.set(target.containerId, { prober, podUid });
      prober.start();
    }
  }

  forgetPod(podUid: string): void {
    this.syncPod(podUid, []);
  }

  state(containerId: string): { started: boolean; ready: boolean } | undefined {
    return this.probers.get(containerId)?.prober.state;
  }

  stopAll(): void {
    for (const { prober } of this.probers.values()) prober.stop();
    this.probers.clear();
  }
}
