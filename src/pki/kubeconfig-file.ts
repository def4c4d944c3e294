// The kubeconfig file format as kubeboot reads it back: no crypto here, so that reading a file stays cheap
// (`certs check-expiration` loads this, not the x509 library).

/** The parts of a kubeconfig file kubeboot reads back. */
export interface KubeconfigFile {
  clusters?: Array<{ name?: string; cluster?: { server?: string; 'certificate-authority-data'?: string } }>;
  users?: Array<{ name?: string; user?: { 'client-certificate-data'?: string; 'client-key-data'?: string } }>;
}

export function decodeEmbedded(data: string | undefined): string | undefined {
  return data ? Buffer.from(data, 'base64').toString('utf8') : undefined;
}
