import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { parse } from 'yaml';
import { defaults } from '../config/defaults.js';
import type { KubebootConfig } from '../config/types.js';
import { byCodePoint } from '../util/compare.js';
import type { Host } from '../util/host.js';
import { pkiMismatches } from './consistency.js';
import { pemProblem } from './pem-check.js';
import { decodeEmbedded, type KubeconfigFile } from './kubeconfig-file.js';
import { certificateSpecs, kubeconfigSpecs } from './spec.js';

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
  /** The file exists but holds no certificate that can be read, or one that does not belong with its key or CA: why. */
  problem?: string;
  /** The problem is a mismatch (key, CA or subject), not an unreadable file. */
  mismatched?: boolean;
}

// Node's own X509Certificate: reading an expiry date needs no more, and @peculiar/x509 takes ~180 ms to load.
type Read = { certificate?: X509Certificate; missing: boolean; problem?: string };

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
    const framing = pemProblem(pem, 'CERTIFICATE');
    if (framing) return { missing: false, problem: kubeconfig ? `its client-certificate-data ${framing}` : framing };
    return { certificate: new X509Certificate(pem), missing: false };
  } catch (err) {
    return { missing: false, problem: `is not a ${kubeconfig ? 'kubeconfig with a certificate' : 'PEM certificate'} (${why(err)})` };
  }
}

function entry(name: string, file: string, read: Read, rest: { certificateAuthority?: string; externallyManaged: boolean }): ExpirationEntry {
  return {
    name,
    file,
    ...(read.certificate ? { expirationDate: new Date(read.certificate.validTo) } : {}),
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
  // Every file is read at once: one after another, the reads were most of the command's time.
  const authorities = await Promise.all(
    specs
      .filter((s) => !s.ca)
      .map(async (spec) => {
        const file = join(dir, `${spec.file}.crt`);
        const [read, keyPresent] = await Promise.all([certificateIn(host, file), host.exists(join(dir, `${spec.file}.key`))]);
        return { spec, keyPresent, entry: entry(spec.name, file, read, { externallyManaged: read.certificate !== undefined && !keyPresent }) };
      }),
  );
  const caKeyPresent = new Map(authorities.map((a) => [a.spec.name, a.keyPresent]));
  const leaves = specs.filter((s) => s.ca).map(async (spec) => {
    const file = join(dir, `${spec.file}.crt`);
    return entry(spec.name, file, await certificateIn(host, file), { certificateAuthority: spec.ca!, externallyManaged: caKeyPresent.get(spec.ca!) === false });
  });
  const kubeconfigs = kubeconfigSpecs(config).map(async (spec) => {
    const file = join(defaults.kubernetesDir, spec.file);
    return entry(spec.file, file, await certificateIn(host, file, true), { certificateAuthority: 'ca', externallyManaged: caKeyPresent.get('ca') === false });
  });
  const [certificates, mismatches] = await Promise.all([Promise.all([...leaves, ...kubeconfigs]), pkiMismatches(config, host)]);
  certificates.sort((a, b) => byCodePoint(a.name, b.name)); // kubeadm's order (Go's sort.Strings)
  const certificateAuthorities = authorities.map((a) => a.entry);
  // Files that read fine but do not belong together (a key not its certificate's, a leaf another CA issued).
  for (const mismatch of mismatches) {
    const found = [...certificates, ...certificateAuthorities].find((e) => e.file === mismatch.file);
    if (found && !found.problem) Object.assign(found, { problem: mismatch.problem, mismatched: true });
  }
  return { certificates, certificateAuthorities };
}
