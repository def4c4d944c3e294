import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import type { Host } from '../util/host.js';
import type { BackoffLabel } from './backoff.js';

/**
 * The seam between kubeboot and a container engine (the kubelet's `kubecontainer.Runtime`): the
 * reconciler, the phases and the CLI reach containers only through this interface. The Docker engine
 * implements it in `docker/docker-runtime.ts`; `test/support/fake-runtime.ts` implements it in memory.
 */
export interface ContainerRuntime {
  /** Where the engine is, for messages (`unix:///var/run/docker.sock`). */
  readonly endpoint: string;
  /** False when the runtime makes no sandboxes (the process runtime): the sandbox image is then never asked for. */
  readonly usesSandboxImage: boolean;
  /** Resolves when the engine answers; otherwise one error that names the endpoint and what to do. */
  connect(): Promise<void>;
  /** A line that names the engine and its version, for preflight. */
  describe(): Promise<string>;

  /** Every container of `query.node` (or of all nodes), grouped by pod UID. */
  listPods(query?: PodQuery): Promise<Map<string, RuntimePod>>;
  /** Creates and starts a pod's sandbox; returns its ID. A sandbox that could not start is removed. */
  runSandbox(request: SandboxRequest): Promise<string>;
  /** Creates and starts one container of a pod; after a crash between create and start, starts that one. */
  runContainer(request: ContainerRequest): Promise<string>;
  /** Starts a container that was created and never started. */
  startContainer(id: string): Promise<void>;
  /** Sends the stop signal, and SIGKILL after `timeoutSeconds`; a container already gone is no error. */
  stopContainer(id: string, timeoutSeconds: number): Promise<void>;
  /** Removes a container (and its anonymous volumes), killing it first if it runs; one already gone is no error. */
  removeContainer(id: string): Promise<void>;
  /** The address of the pod whose sandbox this is, when it has its own network. */
  podAddress(sandboxId: string): Promise<string | undefined>;
  /** Runs a command in a running container: ok when it exits 0 within the timeout. */
  exec(id: string, command: string[], timeoutMs: number): Promise<ExecResult>;
  /** Writes a container's log to `out` (following it until it ends, with `follow`). */
  containerLogs(id: string, options: LogOptions, out: LogOutput): Promise<void>;
  /** Opens the engine's stream of container events for one node; `onClose` is called when it drops. */
  openEvents(node: string, onEvent: (event: RuntimeEvent) => void, onClose: (reason: string) => void): Promise<{ close: () => void }>;

  imagePresent(image: string): Promise<boolean>;
  /** Pulls an image, reporting progress lines; a failure says how to bring the image in without a registry. */
  pullImage(image: string, progress?: (line: string) => void): Promise<void>;
  /** Writes images to one tar file in the engine's save format. */
  saveImages(images: string[], file: string): Promise<void>;
  /** Loads a tar file of images; returns what the engine said it loaded. */
  loadImages(file: string): Promise<string[]>;
}

export interface PodQuery {
  node?: string;
  /** More `label=value` filters. */
  labels?: string[];
  /**
   * Containers the event stream reported dead: inspected whatever the engine's list says, since the list
   * lags behind the events (dockerd 20.10 still lists a container as running when its `die` arrives).
   */
  reportedDead?: ReadonlySet<string>;
}

export interface RuntimeContainer {
  id: string;
  /** The pod's container name, or `POD` for the sandbox. */
  name: string;
  /** The engine's name for it: `k8s_<container>_<pod>_<namespace>_<uid>_<attempt>`. */
  dockerName: string;
  state: string;
  running: boolean;
  attempt: number;
  restartCount: number;
  created: number;
  image: string;
  labels: Record<string, string>;
  /** For a container that has stopped: how it ended. */
  exitCode?: number;
  startedAt?: number;
  finishedAt?: number;
  oomKilled?: boolean;
}

export interface RuntimePod {
  uid: string;
  name: string;
  namespace: string;
  source: string;
  containers: RuntimeContainer[];
}

/** A pod as a runtime needs it: its identity, its origin and its (defaulted) spec. */
export interface PodDescription {
  /** `<namespace>/<name>`. */
  key: string;
  uid: string;
  /** A file path (system path) or a URL. */
  source: string;
  pod: Pod;
}

export interface SandboxRequest {
  pod: PodDescription;
  node: string;
  image: string;
  attempt: number;
  /** The reconciler's status file, recorded in a label for `kubeboot ps`. */
  statusFile?: string;
}

export interface ContainerRequest {
  pod: PodDescription;
  container: Container;
  node: string;
  /** The machine (under --rootfs) that hostPath volumes are resolved on, confined to it. */
  host: Host;
  /** The reconciler's state folder on this machine (the kubelet's --root-dir, under --rootfs). */
  rootDir: string;
  /** This node's address, for status.hostIP. */
  hostIP: string;
  /** The pod's address: the node's for hostNetwork pods, else the sandbox's. */
  podIP: string;
  /** The sandbox to join; undefined for hostNetwork pods. */
  sandboxId?: string;
  attempt: number;
  restartCount: number;
  backoff: BackoffLabel;
  statusFile?: string;
}

export interface RuntimeEvent {
  action: string;
  id: string;
  labels: Record<string, string>;
}

export interface ExecResult {
  ok: boolean;
  message: string;
}

export interface LogOptions {
  follow?: boolean;
  tail?: number;
  timestamps?: boolean;
}

export interface LogOutput {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}
