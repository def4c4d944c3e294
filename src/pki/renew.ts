import { join } from 'node:path';
import { parse, parseDocument, stringify } from 'yaml';
import { defaults } from '../config/defaults.js';
import type { KubebootConfig } from '../config/types.js';
import { KubebootError, UsageError } from '../util/errors.js';
import type { Host } from '../util/host.js';
import { certificateFacts, issueLeaf, type Authority } from './certificate.js';
import { pkiMismatches } from './consistency.js';
import { loadAuthority, validityMs } from './certificates.js';
import { generateKeyPair, privateKeyPem } from './keys.js';
import { kubeconfigClientSpec } from './kubeconfig.js';
import { decodeEmbedded, type KubeconfigFile } from './kubeconfig-file.js';
import { certificateSpecs, kubeconfigSpecs, type CertificateSpec } from './spec.js';
import { x509 } from './x509.js';

/** Set on a static pod manifest whose certificates were renewed: the changed pod is replaced. */
export const CERTS_RENEWED_ANNOTATION = 'kubeboot.io/certs-renewed';

export interface RenewResult {
  renewed: Array<{ name: string; file: string; expirationDate: Date }>;
  /** Static pods whose manifest was marked, so that the reconciler restarts them. */
  restartedPods: Array<{ pod: string; manifest: string }>;
}

/** The names `certs renew` takes: kubeadm's leaf certificate names and kubeconfig file names. */
export function renewableNames(config: KubebootConfig): string[] {
  return [
    ...certificateSpecs(config)
      .filter((spec) => spec.ca)
      .map((spec) => spec.name),
    ...kubeconfigSpecs(config).map((spec) => spec.file),
  ];
}

/**
 * `certs renew`: a new key and certificate from the same CA, keeping the subject and SANs the existing
 * certificate has (as kubeadm does). Then every manifest in staticPodPath that names a renewed file
 * gets a fresh annotation, which changes the pod and makes the reconciler replace it: no moving
 * manifests out and back in. `restartPods: false` leaves the manifests alone: `upgrade` writes a new
 * manifest right after, and marking the old one too would restart the component twice.
 */
