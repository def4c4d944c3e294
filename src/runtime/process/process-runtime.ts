import { constants as fsConstants } from 'node:fs';
import { access, appendFile } from 'node:fs/promises';
import { constants as osConstants } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ResultPromise } from 'execa';
import { KubebootError } from '../../util/errors.js';
import { ImageNeverPullError } from '../image-policy.js';
import { containerName, labels } from '../labels.js';
import type { ContainerRequest, ContainerRuntime, ExecResult, LogOptions, LogOutput, PodQuery, RuntimeEvent, RuntimePod, SandboxRequest } from '../runtime.js';
import { Binaries } from './binaries.js';
import { makeCgroups, oomKilled, removeCgroups } from './cgroups.js';
import { containerId, newRecord, runtimeContainer } from './container-record.js';
import { execInProcess, launcherArgs, spawnProcess, writeLauncher, type HostTools } from './launch.js';
import { writeLogFile } from './log-file.js';
import { processStartTime, ProcessRecords, stillRunning, type ProcessRecord } from './records.js';

/** How often processes this reconciler did not start (found running after a restart) are looked at. */
const ADOPTED_POLL_MS = 1000;
/** How long a SIGKILLed process group is waited for. */
const KILL_WAIT_MS = 5000;

export interface ProcessRuntimeOptions {
  /** The binary folder on this machine (under --rootfs already). */
  binDir: string;
  /** The state folder on this machine: the reconciler's --root-dir under --rootfs, plus kubeboot-processes. */
  stateDir: string;
}

/**
 * Static pods as supervised host processes, for machines without a container engine (k0s runs its
 * control plane this way). An image stands for a binary of the binary folder; each container is a process
 * group in a mount namespace of its own (see launch.ts), its state a file (records.ts) so that processes
 * outlive the reconciler and a new one adopts them. Pods must use the host's network: there is no sandbox.
 */
export class ProcessRuntime implements ContainerRuntime {
  readonly endpoint: string;
  readonly usesSandboxImage = false;
  private readonly records: ProcessRecords;
  private readonly binaries: Binaries;
  private tools: HostTools | undefined;
  private launcher: Promise<string> | undefined;
  /** The processes this runtime started: their exit is seen as it happens. */
  private readonly children = new Map<string, ResultPromise>();
  /** Running processes found, not started by this runtime: polled for their end. */
  private readonly adopted = new Map<string, ProcessRecord>();
  private readonly listeners = new Set<(event: RuntimeEvent) => void>();
  private poll: NodeJS.Timeout | undefined;
  /** One change of a record at a time (a start and the exit that follows it at once). */
  private readonly queue = new Map<string, Promise<unknown>>();

  constructor(options: ProcessRuntimeOptions) {
    this.binaries = new Binaries(options.binDir);
    this.records = new ProcessRecords(options.stateDir);
    this.endpoint = `process://${options.binDir}`;
  }

  async connect(): Promise<void> {
    if (process.getuid?.() !== 0) throw new KubebootError('the process runtime needs root: each container gets a mount namespace of its own', { hint: 'Run kubeboot as root, or use the Docker runtime.' });
    const find = async (name: string) => {
      for (const dir of ['/usr/bin', '/bin', '/usr/sbin', '/sbin']) {
        const path = join(dir, name);
        if (await access(path, fsConstants.X_OK).then(() => true, () => false)) return path;
      }
      throw new KubebootError(`the process runtime needs ${name}, which is not on this machine`, { hint: 'Install util-linux and coreutils (Debian: apt-get install util-linux coreutils).' });
    };
    const [unshare, nsenter, chroot] = await Promise.all([find('unshare'), find('nsenter'), find('chroot')]);
    this.tools = { unshare, nsenter, chroot };
  }

  async describe(): Promise<string> {
    return `process runtime: binaries from ${this.binaries.dir}, state in ${this.records.dir}`;
  }

  async listPods(query: PodQuery = {}): Promise<Map<string, RuntimePod>> {
    const wanted = [...(query.node ? [`${labels.node}=${query.node}`] : [labels.node]), ...(query.labels ?? [])];
    const matches = (l: Record<string, string>) => wanted.every((w) => (w.includes('=') ? l[w.slice(0, w.indexOf('='))] === w.slice(w.indexOf('=') + 1) : w in l));
    const pods = new Map<string, RuntimePod>();
    for (let record of await this.records.all()) {
      if (!matches(record.labels)) continue;
      if (record.state === 'running' && !this.children.has(record.id)) {
        if (await stillRunning(record)) this.adopted.set(record.id, record);
        else record = (await this.serial(record.id, () => this.ended(record.id))) ?? record;
      }
      const l = record.labels;
      const uid = l[labels.podUid]!;
      const pod = pods.get(uid) ?? { uid, name: l[labels.podName] ?? '', namespace: l[labels.podNamespace] ?? '', source: l[labels.source] ?? '', containers: [] };
      pod.containers.push(runtimeContainer(record));
      pods.set(uid, pod);
    }
    return pods;
  }

