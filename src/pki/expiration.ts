import { join } from 'node:path';
import { parse } from 'yaml';
import { defaults } from '../config/defaults.js';
import type { KubebootConfig } from '../config/types.js';
import type { Host } from '../util/host.js';
import { decodeEmbedded, type KubeconfigFile } from './kubeconfig.js';
import { certificateSpecs, kubeconfigSpecs } from './spec.js';
import { x509 } from './x509.js';

export interface ExpirationEntry {
  name: string;
  /** The system path of the file (a kubeconfig embeds its certificate). */
  file: string;
  /** Undefined when the file is missing or unreadable. */
  expirationDate?: Date;
  certificateAuthority?: string;
  externallyManaged: boolean;
  /** The file does not exist. */
  missing: boolean;
  /** The file exists but holds no certificate that can be read: why. */
  problem?: string;
}

type Read = { certificate?: x509.X509Certificate; missing: boolean; problem?: string };

const why = (err: unknown) => ((err as NodeJS.ErrnoException).code ?? (err as Error).message.split('\n')[0]);

export interface ExpirationReport {
  certificates: ExpirationEntry[];
  certificateAuthorities: ExpirationEntry[];
}

/** A certificate file, or a kubeconfig's embedded client certificate, with why it cannot be read. */
async function certificateIn(host: Host, path: string, kubeconfig = false): Promise<Read> {
  let text: string | undefined;
  try {
    text = await host.read(path);
  } catch (err) {
    return { missing: false, problem: `cannot be read (${why(err)})` };
  }
  if (text === undefined) return { missing: true };
  try {
    const pem = kubeconfig ? decodeEmbedded((parse(text) as KubeconfigFile).users?.[0]?.user?.['client-certificate-data']) : text;
    if (!pem) return { missing: false, problem: 'has no client-certificate-data' };
    return { certificate: new x509.X509Certificate(pem), missing: false };
  } catch (err) {
    return { missing: false, problem: `is not a ${kubeconfig ? 'kubeconfig with a certificate' : 'PEM certificate'} (${why(err)})` };
  }
}

function entry(name: string, file: string, read: Read, rest: { certificateAuthority?: string; externallyManaged: boolean }): ExpirationEntry {
  return {
    name,
    file,
    ...(read.certificate ? { expirationDate: read.certificate.notAfter } : {}),
    ...(rest.certificateAuthority ? { certificateAuthority: rest.certificateAuthority } : {}),
    externallyManaged: rest.externallyManaged,
    missing: read.missing,
    ...(read.problem ? { problem: read.problem } : {}),
  };
}

/**
 * `certs check-expiration`: every certificate file and every certificate embedded in a kubeconfig,
 * with its CA; a CA whose key is absent is externally managed. kubelet.conf is listed too: unlike the
 * kubelet's, kubeboot's client certificate is not rotated.
 */
export async function checkExpiration(config: KubebootConfig, host: Host): Promise<ExpirationReport> {
  const dir = config.cluster.certificatesDir;
  const specs = certificateSpecs(config);
  const caKeyPresent = new Map<string, boolean>();
  const certificateAuthorities: ExpirationEntry[] = [];
  for (const spec of specs.filter((s) => !s.ca)) {
    const file = join(dir, `${spec.file}.crt`);
    const read = await certificateIn(host, file);
    const keyPresent = await host.exists(join(dir, `${spec.file}.key`));
    caKeyPresent.set(spec.name, keyPresent);
    certificateAuthorities.push(entry(spec.name, file, read, { externallyManaged: read.certificate !== undefined && !keyPresent }));
  }
  const certificates: ExpirationEntry[] = [];
  for (const spec of specs.filter((s) => s.ca)) {
    const file = join(dir, `${spec.file}.crt`);
    certificates.push(entry(spec.name, file, await certificateIn(host, file), { certificateAuthority: spec.ca!, externallyManaged: caKeyPresent.get(spec.ca!) === false }));
  }
  for (const spec of kubeconfigSpecs(config)) {
    const file = join(defaults.kubernetesDir, spec.file);
    certificates.push(entry(spec.file, file, await certificateIn(host, file, true), { certificateAuthority: 'ca', externallyManaged: caKeyPresent.get('ca') === false }));
  }
  certificates.sort((a, b) => a.name.localeCompare(b.name));
  return { certificates, certificateAuthorities };
}
