import assert from 'node:assert/strict';
import { X509Certificate as NodeX509, KeyObject } from 'node:crypto';
import { describe, test } from 'node:test';
import type { EncryptionAlgorithm } from '../../../src/config/types.js';
import { certificateDer, type CertificateFields } from '../../../src/pki/certificate-der.js';
import { generateKeyPair } from '../../../src/pki/keys.js';
import { x509 } from '../../../src/pki/x509.js';

// certificate-der.ts assembles certificates itself for speed; the x509 library's generator, given the
// same fields, is the reference it must match byte for byte (all but the signature, which is random for ECDSA).

const notBefore = new Date('2026-01-02T03:04:05Z');
const notAfterSoon = new Date('2027-01-02T03:04:05Z');
const serial = '1f2e3d4c5b6a79880011223344556677';

/** What kubeadm signs with (Go's x509 for each key type), in WebCrypto's terms for the reference generator. */
const SIGNING: Record<string, Algorithm | EcdsaParams> = {
  'ECDSA-P256': { name: 'ECDSA', hash: 'SHA-256' } as EcdsaParams,
  'ECDSA-P384': { name: 'ECDSA', hash: 'SHA-384' } as EcdsaParams,
  'RSA-2048': { name: 'RSASSA-PKCS1-v1_5' },
};

/** The to-be-signed part's bytes as they are in the certificate (not parsed and encoded again, which would hide a non-DER encoding). */
function tbsOf(certificate: ArrayBuffer): Buffer {
  const bytes = Buffer.from(certificate);
  const header = (at: number) => (bytes[at + 1]! < 0x80 ? { size: 2, length: bytes[at + 1]! } : { size: 2 + (bytes[at + 1]! & 0x7f), length: bytes.subarray(at + 2, at + 2 + (bytes[at + 1]! & 0x7f)).reduce((n, b) => n * 256 + b, 0) });
  const outer = header(0);
  const tbs = header(outer.size);
  return bytes.subarray(outer.size, outer.size + tbs.size + tbs.length);
}

// The RSA set also runs past 2049, where a Time is a GeneralizedTime rather than a UTCTime.
for (const [algorithm, notAfter] of [['ECDSA-P256', notAfterSoon], ['ECDSA-P384', notAfterSoon], ['RSA-2048', new Date('2056-06-07T08:09:10Z')]] as Array<[EncryptionAlgorithm, Date]>) {
  describe(`certificate DER, ${algorithm}, until ${notAfter.getUTCFullYear()}`, () => {
    test('a CA and a leaf it signs: the same bytes as @peculiar/x509 makes, signatures OpenSSL verifies', async () => {
      const [caKeys, leafKeys] = await Promise.all([generateKeyPair(algorithm), generateKeyPair(algorithm)]);
      const caName = new x509.Name([{ CN: ['kubernetes'] }]);
      const leafName = new x509.Name([{ O: ['kubeadm:cluster-admins'] }, { CN: ['kubernetes-admin'] }]);
      const ski = await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey);
      const aki = await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey);
      const spki = (key: CryptoKey) => KeyObject.from(key).export({ type: 'spki', format: 'der' });

      const caFields: CertificateFields = {
        serialNumber: Buffer.from(serial, 'hex'), subject: caName.toArrayBuffer(), issuer: caName.toArrayBuffer(), notBefore, notAfter,
        publicKey: spki(caKeys.publicKey), keyUsage: ['digitalSignature', 'keyEncipherment', 'keyCertSign'], isCa: true,
        keyIdentifiers: [ski.rawData], dnsNames: ['kubernetes'], ipAddresses: [],
      };
      const caDer = await certificateDer(caFields, caKeys.privateKey, algorithm);
      const caReference = await x509.X509CertificateGenerator.createSelfSigned({
        serialNumber: serial, name: caName, notBefore, notAfter, signingAlgorithm: SIGNING[algorithm]!, keys: caKeys,
        extensions: [
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment | x509.KeyUsageFlags.keyCertSign, true),
          new x509.BasicConstraintsExtension(true, undefined, true),
          ski,
          new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: 'kubernetes' }]),
        ],
      });
      assert.deepEqual(tbsOf(caDer), tbsOf(caReference.rawData));

      const leafFields: CertificateFields = {
        serialNumber: Buffer.from(serial, 'hex'), subject: leafName.toArrayBuffer(), issuer: caName.toArrayBuffer(), notBefore, notAfter,
        publicKey: spki(leafKeys.publicKey), keyUsage: ['digitalSignature', 'keyEncipherment'], extendedKeyUsage: [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth],
        isCa: false, keyIdentifiers: [aki.rawData], dnsNames: ['localhost', 'node-1.example'], ipAddresses: ['10.96.0.1', '127.0.0.1', 'fd00::1'],
      };
      const leafDer = await certificateDer(leafFields, caKeys.privateKey, algorithm);
      const leafReference = await x509.X509CertificateGenerator.create({
        serialNumber: serial, subject: leafName, issuer: caName, notBefore, notAfter, signingAlgorithm: SIGNING[algorithm]!,
        publicKey: leafKeys.publicKey, signingKey: caKeys.privateKey,
        extensions: [
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
          new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
          new x509.BasicConstraintsExtension(false, undefined, true),
          aki,
          new x509.SubjectAlternativeNameExtension([
            { type: 'dns', value: 'localhost' }, { type: 'dns', value: 'node-1.example' },
            { type: 'ip', value: '10.96.0.1' }, { type: 'ip', value: '127.0.0.1' }, { type: 'ip', value: 'fd00::1' },
          ]),
        ],
      });
      assert.deepEqual(tbsOf(leafDer), tbsOf(leafReference.rawData));

      // The signatures: checked by OpenSSL (through Node), not by the library that made them.
      const ca = new NodeX509(Buffer.from(caDer));
      const leaf = new NodeX509(Buffer.from(leafDer));
      assert.ok(ca.verify(ca.publicKey), 'the CA is self-signed');
      assert.ok(leaf.verify(ca.publicKey), 'the leaf is signed by the CA');
      assert.ok(leaf.checkIssued(ca));
      assert.equal(leaf.subjectAltName, 'DNS:localhost, DNS:node-1.example, IP Address:10.96.0.1, IP Address:127.0.0.1, IP Address:FD00:0:0:0:0:0:0:1');
    });
  });
}
