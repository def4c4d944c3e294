import { randomBytes } from 'node:crypto';
import type { EncryptionAlgorithm } from '../config/types.js';
import { algorithmParams, samePublicKey, type KeyPair } from './keys.js';
import type { CertificateSpec, ExtendedUsage } from './spec.js';
import { x509 } from './x509.js';

/** kubeadm back-dates every certificate by 5 minutes (CertificateBackdate) against clock skew. */
export const BACKDATE_MS = 5 * 60 * 1000;

export interface Authority {
  certificate: x509.X509Certificate;
  keys: KeyPair;
  algorithm: EncryptionAlgorithm;
}

export interface IssueOptions {
  /** How long the certificate is valid, in ms (CA: caCertificateValidityPeriod, leaf: certificateValidityPeriod). */
  validityMs: number;
  now?: Date;
}

const USAGE_OIDS: Record<ExtendedUsage, string> = {
  serverAuth: x509.ExtendedKeyUsage.serverAuth,
  clientAuth: x509.ExtendedKeyUsage.clientAuth,
};

/** A positive random serial (the top bit cleared), as Go's crypto/rand serials are. */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f;
  if (bytes[0] === 0) bytes[0] = 1;
  return bytes.toString('hex');
}

/** Go orders a pkix.Name's RDNs with O before CN. */
function subjectName(spec: Pick<CertificateSpec, 'commonName' | 'organizations'>): x509.Name {
  return new x509.Name([...spec.organizations.map((o) => ({ O: [o] })), { CN: [spec.commonName] }]);
}

function subjectAltNames(spec: CertificateSpec): x509.SubjectAlternativeNameExtension | undefined {
  const names = [
    ...spec.dnsNames.map((value) => ({ type: 'dns' as const, value })),
    ...spec.ipAddresses.map((value) => ({ type: 'ip' as const, value })),
  ];
  return names.length > 0 ? new x509.SubjectAlternativeNameExtension(names) : undefined;
}

/** A self-signed CA certificate as kubeadm makes it (pkiutil.NewSelfSignedCACert). */
export async function issueCa(spec: CertificateSpec, keys: KeyPair, algorithm: EncryptionAlgorithm, options: IssueOptions): Promise<x509.X509Certificate> {
  const now = options.now ?? new Date();
  const extensions: x509.Extension[] = [
    shared('CA key usage', () => new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment | x509.KeyUsageFlags.keyCertSign, true)),
    shared('a CA', () => new x509.BasicConstraintsExtension(true, undefined, true)),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  const sans = subjectAltNames(spec);
  if (sans) extensions.push(sans);
  return x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: subjectName(spec),
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + options.validityMs),
    signingAlgorithm: algorithmParams(algorithm).signing,
    keys,
    extensions,
  });
}

/**
 * Extensions that are the same for many certificates, made once: the x509 library encodes and parses
 * each one it is given (~0.3 ms apiece here), and a kubeadm set has 10 certificates with 4-5 each.
 */
const sharedExtensions = new Map<string, x509.Extension>();

function shared<T extends x509.Extension>(key: string, make: () => T): T {
  let extension = sharedExtensions.get(key);
  if (!extension) sharedExtensions.set(key, (extension = make()));
  return extension as T;
}

/** Each CA's key identifier, made once for all the certificates it signs (a SHA-1 of its public key each time). */
const authorityKeyIds = new WeakMap<CryptoKey, Promise<x509.AuthorityKeyIdentifierExtension>>();

function authorityKeyId(publicKey: CryptoKey): Promise<x509.AuthorityKeyIdentifierExtension> {
  let id = authorityKeyIds.get(publicKey);
  if (!id) authorityKeyIds.set(publicKey, (id = x509.AuthorityKeyIdentifierExtension.create(publicKey)));
  return id;
}

/** A leaf certificate signed by `authority` (pkiutil.NewSignedCert). */
export async function issueLeaf(
  spec: CertificateSpec,
  publicKey: CryptoKey,
  authority: Authority,
  options: IssueOptions,
): Promise<x509.X509Certificate> {
  const now = options.now ?? new Date();
  const extensions: x509.Extension[] = [
    shared('leaf key usage', () => new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true)),
    shared(`usages ${spec.usages.join(',')}`, () => new x509.ExtendedKeyUsageExtension(spec.usages.map((usage) => USAGE_OIDS[usage]))),
    shared('not a CA', () => new x509.BasicConstraintsExtension(false, undefined, true)),
    await authorityKeyId(authority.keys.publicKey),
  ];
  const sans = subjectAltNames(spec);
  if (sans) extensions.push(sans);
  return x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: subjectName(spec),
    issuer: authority.certificate.subjectName,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    // A certificate never outlives the CA that signed it (kubeadm caps it the same way).
    notAfter: new Date(Math.min(now.getTime() + options.validityMs, authority.certificate.notAfter.getTime())),
    signingAlgorithm: algorithmParams(authority.algorithm).signing,
    publicKey,
    signingKey: authority.keys.privateKey,
    extensions,
  });
}

