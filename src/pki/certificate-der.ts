import { KeyObject, sign } from 'node:crypto';
import { promisify } from 'node:util';
import ipaddr from 'ipaddr.js';
import type { EncryptionAlgorithm } from '../config/types.js';
import * as der from './der.js';

/*
 * A certificate assembled here (DER from der.ts) rather than by the x509 library's
 * X509CertificateGenerator. For a reason measured: the generator encodes each part, parses it back, and
 * parses the whole certificate it has just made once more (~85 ms of the full ECDSA set, target 100 ms);
 * the library's ASN.1 layer alone, which we used next, was still ~12 ms of a ~35 ms set (der.ts). The
 * generator stays the reference: test/unit/pki/certificate-der.test.ts checks both give the same bytes.
 */

const signAsync = promisify(sign);

export type KeyUsageName = 'digitalSignature' | 'keyEncipherment' | 'keyCertSign';

export interface CertificateFields {
  /** Positive, big-endian, as Go's crypto/rand serials are (the top bit cleared). */
  serialNumber: Uint8Array;
  /** DER Names: the x509 library's Name encoding (Go's order and string types). */
  subject: ArrayBuffer;
  issuer: ArrayBuffer;
  notBefore: Date;
  notAfter: Date;
  /** The subject's public key, SubjectPublicKeyInfo DER. */
  publicKey: Buffer;
  keyUsage: KeyUsageName[];
  /** Extended key usage OIDs, when the certificate has any. */
  extendedKeyUsage?: string[];
  isCa: boolean;
  /** DER extensions made elsewhere (the key identifiers), already in order. */
  keyIdentifiers: ArrayBuffer[];
  dnsNames: string[];
  ipAddresses: string[];
}

/** RFC 5280's OIDs for what kubeadm's certificates hold. */
const OID = {
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  basicConstraints: '2.5.29.19',
  subjectAltName: '2.5.29.17',
  ecdsaWithSHA256: '1.2.840.10045.4.3.2',
  ecdsaWithSHA384: '1.2.840.10045.4.3.3',
  sha256WithRSAEncryption: '1.2.840.113549.1.1.11',
};

/** KeyUsage's named bits (RFC 5280 4.2.1.3). */
const KEY_USAGE_BIT: Record<KeyUsageName, number> = { digitalSignature: 0, keyEncipherment: 2, keyCertSign: 5 };

/** Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE (absent when false), extnValue OCTET STRING }. */
function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return der.sequence(der.objectIdentifier(id), ...(critical ? [der.boolean(true)] : []), der.octetString(value));
}

/** An IP SAN's bytes as Go writes them: 4 for IPv4 (an IPv4-mapped IPv6 address too), 16 for IPv6. */
function ipBytes(text: string): Uint8Array {
  const address = ipaddr.parse(text);
  const v4 = address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress() ? (address as ipaddr.IPv6).toIPv4Address() : address;
  return Uint8Array.from(v4.toByteArray());
}

/** The extensions in the order kubeadm's (Go's) certificates have them. */
function extensions(fields: CertificateFields): Buffer[] {
  const list = [extension(OID.keyUsage, true, der.namedBits(fields.keyUsage.map((name) => KEY_USAGE_BIT[name])))];
  if (fields.extendedKeyUsage) list.push(extension(OID.extKeyUsage, false, der.sequence(...fields.extendedKeyUsage.map(der.objectIdentifier))));
  list.push(extension(OID.basicConstraints, true, der.sequence(...(fields.isCa ? [der.boolean(true)] : []))));
  list.push(...fields.keyIdentifiers.map((identifier) => Buffer.from(identifier)));
  const names = [
    ...fields.dnsNames.map((name) => der.implicitPrimitive(2, Buffer.from(name, 'latin1'))), // dNSName [2] IA5String
    ...fields.ipAddresses.map((ip) => der.implicitPrimitive(7, ipBytes(ip))), // iPAddress [7] OCTET STRING
  ];
  if (names.length > 0) list.push(extension(OID.subjectAltName, false, der.sequence(...names)));
  return list;
}

/** The signature algorithm a certificate signed by a key of `algorithm` names, and the hash it uses. */
function signatureOf(algorithm: EncryptionAlgorithm): { identifier: Buffer; hash: string } {
  if (algorithm === 'ECDSA-P256') return { identifier: der.sequence(der.objectIdentifier(OID.ecdsaWithSHA256)), hash: 'sha256' };
  if (algorithm === 'ECDSA-P384') return { identifier: der.sequence(der.objectIdentifier(OID.ecdsaWithSHA384)), hash: 'sha384' };
  return { identifier: der.sequence(der.objectIdentifier(OID.sha256WithRSAEncryption), der.nullValue()), hash: 'sha256' };
}

/** The certificate's DER, signed by `signingKey` (of `algorithm`) on the thread pool. */
export async function certificateDer(fields: CertificateFields, signingKey: CryptoKey, algorithm: EncryptionAlgorithm): Promise<ArrayBuffer> {
  const { identifier, hash } = signatureOf(algorithm);
  const tbs = der.sequence(
    der.explicit(0, der.smallInteger(2)), // v3
    der.unsignedInteger(fields.serialNumber),
    identifier,
    Buffer.from(fields.issuer),
    der.sequence(der.time(fields.notBefore), der.time(fields.notAfter)),
    Buffer.from(fields.subject),
    fields.publicKey,
    der.explicit(3, der.sequence(...extensions(fields))),
  );
  // Node signs ECDSA straight into the DER form a certificate holds (WebCrypto gives r||s).
  const signature = await signAsync(hash, tbs, { key: KeyObject.from(signingKey), dsaEncoding: 'der' });
  const certificate = der.sequence(tbs, identifier, der.bitString(signature));
  return certificate.buffer.slice(certificate.byteOffset, certificate.byteOffset + certificate.byteLength) as ArrayBuffer;
}
