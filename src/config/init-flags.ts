import { formatPath, type PathSegment } from './source.js';

/** `kubeboot init` flags that set configuration fields, with kubeadm's names. */
export interface InitFlags {
  apiserverAdvertiseAddress?: string;
  apiserverBindPort?: number;
  kubernetesVersion?: string;
  podNetworkCidr?: string;
  serviceCidr?: string;
  serviceDnsDomain?: string;
  nodeName?: string;
  certDir?: string;
  imageRepository?: string;
  controlPlaneEndpoint?: string;
  apiserverCertExtraSans?: string[];
  ignorePreflightErrors?: string[];
  skipPhases?: string[];
  dryRun?: boolean;
  certificateKey?: string;
  token?: string;
  tokenTtl?: string;
  patches?: string;
}

/** Where each flag lands in the model: [kind, ...field path]. */
export const initFlagFields: Record<keyof InitFlags, { flag: string; path: PathSegment[] }> = {
  apiserverAdvertiseAddress: { flag: '--apiserver-advertise-address', path: ['InitConfiguration', 'localAPIEndpoint', 'advertiseAddress'] },
  apiserverBindPort: { flag: '--apiserver-bind-port', path: ['InitConfiguration', 'localAPIEndpoint', 'bindPort'] },
  kubernetesVersion: { flag: '--kubernetes-version', path: ['ClusterConfiguration', 'kubernetesVersion'] },
  podNetworkCidr: { flag: '--pod-network-cidr', path: ['ClusterConfiguration', 'networking', 'podSubnet'] },
  serviceCidr: { flag: '--service-cidr', path: ['ClusterConfiguration', 'networking', 'serviceSubnet'] },
  serviceDnsDomain: { flag: '--service-dns-domain', path: ['ClusterConfiguration', 'networking', 'dnsDomain'] },
  nodeName: { flag: '--node-name', path: ['InitConfiguration', 'nodeRegistration', 'name'] },
  certDir: { flag: '--cert-dir', path: ['ClusterConfiguration', 'certificatesDir'] },
  imageRepository: { flag: '--image-repository', path: ['ClusterConfiguration', 'imageRepository'] },
  controlPlaneEndpoint: { flag: '--control-plane-endpoint', path: ['ClusterConfiguration', 'controlPlaneEndpoint'] },
  apiserverCertExtraSans: { flag: '--apiserver-cert-extra-sans', path: ['ClusterConfiguration', 'apiServer', 'certSANs'] },
  ignorePreflightErrors: { flag: '--ignore-preflight-errors', path: ['InitConfiguration', 'nodeRegistration', 'ignorePreflightErrors'] },
  skipPhases: { flag: '--skip-phases', path: ['InitConfiguration', 'skipPhases'] },
  dryRun: { flag: '--dry-run', path: ['InitConfiguration', 'dryRun'] },
  certificateKey: { flag: '--certificate-key', path: ['InitConfiguration', 'certificateKey'] },
  token: { flag: '--token', path: ['InitConfiguration', 'bootstrapTokens', 0, 'token'] },
  tokenTtl: { flag: '--token-ttl', path: ['InitConfiguration', 'bootstrapTokens', 0, 'ttl'] },
  patches: { flag: '--patches', path: ['InitConfiguration', 'patches', 'directory'] },
};

type Raw = Record<string, unknown>;

/**
 * Writes the given flags into the raw documents (a flag wins over the file; list flags are added
 * to the file's list, as kubeadm merges ignorePreflightErrors). Returns the paths the flags set,
 * with the flag's name, so problems with those values can name the flag.
 */
export function applyInitFlags(docs: { InitConfiguration: Raw; ClusterConfiguration: Raw }, flags: InitFlags): Map<string, string> {
  const origins = new Map<string, string>();
  for (const [key, { flag, path }] of Object.entries(initFlagFields) as [keyof InitFlags, (typeof initFlagFields)[keyof InitFlags]][]) {
    const value = flags[key];
    if (value === undefined) continue;
    const [kind, ...fields] = path as [keyof typeof docs, ...Array<string | number>];
    let owner: Raw = docs[kind];
    for (const [i, field] of fields.slice(0, -1).entries()) {
      const next = owner[field];
      // A number is a list index: --token sets bootstrapTokens[0].token, making the list and the entry as needed.
      if (typeof fields[i + 1] === 'number') {
        owner = (owner[field] = Array.isArray(next) ? next : []) as unknown as Raw;
        continue;
      }
      owner = owner[field] = typeof next === 'object' && next !== null && !Array.isArray(next) ? (next as Raw) : {};
    }
    const last = fields[fields.length - 1]!;
    if (Array.isArray(value)) {
      const existing = Array.isArray(owner[last]) ? (owner[last] as unknown[]) : [];
      owner[last] = [...new Set([...existing, ...value])];
    } else {
      owner[last] = value;
    }
    origins.set(formatPath(path), flag);
  }
  return origins;
}