  async runSandbox(request: SandboxRequest): Promise<string> {
    throw new Error(`the process runtime runs only pods with spec.hostNetwork: true; pod ${request.pod.key} has a network of its own, which needs a container engine`);
  }

  async runContainer(request: ContainerRequest): Promise<string> {
    const meta = request.pod.pod.metadata!;
    const name = containerName(request.container.name, meta.name!, meta.namespace!, request.pod.uid, request.attempt);
    // The name is the container's identity (its ID is made from it): one made by a reconciler that died
    // before starting it is started, not duplicated.
    const existing = await this.records.read(containerId(name));
    if (existing) {
      if (existing.state === 'created') await this.startContainer(existing.id);
      return existing.id;
    }
    const record = await newRecord(request, name, this.binaries);
    await this.records.create(record);
    await this.startContainer(record.id);
    return record.id;
  }

  async startContainer(id: string): Promise<void> {
    await this.serial(id, async () => {
      const record = await this.records.read(id);
      if (!record || record.state !== 'created') return;
      const { cgroups, problem } = await makeCgroups(id, { ...(record.launch.memoryBytes !== undefined ? { memoryBytes: record.launch.memoryBytes } : {}), ...(record.launch.cpuCores !== undefined ? { cpuCores: record.launch.cpuCores } : {}) });
      if (problem) await appendFile(this.records.logFile(id), `kubeboot: ${problem}\n`);
      record.cgroupDirs = cgroups.dirs;
      const args = launcherArgs(record, this.records.containerDir(id), this.records.exitFile(id), cgroups.procFiles);
      this.launcher ??= writeLauncher(this.records.dir);
      const { child } = await spawnProcess(this.connected(), await this.launcher, args, record.launch.env, this.records.logFile(id));
      const pid = child.pid;
      if (pid === undefined) throw new Error(`could not start ${record.launch.argv[0]}: ${(await child).message ?? 'no process'}`);
      this.children.set(id, child);
      record.pid = pid;
      const start = await processStartTime(pid);
      if (start !== undefined) record.pidStart = start;
      record.state = 'running';
      record.startedAt = Date.now();
      await this.records.write(record);
      // A failure here (the folder removed under it) must not take the reconciler down: the next list sees the end.
      void child.then((result) => this.serial(id, () => this.ended(id, signalCode(result.signal) ?? result.exitCode))).catch(() => undefined);
      this.emit('start', record);
    });
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    const record = await this.records.read(id);
    if (!record || record.state !== 'running' || !(await this.alive(record))) return;
    signalGroup(record.pid!, 'SIGTERM');
    if (await this.waitGone(record, timeoutSeconds * 1000)) return;
    await this.kill(record);
  }

  async removeContainer(id: string): Promise<void> {
    // A start queued before this runs first (its launcher would be making folders in what is removed).
    await this.serial(id, async () => undefined);
    const record = await this.records.read(id);
    if (!record) return;
    if (record.state === 'running' && (await this.alive(record))) await this.kill(record);
    // The launcher writes the exit file as it ends: the folder goes once it has (a full bench run lost a
    // race with it: ENOTEMPTY). Bounded: a launcher that will not end is not waited for forever.
    const child = this.children.get(id);
    if (child) await Promise.race([child.then(() => undefined, () => undefined), sleep(KILL_WAIT_MS)]);
    // After the exit is recorded (queued before this), never beside it.
    await this.serial(id, async () => {
      await this.ended(id);
      await removeCgroups(record.cgroupDirs ?? []);
      await this.records.remove(id);
      this.adopted.delete(id);
    });
    this.emit('destroy', record);
  }

  async podAddress(): Promise<string | undefined> {
    return undefined;
  }

  async exec(id: string, command: string[], timeoutMs: number): Promise<ExecResult> {
    const record = await this.records.read(id);
    if (!record || record.state !== 'running' || !(await this.alive(record))) return { ok: false, message: 'container is not running' };
    return execInProcess(this.connected(), record, join(this.records.containerDir(id), 'root', 'merged'), command, timeoutMs);
  }