export async function renewCertificates(config: KubebootConfig, host: Host, names: readonly string[], options: { now?: Date; restartPods?: boolean } = {}): Promise<RenewResult> {
  const known = renewableNames(config);
  const requested = names.includes('all') ? known : [...names];
  const unknown = names.filter((name) => name !== 'all' && !known.includes(name));
  if (unknown.length > 0) throw new UsageError(`unknown certificate ${unknown.join(', ')}; expected all or one of ${known.join(', ')}`);

  // Pairs that do not belong together, anywhere in the PKI: renewing over a mix-up would sign it anew.
  const mismatches = await pkiMismatches(config, host);
  if (mismatches.length > 0) {
    throw new KubebootError(`${mismatches.length === 1 ? 'a certificate is' : `${mismatches.length} certificates are`} mismatched with ${mismatches.length === 1 ? 'its key, CA or name' : 'their keys, CAs or names'}; nothing was renewed`, {
      details: mismatches.map((m) => `\t${m.file}: ${m.problem}`),
      hint: 'Put the right files back (or remove the wrong ones and run kubeboot init phase certs), then renew. kubeboot certs check-expiration shows them too.',
    });
  }

  const now = options.now ?? new Date();
  const validity = validityMs(config.cluster.certificateValidityPeriod, 'certificateValidityPeriod');
  const dir = config.cluster.certificatesDir;
  const specs = certificateSpecs(config);
  const writes: Array<{ path: string; content: string; mode: number }> = [];
  const renewed: RenewResult['renewed'] = [];
  const problems: string[] = [];

  const authorities = new Map<string, Promise<Authority | undefined>>();
  // Each CA is loaded (and its problem said) once, however many certificates it signs.
  const authorityFor = (name: string) => {
    if (!authorities.has(name)) authorities.set(name, loadSigner(name));
    return authorities.get(name)!;
  };
  const loadSigner = async (name: string): Promise<Authority | undefined> => {
    const caSpec = specs.find((spec) => spec.name === name)!;
    let authority: Awaited<ReturnType<typeof loadAuthority>>;
    try {
      authority = await loadAuthority(host, dir, caSpec);
    } catch (err) {
      problems.push((err as Error).message);
      return undefined;
    }
    if (!authority) problems.push(`the CA ${join(config.cluster.certificatesDir, `${caSpec.file}.crt`)} does not exist`);
    else if (!authority.signer) problems.push(`the CA ${name} has no key here (externally managed): renew with your CA`);
    return authority?.signer;
  };

  for (const name of requested) {
    const leaf = specs.find((spec) => spec.name === name && spec.ca);
    const kubeconfig = kubeconfigSpecs(config).find((spec) => spec.file === name);
    const systemPath = leaf ? join(config.cluster.certificatesDir, `${leaf.file}.crt`) : join(defaults.kubernetesDir, kubeconfig!.file);
    const text = await host.read(systemPath);
    if (text === undefined) {
      problems.push(`${systemPath} does not exist: there is nothing to renew (run kubeboot init phase ${leaf ? 'certs' : 'kubeconfig'} to create it)`);
      continue;
    }
    const authority = await authorityFor(leaf?.ca ?? 'ca');
    if (!authority) continue;
    let file: KubeconfigFile | undefined;
    let current: x509.X509Certificate;
    try {
      if (leaf) {
        current = new x509.X509Certificate(text);
      } else {
        file = parse(text) as KubeconfigFile;
        current = new x509.X509Certificate(decodeEmbedded(file.users?.[0]?.user?.['client-certificate-data']) ?? '');
      }
    } catch (err) {
      problems.push(`${systemPath}: its certificate cannot be read (${(err as Error).message})`);
      continue;
    }
    const facts = certificateFacts(current);
    const base: CertificateSpec = leaf ?? kubeconfigClientSpec(kubeconfig!);
    const spec: CertificateSpec = { ...base, commonName: facts.commonName, organizations: facts.organizations, dnsNames: facts.dnsNames, ipAddresses: facts.ipAddresses };
    const keys = await generateKeyPair(config.cluster.encryptionAlgorithm);
    const certificate = await issueLeaf(spec, keys.publicKey, authority, { validityMs: validity, now });
    if (leaf) {
      writes.push({ path: systemPath, content: certificate.pem, mode: 0o644 });
      writes.push({ path: join(config.cluster.certificatesDir, `${leaf.file}.key`), content: privateKeyPem(keys.privateKey), mode: 0o600 });
    } else {
      const user = file!.users![0]!.user!;
      user['client-certificate-data'] = Buffer.from(certificate.pem).toString('base64');
      user['client-key-data'] = Buffer.from(privateKeyPem(keys.privateKey)).toString('base64');
      writes.push({ path: systemPath, content: stringify(file, { lineWidth: 0 }), mode: 0o600 });
    }
    renewed.push({ name, file: systemPath, expirationDate: certificate.notAfter });
  }
  if (problems.length > 0) {
    throw new KubebootError(`${problems.length === 1 ? 'a certificate' : `${problems.length} certificates`} cannot be renewed; nothing was written`, { details: problems });
  }
  await host.writeTogether(writes.map((w) => ({ path: w.path, content: w.content, mode: w.mode })));

  const renewedPaths = renewed.flatMap((entry) => (entry.file.endsWith('.crt') ? [entry.file, entry.file.replace(/\.crt$/, '.key')] : [entry.file]));
  const restartedPods = options.restartPods === false ? [] : await markManifests(config, host, renewedPaths, now);
  return { renewed, restartedPods };
}

/** Annotates the manifests that mention any of `paths`, so that their pods are replaced. */
async function markManifests(config: KubebootConfig, host: Host, paths: string[], now: Date): Promise<RenewResult['restartedPods']> {
  const folder = config.kubelet.staticPodPath;
  const entries = (await host.list(folder)).filter((name) => !name.startsWith('.')).sort();
  const marked: RenewResult['restartedPods'] = [];
  for (const entry of entries) {
    const path = join(folder, entry);
    const text = await host.read(path).catch(() => undefined);
    if (!text || !paths.some((file) => text.includes(file))) continue;
    const document = parseDocument(text);
    if (document.errors.length > 0) continue;
    document.setIn(['metadata', 'annotations', CERTS_RENEWED_ANNOTATION], now.toISOString());
    await host.write(path, document.toString({ lineWidth: 0 }), { mode: 0o600 });
    marked.push({ pod: String(document.getIn(['metadata', 'name']) ?? entry), manifest: join(config.kubelet.staticPodPath, entry) });
  }
  return marked;
}
