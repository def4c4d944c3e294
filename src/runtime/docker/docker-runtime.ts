import type Docker from 'dockerode';
import { KubebootError } from '../../util/errors.js';
import type { ContainerRequest, ContainerRuntime, ExecResult, LogOptions, LogOutput, PodQuery, RuntimeEvent, RuntimePod, SandboxRequest } from '../runtime.js';
import { labels } from '../labels.js';
import { execIn } from './exec.js';
import { imagePresent, loadImages, pullImage, saveImages } from './images.js';
import { dockerode } from './dockerode.js';
import { dockerodeReads, socketReads, type ContainerReads } from './container-reads.js';
import { EngineReads, socketOf } from './engine-reads.js';
import { listPods } from './list-pods.js';
import { demux } from './stream-frames.js';

function isStatus(err: unknown, code: number): boolean {
  return (err as { statusCode?: number }).statusCode === code;
}

/** Ignores the engine's answers that mean "already so": 304 (already stopped or started) and 404 (gone). */
const unlessAlready = (...codes: number[]) => (err: unknown) => (codes.some((code) => isStatus(err, code)) ? undefined : Promise.reject(err));

/** What only creating containers needs (env expansion, pod folders, quantities): loaded on first use, so that `ps` and `logs` start faster. */
const creating = () => import('./create-options.js');

/** The Docker engine behind the runtime interface (dockerode over its unix socket). */
export class DockerRuntime implements ContainerRuntime {
  readonly endpoint: string;
  readonly usesSandboxImage = true;
  private client: Docker | undefined;
  /** The read calls without dockerode (engine-reads.ts), when the engine is a unix socket. */
  private readonly reads: ContainerReads;

  /** `endpoint`: the kubelet's --container-runtime-endpoint (`unix:///path`); default DOCKER_HOST, else the standard socket. */
  constructor(private readonly endpointFlag?: string) {
    if (endpointFlag !== undefined && !endpointFlag.startsWith('unix://')) {
      throw new KubebootError(`--container-runtime-endpoint: got ${JSON.stringify(endpointFlag)}, expected unix:///path/to/docker.sock`);
    }
    this.endpoint = endpointFlag ?? process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
    const socket = socketOf(endpointFlag);
    this.reads = socket ? socketReads(new EngineReads(socket)) : dockerodeReads(() => this.docker);
  }

  /** dockerode, loaded and made on first use (see engine-reads.ts for why not before). */
  private get docker(): Docker {
    if (!this.client) {
      const Dockerode = dockerode();
      this.client = this.endpointFlag ? new Dockerode({ socketPath: this.endpointFlag.slice('unix://'.length) }) : new Dockerode();
    }
    return this.client;
  }

  async connect(): Promise<void> {
    try {
      await this.reads.ping();
    } catch (err) {
      throw new KubebootError(`no container engine answers at ${this.endpoint} (${(err as Error).message})`, {
        hint: 'Start Docker, or point --container-runtime-endpoint (or DOCKER_HOST) at its socket.',
      });
    }
  }

  async describe(): Promise<string> {
    const version = await this.docker.version();
    if (!version.Version) throw new Error('the container engine answered without a version');
    return `Docker engine ${version.Version} (API ${version.ApiVersion}) at ${this.endpoint}`;
  }

  listPods(query?: PodQuery): Promise<Map<string, RuntimePod>> {
    return listPods(this.reads, query);
  }

  async runSandbox(request: SandboxRequest): Promise<string> {
    const options = (await creating()).sandboxCreateOptions(request);
    try {
      return await this.createAndStart(options);
    } catch (err) {
      // A sandbox that was created but could not start is removed now: the next try makes a new one.
      await this.docker.getContainer(options.name!).remove({ force: true }).catch(() => undefined);
      throw err;
    }
  }

  async runContainer(request: ContainerRequest): Promise<string> {
    return this.createAndStart(await (await creating()).containerCreateOptions(request));
  }

  async startContainer(id: string): Promise<void> {
    await this.docker.getContainer(id).start().catch(unlessAlready(304));
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    await this.docker.getContainer(id).stop({ t: timeoutSeconds }).catch(unlessAlready(304, 404));
  }

  async removeContainer(id: string): Promise<void> {
    await this.docker.getContainer(id).remove({ force: true, v: true }).catch(unlessAlready(404, 409));
  }

  async podAddress(sandboxId: string): Promise<string | undefined> {
    const inspected = await this.docker.getContainer(sandboxId).inspect().catch(() => undefined);
    return Object.values(inspected?.NetworkSettings.Networks ?? {}).find((n) => n.IPAddress)?.IPAddress || undefined;
  }

  exec(id: string, command: string[], timeoutMs: number): Promise<ExecResult> {
    return execIn(this.docker, id, command, timeoutMs);
  }

  async containerLogs(id: string, options: LogOptions, out: LogOutput): Promise<void> {
    const common = { stdout: true, stderr: true, timestamps: options.timestamps === true, ...(options.tail !== undefined && options.tail >= 0 ? { tail: options.tail } : {}) };
    if (!options.follow) {
      demux(await this.reads.logs(id, common), out.stdout, out.stderr);
      return;
    }
    const stream = await this.docker.getContainer(id).logs({ ...common, follow: true });
    this.docker.modem.demuxStream(stream, out.stdout, out.stderr);
    await new Promise<void>((resolve) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
    });
  }

  async openEvents(node: string, onEvent: (event: RuntimeEvent) => void, onClose: (reason: string) => void): Promise<{ close: () => void }> {
    const events = (await this.docker.getEvents({
      filters: { type: ['container'], label: [`${labels.node}=${node}`], event: ['die', 'start', 'destroy', 'oom'] },
    })) as NodeJS.ReadableStream;
    let buffer = '';
    events.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline).trim();
        buffer = buffer.slice(newline + 1);
        if (!line) continue;
        try {
          const event = JSON.parse(line) as { Action?: string; status?: string; id?: string; Actor?: { ID?: string; Attributes?: Record<string, string> } };
          onEvent({ action: event.Action ?? event.status ?? '', id: event.Actor?.ID ?? event.id ?? '', labels: event.Actor?.Attributes ?? {} });
        } catch {
          // not an event line: ignore
        }
      }
    });
    events.on('end', () => onClose('the stream ended'));
    events.on('close', () => onClose('the stream closed'));
    events.on('error', (err: Error) => onClose(err.message));
    return { close: () => (events as unknown as { destroy?: () => void }).destroy?.() };
  }

  imagePresent(image: string): Promise<boolean> {
    return imagePresent(this.docker, image);
  }

  pullImage(image: string, progress?: (line: string) => void): Promise<void> {
    return pullImage(this.docker, image, progress);
  }

  saveImages(images: string[], file: string): Promise<void> {
    return saveImages(this.docker, images, file);
  }

  loadImages(file: string): Promise<string[]> {
    return loadImages(this.docker, file);
  }

  /** Creates and starts a container; after a crash between create and start, finds and starts that one instead. */
  private async createAndStart(options: Docker.ContainerCreateOptions): Promise<string> {
    let container: Docker.Container;
    try {
      container = await this.docker.createContainer(options);
    } catch (err) {
      // The deterministic name exists: a previous run created it. Use it rather than duplicate it, and
      // start it only if it never ran: starting an exited container would run it a second time.
      if (!isStatus(err, 409)) throw err;
      container = this.docker.getContainer(options.name!);
      if ((await container.inspect()).State.Status !== 'created') return container.id;
    }
    await container.start().catch(unlessAlready(304));
    return container.id;
  }
}
