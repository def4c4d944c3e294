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
  missing: boolean;
}

export interface ExpirationReport {
  certificates: ExpirationEntry[];
  certificateAuthorities: ExpirationEntry[];
}

async function certificateIn(host: Host, path: string): Promise<x509.X509Certificate | undefined> {
  const pem = await host.read(path);
  if (pem === undefined) return undefined;
  try {
    return new x509.X509Certificate(pem);
  } catch {
    return undefined;
  }
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
    const certificate = await certificateIn(host, file);
    const keyPresent = (await host.read((join(dir, `${spec.file}.key`)))) !== undefined;
    caKeyPresent.set(spec.name, keyPresent);
    certificateAuthorities.push({
      name: spec.name,
      file,
      ...(certificate ? { expirationDate: certificate.notAfter } : {}),
      externallyManaged: certificate !== undefined && !keyPresent,
      missing: certificate === undefined,
    });
  }
  const certificates: ExpirationEntry[] = [];
  for (const spec of specs.filter((s) => s.ca)) {
    const file = join(dir, `${spec.file}.crt`);
    const certificate = await certificateIn(host, file);
    certificates.push({
      name: spec.name,
      file,
      ...(certificate ? { expirationDate: certificate.notAfter } : {}),
      certificateAuthority: spec.ca!,
      externallyManaged: caKeyPresent.get(spec.ca!) === false,
      missing: certificate === undefined,
    });
  }
  for (const spec of kubeconfigSpecs(config)) {
    const file = join(defaults.kubernetesDir, spec.file);
    const text = await host.read((file));
    let certificate: x509.X509Certificate | undefined;
    try {
      const pem = text ? decodeEmbedded((parse(text) as KubeconfigFile).users?.[0]?.user?.['client-certificate-data']) : undefined;
      certificate = pem ? new x509.X509Certificate(pem) : undefined;
    } catch {
      certificate = undefined;
    }
    certificates.push({
      name: spec.file,
      file,
      ...(certificate ? { expirationDate: certificate.notAfter } : {}),
      certificateAuthority: 'ca',
      externallyManaged: caKeyPresent.get('ca') === false,
      missing: certificate === undefined,
    });
  }
  certificates.sort((a, b) => a.name.localeCompare(b.name));
  return { certificates, certificateAuthorities };
}
