import type Docker from 'dockerode';
import { parseQuantity } from '../../util/quantity.js';
import { environment, mountsFor } from '../container-parts.js';
import { expand } from '../env-expansion.js';
import { containerName, SANDBOX_CONTAINER } from '../labels.js';
import { containerLabels, sandboxLabels } from '../pod-labels.js';
import type { ContainerRequest, SandboxRequest } from '../runtime.js';

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
      Binds: binds.map((b) => `${b.source}:${b.target}:${b.readOnly ? 'ro' : 'rw'}`),
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
