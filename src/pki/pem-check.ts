import { join } from 'node:path';
import type { Host } from '../util/host.js';

/**
 * Why a PEM file is not what it should be, in words (the libraries say "Unsupported format of 'raw'
 * argument" or "Data does not match to Certificate ASN1 schema"): no PEM block, a block of another type
 * (a public key where a certificate belongs), or a block cut short. Undefined when its framing is right.
 */
export function pemProblem(text: string, want: 'CERTIFICATE' | 'PRIVATE KEY'): string | undefined {
  const begins = [...text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----/g)].map((m) => m[1]!);
  const expected = want === 'CERTIFICATE' ? 'a CERTIFICATE' : 'a PRIVATE KEY';
  if (begins.length === 0) return `holds no PEM block; expected ${expected}`;
  const label = begins[0]!;
  const fits = want === 'CERTIFICATE' ? label === 'CERTIFICATE' : /PRIVATE KEY$/.test(label);
  if (!fits) return `holds a ${label} PEM block; expected ${expected}`;
  if (!text.includes(`-----END ${label}-----`)) return `is truncated: its ${label} block has no END line`;
  return undefined;
}

/** The PEM problem of a certificate and its key under certificatesDir, for an error that came from reading them. */
export async function pairPemProblem(host: Host, dir: string, file: string): Promise<string | undefined> {
  const [crt, key] = await Promise.all([host.read(join(dir, `${file}.crt`)).catch(() => undefined), host.read(join(dir, `${file}.key`)).catch(() => undefined)]);
  const crtProblem = crt === undefined ? undefined : pemProblem(crt, 'CERTIFICATE');
  if (crtProblem) return crtProblem;
  const keyProblem = key === undefined ? undefined : pemProblem(key, 'PRIVATE KEY');
  return keyProblem ? `its key ${join(dir, `${file}.key`)} ${keyProblem}` : undefined;
}
