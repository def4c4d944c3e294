import { execa } from 'execa';

/** `openssl x509 -text` of a certificate file, for assertions a user would make by hand. */
export async function x509Text(file: string): Promise<string> {
  return (await execa('openssl', ['x509', '-in', file, '-noout', '-text'])).stdout;
}

/** Whether `openssl verify` accepts `file` as signed by `caFile`. */
export async function opensslVerifies(caFile: string, file: string): Promise<boolean> {
  const result = await execa('openssl', ['verify', '-CAfile', caFile, file], { reject: false });
  return result.exitCode === 0 && result.stdout.trim() === `${file}: OK`;
}

export function sanList(text: string): string[] {
  const line = /X509v3 Subject Alternative Name:.*\n\s*(.*)/.exec(text)?.[1] ?? '';
  return line.split(', ').filter(Boolean);
}
