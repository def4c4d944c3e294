import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Secret } from 'kubernetes-types/core/v1.js';

/** Secret kube-system/kubeadm-certs: the shared CA and service-account files, for control-plane nodes that join. */
export const CERTS_SECRET = 'kubeadm-certs';
export const CERTIFICATE_KEY = /^[0-9a-fA-F]{64}$/;

/** The files that go in it, by their path under certificatesDir; the data key is the path with "/" as "-". */
export const SHARED_CERT_FILES = ['ca.crt', 'ca.key', 'front-proxy-ca.crt', 'front-proxy-ca.key', 'sa.pub', 'sa.key', 'etcd/ca.crt', 'etcd/ca.key'] as const;
export const dataKeyOf = (path: string): string => path.replace(/\//g, '-');

const NONCE_BYTES = 12;
const TAG_BYTES = 16;

function keyBytes(certificateKey: string): Buffer {
  if (!CERTIFICATE_KEY.test(certificateKey)) throw new Error('the certificate key must be 64 hexadecimal characters (32 bytes; kubeboot certs certificate-key makes one)');
  return Buffer.from(certificateKey, 'hex');
}

/** AES-256-GCM as kubeadm's app/util/crypto does it: nonce (12 random bytes) ‖ ciphertext ‖ tag, no additional data. */
export function encryptWithKey(certificateKey: string, plain: Uint8Array): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', keyBytes(certificateKey), nonce);
  return Buffer.concat([nonce, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
}

export function decryptWithKey(certificateKey: string, sealed: Uint8Array): Buffer {
  const bytes = Buffer.from(sealed);
  if (bytes.length < NONCE_BYTES + TAG_BYTES) throw new Error('error decoding secret data with provided key');
  const decipher = createDecipheriv('aes-256-gcm', keyBytes(certificateKey), bytes.subarray(0, NONCE_BYTES));
  decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(bytes.subarray(NONCE_BYTES, bytes.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new Error('error decoding secret data with provided key');
  }
}

/**
 * The kubeadm-certs Secret: each file encrypted on its own (a missing one is an empty value, skipped on
 * download), owned by the short-lived token Secret so that it is deleted with it.
 */
export function certsSecret(files: ReadonlyMap<string, Uint8Array | undefined>, certificateKey: string, owner: { name: string; uid: string }): Secret {
  const data: Record<string, string> = {};
  for (const [path, content] of files) data[dataKeyOf(path)] = content ? encryptWithKey(certificateKey, content).toString('base64') : '';
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: CERTS_SECRET, namespace: 'kube-system', ownerReferences: [{ apiVersion: 'v1', kind: 'Secret', name: owner.name, uid: owner.uid, controller: true, blockOwnerDeletion: true }] },
    data,
  };
}

/** The files of a kubeadm-certs Secret, decrypted with the key; a wrong key is kubeadm's error, a missing file its own. */
export function filesFromCertsSecret(secret: Secret, certificateKey: string, paths: readonly string[] = SHARED_CERT_FILES): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const path of paths) {
    const value = secret.data?.[dataKeyOf(path)];
    if (value === undefined) throw new Error(`the Secret does not include the required certificate or key - name: ${dataKeyOf(path)}, path: ${path}`);
    if (value === '') continue;
    files.set(path, decryptWithKey(certificateKey, Buffer.from(value, 'base64')));
  }
  return files;
}
