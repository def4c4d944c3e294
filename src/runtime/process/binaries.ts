import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Where the process runtime finds its binaries unless --process-bin-dir says otherwise (under --rootfs). */
export const DEFAULT_PROCESS_BIN_DIR = '/usr/local/bin';

/** The PATH a process starts with: the binary folder first, then the usual system folders. */
export function processPath(binDir: string): string {
  return `${binDir}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`;
}

/** `registry.k8s.io/kube-apiserver:v1.34.2` → `kube-apiserver`: the image's last path element without tag or digest. */
export function binaryName(image: string): string {
  const last = image.replace(/@.*$/, '').split('/').pop() ?? image;
  return last.replace(/:[^:]*$/, '');
}

/** The version an image's tag names (`v1.34.2` → 1.34.2, etcd's `3.5.21-0` → 3.5.21), if it names one. */
export function imageVersion(image: string): string | undefined {
  const last = image.replace(/@.*$/, '').split('/').pop() ?? '';
  const tag = last.includes(':') ? last.slice(last.lastIndexOf(':') + 1) : '';
  return /^v?(\d+\.\d+\.\d+)/.exec(tag)?.[1];
}

/** What a binary's `--version` printed: the first x.y.z in it (`Kubernetes v1.34.2`, `etcd Version: 3.4.23`). */
export function reportedVersion(output: string): string | undefined {
  return /\bv?(\d+\.\d+\.\d+)\b/.exec(output)?.[1];
}

export type BinaryCheck = { ok: true; path: string } | { ok: false; reason: string };

/**
 * The binaries of one folder, standing for images: present when the file is there and executable, and,
 * where the binary tells its version with `--version`, of the version the image's tag names. A version
 * asked once is remembered until the file changes.
 */
export class Binaries {
  private readonly versions = new Map<string, { mtimeMs: number; version: string | undefined }>();

  constructor(readonly dir: string) {}

  path(image: string): string {
    return join(this.dir, binaryName(image));
  }

  async check(image: string): Promise<BinaryCheck> {
    const path = this.path(image);
    const info = await stat(path).catch(() => undefined);
    const executable = info?.isFile() === true && (await access(path, constants.X_OK).then(() => true, () => false));
    if (!executable) return { ok: false, reason: `no executable ${binaryName(image)} in ${this.dir} for image ${image} (the process runtime runs binaries; it pulls nothing)` };
    const wanted = imageVersion(image);
    if (!wanted) return { ok: true, path };
    const version = await this.versionOf(path, info.mtimeMs);
    if (version !== undefined && version !== wanted) return { ok: false, reason: `${path} is version ${version}, image ${image} asks for ${wanted}` };
    return { ok: true, path };
  }

  private async versionOf(path: string, mtimeMs: number): Promise<string | undefined> {
    const known = this.versions.get(path);
    if (known?.mtimeMs === mtimeMs) return known.version;
    const { execa } = await import('execa');
    const result = await execa(path, ['--version'], { reject: false, timeout: 5000, all: true, stdin: 'ignore' });
    const version = result.exitCode === 0 ? reportedVersion(result.all ?? '') : undefined;
    this.versions.set(path, { mtimeMs, version });
    return version;
  }
}
