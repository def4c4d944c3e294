import { KeyObject, sign } from 'node:crypto';
import { promisify } from 'node:util';
import { ecdsaWithSHA256, ecdsaWithSHA384 } from '@peculiar/asn1-ecc';
import { id_sha256WithRSAEncryption } from '@peculiar/asn1-rsa';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import * as asn from '@peculiar/asn1-x509';
import type { EncryptionAlgorithm } from '../config/types.js';
import './x509.js'; // the Reflect polyfill the ASN.1 classes' decorators need comes first

/*
 * A certificate assembled with the x509 library's own ASN.1 layer (@peculiar/asn1-x509) rather than its
 * X509CertificateGenerator. For a reason measured: the generator encodes each part, parses it back, and
 * parses the whole certificate it has just made once more; with that JavaScript cold (`init` issues each
 * certificate once), it was most of the ~85 ms of the full ECDSA set against a 100 ms target. The
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

function extension(extnID: string, critical: boolean, value: unknown): asn.Extension {
  return new asn.Extension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
}

/** The extensions in the order @peculiar/x509 callers here list them (certificate.ts). */
function extensions(fields: CertificateFields): asn.Extension[] {
  const usage = fields.keyUsage.reduce((flags, name) => flags | asn.KeyUsageFlags[name], 0);
  const list = [extension(asn.id_ce_keyUsage, true, new asn.KeyUsage(usage))];
  if (fields.extendedKeyUsage) list.push(extension(asn.id_ce_extKeyUsage, false, new asn.ExtendedKeyUsage(fields.extendedKeyUsage)));
  list.push(extension(asn.id_ce_basicConstraints, true, new asn.BasicConstraints({ cA: fields.isCa })));
  list.push(...fields.keyIdentifiers.map((der) => AsnConvert.parse(der, asn.Extension)));
  const names = [
    ...fields.dnsNames.map((dNSName) => new asn.GeneralName({ dNSName })),
    ...fields.ipAddresses.map((iPAddress) => new asn.GeneralName({ iPAddress })),
  ];
  if (names.length > 0) list.push(extension(asn.id_ce_subjectAltName, false, new asn.SubjectAlternativeName(names)));
  return list;
}

/**
 * sha256WithRSAEncryption with NULL parameters, made here: asn1-rsa 2.11's ready-made constant of that
 * name carries the OID of sha512-256WithRSAEncryption (…1.1.16, not …1.1.11).
 */
const RSA_SHA256 = new asn.AlgorithmIdentifier({ algorithm: id_sha256WithRSAEncryption, parameters: null });

/** The signature algorithm a certificate signed by a key of `algorithm` names, and the hash it uses. */
function signatureOf(algorithm: EncryptionAlgorithm): { identifier: asn.AlgorithmIdentifier; hash: string } {
  if (algorithm === 'ECDSA-P256') return { identifier: ecdsaWithSHA256, hash: 'sha256' };
  if (algorithm === 'ECDSA-P384') return { identifier: ecdsaWithSHA384, hash: 'sha384' };
  return { identifier: RSA_SHA256, hash: 'sha256' };
}

/** The certificate's DER, signed by `signingKey` (of `algorithm`) on the thread pool. */
export async function certificateDer(fields: CertificateFields, signingKey: CryptoKey, algorithm: EncryptionAlgorithm): Promise<ArrayBuffer> {
  const { identifier, hash } = signatureOf(algorithm);
  const tbsCertificate = new asn.TBSCertificate({
    version: asn.Version.v3,
    serialNumber: fields.serialNumber.buffer.slice(fields.serialNumber.byteOffset, fields.serialNumber.byteOffset + fields.serialNumber.byteLength) as ArrayBuffer,
    signature: identifier,
    issuer: AsnConvert.parse(fields.issuer, asn.Name),
    validity: new asn.Validity({ notBefore: fields.notBefore, notAfter: fields.notAfter }),
    subject: AsnConvert.parse(fields.subject, asn.Name),
    subjectPublicKeyInfo: AsnConvert.parse(fields.publicKey, asn.SubjectPublicKeyInfo),
    extensions: new asn.Extensions(extensions(fields)),
  });
  const tbs = Buffer.from(AsnConvert.serialize(tbsCertificate));
  // Node signs ECDSA straight into the DER form a certificate holds (WebCrypto gives r||s).
  const signature = await signAsync(hash, tbs, { key: KeyObject.from(signingKey), dsaEncoding: 'der' });
  const certificate = new asn.Certificate({ tbsCertificate, signatureAlgorithm: identifier, signatureValue: signature.buffer.slice(signature.byteOffset, signature.byteOffset + signature.byteLength) as ArrayBuffer });
  return AsnConvert.serialize(certificate);
}
