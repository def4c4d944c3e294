import { KeyObject, randomBytes } from 'node:crypto';
import type { EncryptionAlgorithm } from '../config/types.js';
import { certificateDer, type CertificateFields } from './certificate-der.js';
import { samePublicKey, type KeyPair } from './keys.js';
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
function serialNumber(): Uint8Array {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f;
  if (bytes[0] === 0) bytes[0] = 1;
  return bytes;
}

/** Go orders a pkix.Name's RDNs with O before CN. */
function subjectName(spec: Pick<CertificateSpec, 'commonName' | 'organizations'>): ArrayBuffer {
  return new x509.Name([...spec.organizations.map((o) => ({ O: [o] })), { CN: [spec.commonName] }]).toArrayBuffer();
}

function spki(key: CryptoKey): Buffer {
  return KeyObject.from(key).export({ type: 'spki', format: 'der' });
}

/** A leaf certificate as files and kubeconfigs take it. */
export interface IssuedCertificate {
  pem: string;
  notAfter: Date;
}

const pem = (der: ArrayBuffer) => x509.PemConverter.encode(der, 'CERTIFICATE');

/** A self-signed CA certificate as kubeadm makes it (pkiutil.NewSelfSignedCACert). */
export async function issueCa(spec: CertificateSpec, keys: KeyPair, algorithm: EncryptionAlgorithm, options: IssueOptions): Promise<x509.X509Certificate> {
  const now = options.now ?? new Date();
  const name = subjectName(spec);
  const fields: CertificateFields = {
    serialNumber: serialNumber(),
    subject: name,
    issuer: name,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + options.validityMs),
    publicKey: spki(keys.publicKey),
    keyUsage: ['digitalSignature', 'keyEncipherment', 'keyCertSign'],
    isCa: true,
    keyIdentifiers: [(await x509.SubjectKeyIdentifierExtension.create(keys.publicKey)).rawData],
    dnsNames: spec.dnsNames,
    ipAddresses: spec.ipAddresses,
  };
  // Parsed once: a CA is used as the x509 library's certificate (its name, dates and key) afterwards.
  return new x509.X509Certificate(await certificateDer(fields, keys.privateKey, algorithm));
}

/** Each CA's key identifier extension (DER), made once for all the certificates it signs (a SHA-1 of its public key each time). */
const authorityKeyIds = new WeakMap<CryptoKey, Promise<ArrayBuffer>>();

function authorityKeyId(publicKey: CryptoKey): Promise<ArrayBuffer> {
  let id = authorityKeyIds.get(publicKey);
  if (!id) authorityKeyIds.set(publicKey, (id = x509.AuthorityKeyIdentifierExtension.create(publicKey).then((extension) => extension.rawData)));
  return id;
}

/** A CA's subject name, as the issuer of what it signs. */
const issuerNames = new WeakMap<x509.X509Certificate, ArrayBuffer>();

function issuerName(authority: x509.X509Certificate): ArrayBuffer {
  let name = issuerNames.get(authority);
  if (!name) issuerNames.set(authority, (name = authority.subjectName.toArrayBuffer()));
  return name;
}

/** A leaf certificate signed by `authority` (pkiutil.NewSignedCert). */
export async function issueLeaf(spec: CertificateSpec, publicKey: CryptoKey, authority: Authority, options: IssueOptions): Promise<IssuedCertificate> {
  const now = options.now ?? new Date();
  // A certificate never outlives the CA that signed it (kubeadm caps it the same way).
  const notAfter = new Date(Math.min(now.getTime() + options.validityMs, authority.certificate.notAfter.getTime()));
  const fields: CertificateFields = {
    serialNumber: serialNumber(),
    subject: subjectName(spec),
    issuer: issuerName(authority.certificate),
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter,
    publicKey: spki(publicKey),
    keyUsage: ['digitalSignature', 'keyEncipherment'],
    extendedKeyUsage: spec.usages.map((usage) => USAGE_OIDS[usage]),
    isCa: false,
    keyIdentifiers: [await authorityKeyId(authority.keys.publicKey)],
    dnsNames: spec.dnsNames,
    ipAddresses: spec.ipAddresses,
  };
  return { pem: pem(await certificateDer(fields, authority.keys.privateKey, authority.algorithm)), notAfter };
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
