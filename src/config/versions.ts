/**
 * The Kubernetes versions kubeboot renders manifests for, and the etcd and pause versions kubeadm
 * pairs with each minor (cmd/kubeadm/app/constants: SupportedEtcdVersion, PauseVersion).
 */
export const DEFAULT_KUBERNETES_VERSION = 'v1.34.2';

const etcdByMinor: Record<number, string> = {
  31: '3.5.24-0',
  32: '3.5.24-0',
  33: '3.5.24-0',
  34: '3.6.5-0',
};

const pauseByMinor: Record<number, string> = {
  31: '3.10',
  32: '3.10',
  33: '3.10',
  34: '3.10.1',
};

/** CoreDNS as kubeadm pairs it (constants.CoreDNSVersion; v1.31.0 itself shipped v1.11.1). */
const corednsByMinor: Record<number, string> = {
  31: 'v1.11.3',
  32: 'v1.11.3',
  33: 'v1.12.0',
  34: 'v1.12.1',
};

export const SUPPORTED_MINORS = Object.keys(etcdByMinor)
  .map(Number)
  .sort((a, b) => a - b);

export const SUPPORTED_RANGE = `v1.${SUPPORTED_MINORS[0]}.0 to v1.${SUPPORTED_MINORS[SUPPORTED_MINORS.length - 1]}.x`;

export interface KubernetesVersion {
  major: number;
  minor: number;
  patch: number;
  /** With the leading `v`, as images are tagged. */
  text: string;
}

/** `v1.34.2`, `1.34.2` or `v1.34.0-rc.1`; undefined when not a version. */
export function parseKubernetesVersion(text: string): KubernetesVersion | undefined {
  const match = /^v?(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.exec(text);
  if (!match) return undefined;
  const [, major, minor, patch] = match;
  return {
    major: Number(major),
    minor: Number(minor),
    patch: Number(patch),
    text: text.startsWith('v') ? text : `v${text}`,
  };
}

export function isSupported(version: KubernetesVersion): boolean {
  return version.major === 1 && etcdByMinor[version.minor] !== undefined;
}

export function etcdVersionFor(version: KubernetesVersion): string {
  return etcdByMinor[version.minor] ?? etcdByMinor[SUPPORTED_MINORS[SUPPORTED_MINORS.length - 1]!]!;
}

export function corednsVersionFor(version: KubernetesVersion): string {
  if (version.minor === 31 && version.patch === 0) return 'v1.11.1';
  return corednsByMinor[version.minor] ?? corednsByMinor[SUPPORTED_MINORS[SUPPORTED_MINORS.length - 1]!]!;
}

export function pauseVersionFor(version: KubernetesVersion): string {
  return pauseByMinor[version.minor] ?? pauseByMinor[SUPPORTED_MINORS[SUPPORTED_MINORS.length - 1]!]!;
}
