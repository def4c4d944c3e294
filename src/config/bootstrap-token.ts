import { randomInt } from 'node:crypto';

/** kubeadm's bootstrap token format (k8s.io/cluster-bootstrap/token/api): `<id>.<secret>`. */
export const BOOTSTRAP_TOKEN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
/** The usages a token may have, and the pattern of its extra groups (k8s.io/cluster-bootstrap). */
export const TOKEN_USAGES = ['signing', 'authentication'];
export const BOOTSTRAP_GROUP = /^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A new random token, as `kubeadm token generate` makes one (CSPRNG, each character of [a-z0-9]). */
export function generateBootstrapToken(): string {
  const pick = (n: number) => Array.from({ length: n }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
  return `${pick(6)}.${pick(16)}`;
}

/** A token's id and secret, or undefined when it is not of kubeadm's format. */
export function parseBootstrapToken(token: string): { id: string; secret: string } | undefined {
  const match = BOOTSTRAP_TOKEN.exec(token);
  return match ? { id: match[1]!, secret: match[2]! } : undefined;
}
