import { join } from 'node:path';

/** A pod's folder under the root dir, as the kubelet lays it out; removed with the pod. */
export function podDir(rootDir: string, uid: string): string {
  return join(rootDir, 'pods', uid);
}

/** Where a pod's emptyDir volumes live. */
export function emptyDirPath(rootDir: string, uid: string, volume: string): string {
  return join(podDir(rootDir, uid), 'volumes', 'kubernetes.io~empty-dir', volume);
}
