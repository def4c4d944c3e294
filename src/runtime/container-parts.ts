import { mkdir, open, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { EnvVar, Volume } from 'kubernetes-types/core/v1.js';
import { parseQuantity } from '../util/quantity.js';
import { expand } from './env-expansion.js';
import { emptyDirPath } from './pod-dirs.js';
import type { ContainerRequest } from './runtime.js';

// What every runtime makes of a container's spec the same way: its volumes and its environment.

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

/** A folder or file of the host made visible at `target` in the container. */
export interface BindMount {
  source: string;
  target: string;
  readOnly: boolean;
}

/** Binds and tmpfs mounts for one container (tmpfs: target → options); creates what hostPath types and emptyDirs need. */
export async function mountsFor(context: ContainerRequest): Promise<{ binds: BindMount[]; tmpfs: Record<string, string> }> {
  const { pod: staticPod, container } = context;
  const volumes = new Map<string, Volume>((staticPod.pod.spec?.volumes ?? []).map((v) => [v.name, v]));
  const binds: BindMount[] = [];
  const tmpfs: Record<string, string> = {};
  for (const mount of container.volumeMounts ?? []) {
    const volume = volumes.get(mount.name)!;
    const mode = mount.readOnly ? 'ro' : 'rw';
    if (volume.hostPath) {
      const source = await context.host.checked(volume.hostPath.path);
      await prepareHostPath(source, volume.hostPath.type, volume.name);
      binds.push({ source: mount.subPath ? join(source, mount.subPath) : source, target: mount.mountPath, readOnly: mount.readOnly === true });
    } else if (volume.emptyDir) {
      if (volume.emptyDir.medium === 'Memory') {
        tmpfs[mount.mountPath] = `${mode}${volume.emptyDir.sizeLimit ? `,size=${Math.floor(parseQuantity(volume.emptyDir.sizeLimit) ?? 0)}` : ''}`;
      } else {
        const source = emptyDirPath(context.rootDir, staticPod.uid, volume.name);
        const path = mount.subPath ? join(source, mount.subPath) : source;
        await mkdir(path, { recursive: true, mode: 0o777 });
        binds.push({ source: path, target: mount.mountPath, readOnly: mount.readOnly === true });
      }
    }
  }
  return { binds, tmpfs };
}

/** env with `value` (expanded against the variables before it) and the fieldRefs the kubelet offers. */
export function environment(context: ContainerRequest): Array<[string, string]> {
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
