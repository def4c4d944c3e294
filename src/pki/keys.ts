import { createPrivateKey, createPublicKey, KeyObject } from 'node:crypto';
import type { EncryptionAlgorithm } from '../config/types.js';
import { subtle } from './x509.js';

export interface KeyPair {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
}

interface AlgorithmParams {
  generate: RsaHashedKeyGenParams | EcKeyGenParams;
}

export function algorithmParams(algorithm: EncryptionAlgorithm): AlgorithmParams {
  switch (algorithm) {
    case 'ECDSA-P256':
      return { generate: { name: 'ECDSA', namedCurve: 'P-256' } };
    case 'ECDSA-P384':
      return { generate: { name: 'ECDSA', namedCurve: 'P-384' } };
    default: {
      const modulusLength = Number(algorithm.slice('RSA-'.length));
      return { generate: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', modulusLength, publicExponent: new Uint8Array([1, 0, 1]) } };
    }
  }
}

/** Generation runs on libuv's thread pool: many keys at once keep the event loop (and spinners) free. */
export async function generateKeyPair(algorithm: EncryptionAlgorithm): Promise<KeyPair> {
  return (await subtle.generateKey(algorithmParams(algorithm).generate, true, ['sign', 'verify'])) as KeyPair;
}

/** PEM as kubeadm writes keys: PKCS#1 `RSA PRIVATE KEY` or SEC1 `EC PRIVATE KEY`. */
export function privateKeyPem(key: CryptoKey): string {
  const object = KeyObject.from(key);
  return object.export({ type: object.asymmetricKeyType === 'ec' ? 'sec1' : 'pkcs1', format: 'pem' }).toString();
}

/** `PUBLIC KEY` (SubjectPublicKeyInfo), as kubeadm writes sa.pub. */
export function publicKeyPem(key: CryptoKey): string {
  return KeyObject.from(key).export({ type: 'spki', format: 'pem' }).toString();
}

/** Loads a private key in any PEM form Go's keyutil accepts, with the algorithm it was made for. */
export async function importPrivateKeyPem(pem: string): Promise<{ keys: KeyPair; algorithm: EncryptionAlgorithm }> {
  const privateObject = createPrivateKey(pem);
  const publicObject = createPublicKey(privateObject);
  let algorithm: EncryptionAlgorithm;
  if (privateObject.asymmetricKeyType === 'rsa') {
    const bits = privateObject.asymmetricKeyDetails?.modulusLength ?? 2048;
    algorithm = bits >= 4096 ? 'RSA-4096' : bits >= 3072 ? 'RSA-3072' : 'RSA-2048';
  } else if (privateObject.asymmetricKeyType === 'ec') {
    algorithm = privateObject.asymmetricKeyDetails?.namedCurve === 'secp384r1' ? 'ECDSA-P384' : 'ECDSA-P256';
  } else {
    throw new Error(`unsupported key type ${privateObject.asymmetricKeyType ?? 'unknown'}; expected RSA or ECDSA`);
  }
  const params = algorithmParams(algorithm).generate;
  const privateKey = await subtle.importKey('pkcs8', privateObject.export({ type: 'pkcs8', format: 'der' }), params, true, ['sign']);
  const publicKey = await subtle.importKey('spki', publicObject.export({ type: 'spki', format: 'der' }), params, true, ['verify']);
  return { keys: { privateKey, publicKey }, algorithm };
}

/** Whether a certificate's public key is the public half of `key`. */
export function samePublicKey(a: CryptoKey, spkiDer: ArrayBuffer): boolean {
  const der = KeyObject.from(a).export({ type: 'spki', format: 'der' });
  return Buffer.compare(der, Buffer.from(spkiDer)) === 0;
}
