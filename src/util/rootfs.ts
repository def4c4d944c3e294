import { isAbsolute, join, resolve } from 'node:path';

/**
 * Where a system path lives for a command run with `--rootfs DIR` (kubeadm's flag): under DIR, or the
 * path itself without one. System paths in the configuration are always absolute.
 */
export function onHost(rootfs: string | undefined, systemPath: string): string {
  if (!isAbsolute(systemPath)) throw new Error(`internal: expected an absolute system path, got ${systemPath}`);
  return rootfs ? join(resolve(rootfs), systemPath) : systemPath;
}
