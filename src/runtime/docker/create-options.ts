import { mkdir, open, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type Docker from 'dockerode';
import type { EnvVar, Volume } from 'kubernetes-types/core/v1.js';
import { parseQuantity } from '../../util/quantity.js';
import { expand } from '../env-expansion.js';
import { containerName, SANDBOX_CONTAINER } from '../labels.js';
import { emptyDirPath } from '../pod-dirs.js';
import { containerLabels, sandboxLabels } from '../pod-labels.js';
import type { ContainerRequest, SandboxRequest } from '../runtime.js';

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
async function mountsFor(context: ContainerRequest): Promise<{ binds: string[]; tmpfs: Record<string, string> }> {
  const { pod: staticPod, container } = context;
  const volumes = new Map<string, Volume>((staticPod.pod.spec?.volumes ?? []).map((v) => [v.name, v]));
  const binds: string[] = [];
  const tmpfs: Record<string, string> = {};
  for (const mount of container.volumeMounts ?? []) {
    const volume = volumes.get(mount.name)!;
    const mode = mount.readOnly ? 'ro' : 'rw';
    if (volume.hostPath) {
      const source = await context.host.checked(volume.hostPath.path);
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
function environment(context: ContainerRequest): Array<[string, string]> {
  const { pod } = context.pod;
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
  for (const env of context.container.env ?? ([] as EnvVar[])) {
    let value = '';
    if (env.valueFrom?.fieldRef) value = field[env.valueFrom.fieldRef.fieldPath] ?? '';
    else if (env.value !== undefined) value = expand(env.value, (name) => values.get(name));
    values.set(env.name, value);
  }
  return [...values];
}

/** Docker's create options for one container of a static pod, as the dockershim made them. */
export async function containerCreateOptions(context: ContainerRequest): Promise<Docker.ContainerCreateOptions> {
  const { pod: staticPod, container } = context;
  const { pod } = staticPod;
  const spec = pod.spec!;
  const meta = pod.metadata!;
  const env = environment(context);
  const lookup = (name: string) => env.find(([key]) => key === name)?.[1];
  const { binds, tmpfs } = await mountsFor(context);
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
    Labels: containerLabels(context),
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
export function sandboxCreateOptions(request: SandboxRequest): Docker.ContainerCreateOptions {
  const { pod: staticPod, image, attempt } = request;
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
    Labels: sandboxLabels(request),
    ExposedPorts: ports,
    HostConfig: { NetworkMode: 'bridge', PortBindings: bindings, IpcMode: 'shareable', RestartPolicy: { Name: 'no' } },
  };
}
