import { mkdir, open, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type Docker from 'dockerode';
import type { Container, EnvVar, Pod, Volume } from 'kubernetes-types/core/v1.js';
import type { StaticPod } from '../reconciler/static-pod.js';
import { onHost } from '../util/rootfs.js';
import { parseQuantity } from '../util/quantity.js';
import { encodeBackoff, type BackoffLabel } from './backoff.js';
import { expand } from './env-expansion.js';
import { containerName, labels, SANDBOX_CONTAINER } from './labels.js';

export interface PodContext {
  node: string;
  rootfs?: string;
  /** The reconciler's state folder on this machine (the kubelet's --root-dir, under --rootfs). */
  rootDir: string;
  /** The address of this node, for status.hostIP. */
  hostIP: string;
  /** The pod's address: the node's for hostNetwork pods, else the sandbox's. */
  podIP: string;
  /** The sandbox to join; undefined for hostNetwork pods. */
  sandboxId?: string;
  attempt: number;
  restartCount: number;
  backoff: BackoffLabel;
  /** The reconciler's status file (host path), recorded for `kubeboot ps`. */
  statusFile?: string;
}

/** A pod's folder under the root dir, as the kubelet lays it out; removed with the pod. */
export function podDir(rootDir: string, uid: string): string {
  return join(rootDir, 'pods', uid);
}

/** Where a pod's emptyDir volumes live. */
export function emptyDirPath(rootDir: string, uid: string, volume: string): string {
  return join(podDir(rootDir, uid), 'volumes', 'kubernetes.io~empty-dir', volume);
}

/** The labels every container of a pod carries. */
export function podLabels(staticPod: StaticPod, node: string, statusFile?: string): Record<string, string> {
  const meta = staticPod.pod.metadata!;
  return {
    ...(statusFile ? { [labels.statusFile]: statusFile } : {}),
    [labels.podName]: meta.name!,
    [labels.podNamespace]: meta.namespace!,
    [labels.podUid]: staticPod.uid,
    [labels.node]: node,
    [labels.source]: staticPod.source,
    [labels.terminationGracePeriod]: String(staticPod.pod.spec?.terminationGracePeriodSeconds ?? 30),
  };
}

/**
 * Checks and prepares a hostPath volume as the kubelet does for its `type`
 * (pkg/volume/hostpath): *OrCreate creates, the others must already be of that kind.
 */
async function prepareHostPath(path: string, type: string | undefined, name: string): Promise<void> {
  const info = await stat(path).catch(() => undefined);
  const fail = (what: string) => {
    throw new Error(`volume ${JSON.stringify(name)}: hostPath ${path} ${what}`);
  };
  switch (type ?? '') {
    case 'DirectoryOrCreate':
      if (!info) await mkdir(path, { recursive: true, mode: 0o755 });
      else if (!info.isDirectory()) fail('exists but is not a directory');
      return;
    case 'FileOrCreate':
      if (!info) {
        await mkdir(dirname(path), { recursive: true });
        await (await open(path, 'a', 0o644)).close();
      } else if (!info.isFile()) fail('exists but is not a file');
      return;
    case 'Directory':
      if (!info?.isDirectory()) fail('is not a directory (type Directory)');
      return;
    case 'File':
      if (!info?.isFile()) fail('is not a file (type File)');
      return;
    case 'Socket':
      if (!info?.isSocket()) fail('is not a socket');
      return;
    case 'CharDevice':
      if (!info?.isCharacterDevice()) fail('is not a character device');
      return;
    case 'BlockDevice':
      if (!info?.isBlockDevice()) fail('is not a block device');
      return;
    default:
      return;
  }
}

/** Binds and tmpfs mounts for one container; creates what hostPath types and emptyDirs need. */
async function mountsFor(staticPod: StaticPod, container: Container, context: PodContext): Promise<{ binds: string[]; tmpfs: Record<string, string> }> {
  const volumes = new Map<string, Volume>((staticPod.pod.spec?.volumes ?? []).map((v) => [v.name, v]));
  const binds: string[] = [];
  const tmpfs: Record<string, string> = {};
  for (const mount of container.volumeMounts ?? []) {
    const volume = volumes.get(mount.name)!;
    const mode = mount.readOnly ? 'ro' : 'rw';
    if (volume.hostPath) {
      const source = onHost(context.rootfs, volume.hostPath.path);
      await prepareHostPath(source, volume.hostPath.type, volume.name);
      binds.push(`${mount.subPath ? join(source, mount.subPath) : source}:${mount.mountPath}:${mode}`);
    } else if (volume.emptyDir) {
      if (volume.emptyDir.medium === 'Memory') {
        tmpfs[mount.mountPath] = `${mode}${volume.emptyDir.sizeLimit ? `,size=${Math.floor(parseQuantity(volume.emptyDir.sizeLimit) ?? 0)}` : ''}`;
      } else {
        const source = emptyDirPath(context.rootDir, staticPod.uid, volume.name);
        const path = mount.subPath ? join(source, mount.subPath) : source;
        await mkdir(path, { recursive: true, mode: 0o777 });
        binds.push(`${path}:${mount.mountPath}:${mode}`);
      }
    }
  }
  return { binds, tmpfs };
}

/** env with `value` (expanded against the variables before it) and the fieldRefs the kubelet offers. */
function environment(pod: Pod, container: Container, context: PodContext): Array<[string, string]> {
  const field: Record<string, string> = {
    'metadata.name': pod.metadata!.name!,
    'metadata.namespace': pod.metadata!.namespace!,
    'metadata.uid': pod.metadata!.uid!,
    'spec.nodeName': context.node,
    'spec.serviceAccountName': pod.spec?.serviceAccountName ?? '',
    'status.hostIP': context.hostIP,
    'status.podIP': context.podIP,
  };
  const values = new Map<string, string>();
  for (const env of container.env ?? ([] as EnvVar[])) {
    let value = '';
    if (env.valueFrom?.fieldRef) value = field[env.valueFrom.fieldRef.fieldPath] ?? '';
    else if (env.value !== undefined) value = expand(env.value, (name) => values.get(name));
    values.set(env.name, value);
  }
  return [...values];
}

/** Docker's create options for one container of a static pod, as the dockershim made them. */
export async function containerCreateOptions(staticPod: StaticPod, container: Container, context: PodContext): Promise<Docker.ContainerCreateOptions> {
  const { pod } = staticPod;
  const spec = pod.spec!;
  const meta = pod.metadata!;
  const env = environment(pod, container, context);
  const lookup = (name: string) => env.find(([key]) => key === name)?.[1];
  const { binds, tmpfs } = await mountsFor(staticPod, container, context);
  const security = container.securityContext ?? {};
  const podSecurity = spec.securityContext ?? {};
  const runAsUser = security.runAsUser ?? podSecurity.runAsUser;
  const runAsGroup = security.runAsGroup ?? podSecurity.runAsGroup;
  const seccomp = security.seccompProfile?.type ?? podSecurity.seccompProfile?.type;
  const limits = container.resources?.limits ?? {};
  const memory = limits.memory !== undefined ? parseQuantity(limits.memory) : undefined;
  const cpu = limits.cpu !== undefined ? parseQuantity(limits.cpu) : undefined;
  const hostNetwork = spec.hostNetwork === true;
  return {
    name: containerName(container.name, meta.name!, meta.namespace!, staticPod.uid, context.attempt),
    Image: container.image!,
    ...(container.command ? { Entrypoint: container.command.map((part) => expand(part, lookup)) } : {}),
    ...(container.args ? { Cmd: container.args.map((part) => expand(part, lookup)) } : {}),
    Env: env.map(([name, value]) => `${name}=${value}`),
    ...(container.workingDir ? { WorkingDir: container.workingDir } : {}),
    ...(runAsUser !== undefined ? { User: runAsGroup !== undefined ? `${runAsUser}:${runAsGroup}` : String(runAsUser) } : {}),
    Labels: {
      ...podLabels(staticPod, context.node, context.statusFile),
      [labels.containerName]: container.name,
      [labels.type]: 'container',
      [labels.restartCount]: String(context.restartCount),
      [labels.backoff]: encodeBackoff(context.backoff),
      [labels.podSpec]: JSON.stringify(pod),
    },
    HostConfig: {
      // docker-init as PID 1 forwards SIGTERM: a `sleep` as PID 1 would ignore it.
      Init: true,
      NetworkMode: hostNetwork ? 'host' : `container:${context.sandboxId}`,
      ...(hostNetwork || !context.sandboxId ? {} : { IpcMode: `container:${context.sandboxId}` }),
      ...(spec.hostIPC ? { IpcMode: 'host' } : {}),
      ...(spec.hostPID ? { PidMode: 'host' } : {}),
      Binds: binds,
      ...(Object.keys(tmpfs).length > 0 ? { Tmpfs: tmpfs } : {}),
      Privileged: security.privileged === true,
      ...(security.capabilities?.add ? { CapAdd: security.capabilities.add } : {}),
      ...(security.capabilities?.drop ? { CapDrop: security.capabilities.drop } : {}),
      ReadonlyRootfs: security.readOnlyRootFilesystem === true,
      ...(seccomp === 'Unconfined' ? { SecurityOpt: ['seccomp=unconfined'] } : {}),
      ...(memory !== undefined ? { Memory: Math.floor(memory) } : {}),
      ...(cpu !== undefined ? { NanoCpus: Math.floor(cpu * 1e9) } : {}),
      RestartPolicy: { Name: 'no' },
    },
  };
}

/** The sandbox of a pod that is not hostNetwork: holds its network and IPC namespaces and its host ports. */
export function sandboxCreateOptions(staticPod: StaticPod, node: string, image: string, attempt: number, statusFile?: string): Docker.ContainerCreateOptions {
  const meta = staticPod.pod.metadata!;
  const ports: Record<string, object> = {};
  const bindings: Record<string, Array<{ HostPort: string; HostIp?: string }>> = {};
  for (const container of staticPod.pod.spec?.containers ?? []) {
    for (const port of container.ports ?? []) {
      if (!port.hostPort) continue;
      const key = `${port.containerPort}/${(port.protocol ?? 'TCP').toLowerCase()}`;
      ports[key] = {};
      (bindings[key] ??= []).push({ HostPort: String(port.hostPort), ...(port.hostIP ? { HostIp: port.hostIP } : {}) });
    }
  }
  return {
    name: containerName(SANDBOX_CONTAINER, meta.name!, meta.namespace!, staticPod.uid, attempt),
    Image: image,
    // The pod's own labels first: they must never override the ones that decide ownership.
    Labels: { ...(meta.labels ?? {}), ...podLabels(staticPod, node, statusFile), [labels.type]: 'podsandbox', [labels.podSpec]: JSON.stringify(staticPod.pod) },
    ExposedPorts: ports,
    HostConfig: { NetworkMode: 'bridge', PortBindings: bindings, IpcMode: 'shareable', RestartPolicy: { Name: 'no' } },
  };
}
