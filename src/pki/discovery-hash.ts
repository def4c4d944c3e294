import { createHash } from 'node:crypto';
import { x509 } from './x509.js';

/**
 * kubeadm's CA pin (app/util/pubkeypin): `sha256:` and the lower-case hex SHA-256 of the certificate's
 * DER SubjectPublicKeyInfo — not of the whole certificate — one per CA certificate in the data.
 */
export function caCertHashes(pem: string): string[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((block) => `sha256:${createHash('sha256').update(Buffer.from(new x509.X509Certificate(block).publicKey.rawData)).digest('hex')}`);
}

/** A `--discovery-token-ca-cert-hash` value as kubeadm accepts it (`sha256:` in any case, 64 hex digits), normalised; undefined when it is not one. */
export function parseCaCertHash(pin: string): string | undefined {
  const match = /^sha256:([0-9a-f]{64})$/i.exec(pin.trim());
  return match ? `sha256:${match[1]!.toLowerCase()}` : undefined;
}
