import { containerName, labels, SANDBOX_CONTAINER } from '../../src/runtime/labels.js';
import { containerLabels, sandboxLabels } from '../../src/runtime/pod-labels.js';
import type {
  ContainerRequest,
  ContainerRuntime,
  ExecResult,
  LogOptions,
  LogOutput,
  PodQuery,
  RuntimeContainer,
  RuntimeEvent,
  RuntimePod,
  SandboxRequest,
} from '../../src/runtime/runtime.js';

interface FakeContainer {
  id: string;
  name: string;
  image: string;
  labels: Record<string, string>;
  state: 'created' | 'running' | 'exited';
  created: number;
  startedAt?: number;
  finishedAt?: number;
  exitCode?: number;
}

/**
 * An in-memory container runtime (the kubelet's FakeRuntime idea): containers are records with the
 * labels the real runtimes write, so the reconciler's own logic (adoption, back-off from labels,
 * planning) runs unchanged. `calls` records every change asked for; `kill` plays a container's death.
 */
export class FakeRuntime implements ContainerRuntime {
  readonly endpoint = 'fake://';
  readonly usesSandboxImage = true;
  readonly containers = new Map<string, FakeContainer>();
  readonly images = new Set<string>();
  /** Every call that changes something, in order: `run <name>`, `start <name>`, `stop <name>`, `remove <name>`. */
  readonly calls: string[] = [];
  /** What `exec` answers (probes and preStop hooks). */
  execResult: ExecResult = { ok: true, message: '' };
  private nextId = 1;
  private readonly listeners = new Set<{ node: string; onEvent: (event: RuntimeEvent) => void }>();

  constructor(images: string[] = []) {
    for (const image of images) this.images.add(image);
  }

  async connect(): Promise<void> {}

  async describe(): Promise<string> {
    return 'fake runtime';
  }

  async listPods(query: PodQuery = {}): Promise<Map<string, RuntimePod>> {
    const pods = new Map<string, RuntimePod>();
    for (const c of this.containers.values()) {
      if (query.node && c.labels[labels.node] !== query.node) continue;
      if (!(query.labels ?? []).every((filter) => this.matches(c, filter))) continue;
      const uid = c.labels[labels.podUid]!;
      const pod = pods.get(uid) ?? { uid, name: c.labels[labels.podName] ?? '', namespace: c.labels[labels.podNamespace] ?? '', source: c.labels[labels.source] ?? '', containers: [] };
      pod.containers.push(this.view(c));
      pods.set(uid, pod);
    }
    return pods;
  }

  async runSandbox(request: SandboxRequest): Promise<string> {
    const meta = request.pod.pod.metadata!;
    return this.run(containerName(SANDBOX_CONTAINER, meta.name!, meta.namespace!, request.pod.uid, request.attempt), request.image, sandboxLabels(request));
  }

  async runContainer(request: ContainerRequest): Promise<string> {
    const meta = request.pod.pod.metadata!;
    return this.run(containerName(request.container.name, meta.name!, meta.namespace!, request.pod.uid, request.attempt), request.container.image!, containerLabels(request));
  }

  async startContainer(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (!c || c.state === 'running') return;
    this.calls.push(`start ${c.name}`);
    Object.assign(c, { state: 'running', startedAt: Date.now() });
  }

  async stopContainer(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (!c || c.state !== 'running') return;
    this.calls.push(`stop ${c.name}`);
    Object.assign(c, { state: 'exited', exitCode: 143, finishedAt: Date.now() });
  }

  async removeContainer(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (!c) return;
    this.calls.push(`remove ${c.name}`);
    this.containers.delete(id);
  }

  async podAddress(sandboxId: string): Promise<string | undefined> {
    return this.containers.has(sandboxId) ? '10.88.0.2' : undefined;
  }

  async exec(): Promise<ExecResult> {
    return this.execResult;
  }

  async containerLogs(_id: string, _options: LogOptions, _out: LogOutput): Promise<void> {}

  async openEvents(node: string, onEvent: (event: RuntimeEvent) => void): Promise<{ close: () => void }> {
    const listener = { node, onEvent };
    this.listeners.add(listener);
    return { close: () => this.listeners.delete(listener) };
  }

  async imagePresent(image: string): Promise<boolean> {
    return this.images.has(image);
  }

  async pullImage(image: string): Promise<void> {
    throw new Error(`no registry here: ${image}`);
  }

  async saveImages(): Promise<void> {}

  async loadImages(): Promise<string[]> {
    return [];
  }

  /** A container ends by itself (a crash, or an OOM kill): its state changes and a `die` event goes out. */
  kill(id: string, exitCode = 1): void {
    const c = this.containers.get(id)!;
    Object.assign(c, { state: 'exited', exitCode, finishedAt: Date.now() });
    for (const listener of this.listeners) if (listener.node === c.labels[labels.node]) listener.onEvent({ action: 'die', id, labels: c.labels });
  }

  /** The running containers, by engine name. */
  running(): string[] {
    return [...this.containers.values()].filter((c) => c.state === 'running').map((c) => c.name).sort();
  }

  private run(name: string, image: string, containerLabels: Record<string, string>): string {
    const existing = [...this.containers.values()].find((c) => c.name === name);
    if (existing) {
      // As the engine answers 409 for a name in use: the runtime starts that one if it never ran.
      if (existing.state === 'created') Object.assign(existing, { state: 'running', startedAt: Date.now() });
      return existing.id;
    }
    if (!this.images.has(image)) throw new Error(`No such image: ${image}`);
    const id = `fake${String(this.nextId++).padStart(12, '0')}`;
    this.calls.push(`run ${name}`);
    this.containers.set(id, { id, name, image, labels: containerLabels, state: 'running', created: Date.now(), startedAt: Date.now() });
    return id;
  }

  private matches(c: FakeContainer, filter: string): boolean {
    const eq = filter.indexOf('=');
    return eq < 0 ? filter in c.labels : c.labels[filter.slice(0, eq)] === filter.slice(eq + 1);
  }

  private view(c: FakeContainer): RuntimeContainer {
    return {
      id: c.id,
      name: c.labels[labels.type] === 'podsandbox' ? SANDBOX_CONTAINER : (c.labels[labels.containerName] ?? ''),
      dockerName: c.name,
      state: c.state,
      running: c.state === 'running',
      attempt: Number(/_(\d+)$/.exec(c.name)?.[1] ?? 0),
      restartCount: Number(c.labels[labels.restartCount] ?? 0),
      created: c.created,
      image: c.image,
      labels: c.labels,
      ...(c.exitCode !== undefined ? { exitCode: c.exitCode } : {}),
      ...(c.startedAt !== undefined ? { startedAt: c.startedAt } : {}),
      ...(c.finishedAt !== undefined ? { finishedAt: c.finishedAt } : {}),
    };
  }
}
