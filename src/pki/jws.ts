import { createHmac } from 'node:crypto';

const b64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

/**
 * The detached JWS a bootstrap signer puts beside cluster-info's kubeconfig (k8s.io/cluster-bootstrap/
 * token/jws): HS256 keyed by the token secret, protected header exactly {"alg":"HS256","kid":"<id>"},
 * serialized as `<header>..<signature>` (RFC 7515 appendix F). A verifier recomputes it and compares.
 */
export function detachedJws(payload: string, tokenId: string, tokenSecret: string): string {
  const header = b64url(JSON.stringify({ alg: 'HS256', kid: tokenId }));
  const signature = createHmac('sha256', tokenSecret).update(`${header}.${b64url(payload)}`).digest();
  return `${header}..${b64url(signature)}`;
}