  async containerLogs(id: string, options: LogOptions, out: LogOutput): Promise<void> {
    if (options.timestamps) throw new KubebootError('--timestamps: the process runtime keeps a process\'s output without the time of each line', { hint: 'Leave --timestamps out.' });
    await writeLogFile(this.records.logFile(id), options, out, async () => {
      const record = await this.records.read(id);
      return record?.state === 'running' && (await this.alive(record));
    });
  }

  async openEvents(node: string, onEvent: (event: RuntimeEvent) => void): Promise<{ close: () => void }> {
    const listener = (event: RuntimeEvent) => {
      if (event.labels[labels.node] === node) onEvent(event);
    };
    this.listeners.add(listener);
    this.poll ??= setInterval(() => void this.pollAdopted(), ADOPTED_POLL_MS).unref();
    return {
      close: () => {
        this.listeners.delete(listener);
        if (this.listeners.size === 0) {
          clearInterval(this.poll);
          this.poll = undefined;
        }
      },
    };
  }

  async imagePresent(image: string): Promise<boolean> {
    return (await this.binaries.check(image)).ok;
  }

  async pullImage(image: string): Promise<void> {
    const check = await this.binaries.check(image);
    if (!check.ok) throw new MissingBinaryError(check.reason, `Put the binary in ${this.binaries.dir} (or point --process-bin-dir at the folder that has it).`);
  }

  async saveImages(): Promise<void> {
    throw new KubebootError('images save: the process runtime has no images, only the binaries of its folder', { hint: `Copy ${this.binaries.dir} instead.` });
  }

  async loadImages(): Promise<string[]> {
    throw new KubebootError('images load: the process runtime has no images, only the binaries of its folder', { hint: `Copy the binaries into ${this.binaries.dir} instead.` });
  }

  private connected(): HostTools {
    if (!this.tools) throw new Error('the process runtime was used before connect()');
    return this.tools;
  }

  /** Records how a process ended (its launcher's exit-code file, else what its parent saw) and reports it. */
  private async ended(id: string, seenCode?: number): Promise<ProcessRecord | undefined> {
    const child = this.children.delete(id);
    const adopted = this.adopted.delete(id);
    const watched = child || adopted;
    const record = await this.records.read(id);
    if (!record) return record;
    if (record.state !== 'running') {
      // Another lister (`kubeboot ps`) saw the end first and recorded it: this one must still report it.
      if (watched && record.state === 'exited') this.emit('die', record);
      return record;
    }
    const ending = await this.records.ending(id);
    record.state = 'exited';
    // Without the file, the launcher itself was killed: only SIGKILL does that (it traps the others).
    record.exitCode = ending.exitCode ?? seenCode ?? 137;
    record.finishedAt = ending.finishedAt ?? Date.now();
    if (await oomKilled(record.cgroupDirs ?? [])) record.oomKilled = true;
    await this.records.write(record);
    this.emit('die', record);
    return record;
  }

  private async alive(record: ProcessRecord): Promise<boolean> {
    return this.children.has(record.id) || (await stillRunning(record));
  }

  private async waitGone(record: ProcessRecord, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!(await this.alive(record))) return true;
      await sleep(20);
    }
    return !(await this.alive(record));
  }

  private async kill(record: ProcessRecord): Promise<void> {
    await this.serial(record.id, async () => {
      const current = await this.records.read(record.id);
      if (current?.state === 'running') await this.records.write({ ...current, killed: true });
    });
    signalGroup(record.pid!, 'SIGKILL');
    await this.waitGone(record, KILL_WAIT_MS);
    if (!this.children.has(record.id)) await this.serial(record.id, () => this.ended(record.id));
  }

  private async pollAdopted(): Promise<void> {
    for (const record of [...this.adopted.values()]) {
      if (!(await stillRunning(record))) await this.serial(record.id, () => this.ended(record.id)).catch(() => undefined);
    }
  }

  private emit(action: string, record: ProcessRecord): void {
    for (const listener of this.listeners) listener({ action, id: record.id, labels: record.labels });
  }

  private serial<T>(id: string, work: () => Promise<T>): Promise<T> {
    const next = (this.queue.get(id) ?? Promise.resolve()).then(work, work);
    const settled = next.catch(() => undefined);
    this.queue.set(id, settled);
    void settled.then(() => {
      if (this.queue.get(id) === settled) this.queue.delete(id);
    });
    return next;
  }
}

/** A binary that is missing or of another version: the pod shows ErrImageNeverPull, with what to do. */
export class MissingBinaryError extends ImageNeverPullError {
  constructor(message: string, readonly hint: string) {
    super(message);
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

function signalCode(signal: string | undefined): number | undefined {
  const number = signal ? osConstants.signals[signal as NodeJS.Signals] : undefined;
  return number === undefined ? undefined : 128 + number;
}