/** What a certificate says about itself, in the terms of a CertificateSpec. */
export interface CertificateFacts {
  commonName: string;
  organizations: string[];
  dnsNames: string[];
  ipAddresses: string[];
  usages: ExtendedUsage[];
  isCa: boolean;
  notBefore: Date;
  notAfter: Date;
}

export function certificateFacts(certificate: x509.X509Certificate): CertificateFacts {
  const san = certificate.getExtension(x509.SubjectAlternativeNameExtension);
  const eku = certificate.getExtension(x509.ExtendedKeyUsageExtension);
  const constraints = certificate.getExtension(x509.BasicConstraintsExtension);
  const names = san?.names.toJSON() ?? [];
  return {
    commonName: certificate.subjectName.getField('CN')[0] ?? '',
    organizations: certificate.subjectName.getField('O'),
    dnsNames: names.filter((n) => n.type === 'dns').map((n) => n.value),
    ipAddresses: names.filter((n) => n.type === 'ip').map((n) => normalizeIp(n.value)),
    usages: (eku?.usages ?? [])
      .map((oid) => (Object.entries(USAGE_OIDS).find(([, value]) => value === oid)?.[0] as ExtendedUsage | undefined))
      .filter((usage): usage is ExtendedUsage => usage !== undefined),
    isCa: constraints?.ca ?? false,
    notBefore: certificate.notBefore,
    notAfter: certificate.notAfter,
  };
}

function normalizeIp(ip: string): string {
  // IPv6 comes back fully expanded; compare in the short form people write.
  return ip.includes(':') ? new URL(`http://[${ip}]/`).hostname.slice(1, -1) : ip;
}

/**
 * Why `certificate` cannot serve as `spec` (signed by `authority` when given), or an empty list.
 * Extra SANs are fine (kubeadm checks the configured ones are present).
 */
export async function certificateMismatches(
  certificate: x509.X509Certificate,
  spec: CertificateSpec,
  options: { authority?: x509.X509Certificate; privateKeyPublicHalf?: CryptoKey; now?: Date },
): Promise<string[]> {
  const facts = certificateFacts(certificate);
  const problems: string[] = [];
  const now = options.now ?? new Date();
  if (facts.notAfter.getTime() <= now.getTime()) problems.push(`it expired on ${facts.notAfter.toISOString()}`);
  if (facts.notBefore.getTime() > now.getTime()) problems.push(`it is not valid before ${facts.notBefore.toISOString()}`);
  if (!spec.ca && !facts.isCa) problems.push('it is not a CA certificate');
  if (spec.ca && facts.commonName !== spec.commonName) problems.push(`its CN is ${JSON.stringify(facts.commonName)}, expected ${JSON.stringify(spec.commonName)}`);
  for (const dns of spec.ca ? spec.dnsNames : []) {
    if (!facts.dnsNames.includes(dns)) problems.push(`it lacks the SAN DNS:${dns}`);
  }
  for (const ip of spec.ipAddresses) {
    if (!facts.ipAddresses.includes(normalizeIp(ip))) problems.push(`it lacks the SAN IP:${ip}`);
  }
  for (const usage of spec.usages) {
    if (!facts.usages.includes(usage)) problems.push(`it lacks the extended key usage ${usage}`);
  }
  if (options.authority) {
    const signed =
      certificate.issuer === options.authority.subject &&
      (await certificate.verify({ publicKey: options.authority.publicKey, signatureOnly: true }));
    if (!signed) problems.push(`it is not signed by the CA ${JSON.stringify(options.authority.subjectName.getField('CN')[0] ?? options.authority.subject)}`);
  }
  if (options.privateKeyPublicHalf && !samePublicKey(options.privateKeyPublicHalf, certificate.publicKey.rawData)) {
    problems.push('its key file does not belong to it');
  }
  return problems;
}
