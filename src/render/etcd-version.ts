/** An etcd image tag such as `3.5.24-0` or `v3.6.5`, as numbers. */
export interface EtcdVersion {
  major: number;
  minor: number;
  patch: number;
}

export function parseEtcdVersion(tag: string): EtcdVersion | undefined {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(tag);
  return match ? { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]) } : undefined;
}

export function atLeast(version: EtcdVersion, major: number, minor: number, patch: number): boolean {
  if (version.major !== major) return version.major > major;
  if (version.minor !== minor) return version.minor > minor;
  return version.patch >= patch;
}
