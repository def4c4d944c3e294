import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { parse } from 'yaml';
import { defaults } from '../config/defaults.js';
import type { KubebootConfig } from '../config/types.js';
import type { Host } from '../util/host.js';
import { decodeEmbedded, type KubeconfigFile } from './kubeconfig-file.js';
import { pemProblem } from './pem-check.js';
import { certificateSpecs, kubeconfigSpecs } from './spec.js';

/** A certificate file (or kubeconfig) whose parts do not belong together, and why. */
export interface PkiMismatch {
  name: string;
  /** The system path of the certificate or kubeconfig. */
  file: string;
  problem: string;
}

interface Pair {
  certificate?: X509Certificate;
  key?: KeyObject;
  problem?: string;
}

const NODE_NAMED = ['etcd-server', 'etcd-peer'];
const first = (err: unknown) => (err as Error).message.split('\n')[0];
const commonName = (certificate: X509Certificate) => /(?:^|\n)CN=([^\n]*)/.exec(certificate.subject)?.[1] ?? '';

/**
 * Every pair that does not belong together: a key that is not its certificate's, a leaf its CA did
 * not issue, a leaf file that holds another certificate (another subject), a CA file holding a key.
 * Missing files are not mismatches (check-expiration lists them). `certs renew` refuses while there is
 * any (renewing would sign over the mix-up and restart pods on it), and check-expiration shows them.
 * Node's own X509Certificate: checkPrivateKey, checkIssued and verify are exactly these questions.
 */
export async function pkiMismatches(config: KubebootConfig, host: Host): Promise<PkiMismatch[]> {
  const dir = config.cluster.certificatesDir;
  const specs = certificateSpecs(config);
  const found: PkiMismatch[] = [];
  const cas = new Map<string, X509Certificate>();

  const readPair = async (crtPath: string, keyPath: string): Promise<Pair | undefined> => {
    const [crt, key] = await Promise.all([host.read(crtPath).catch(() => undefined), host.read(keyPath).catch(() => undefined)]);
    if (crt === undefined) return undefined;
    return pairOf(crt, key, keyPath, crtPath);
  };

  for (const spec of specs.filter((s) => !s.ca)) {
    const file = join(dir, `${spec.file}.crt`);
    const pair = await readPair(file, join(dir, `${spec.file}.key`));
    if (!pair) continue;
    if (pair.problem) found.push({ name: spec.name, file, problem: pair.problem });
    if (pair.certificate) cas.set(spec.name, pair.certificate);
  }
  for (const spec of specs.filter((s) => s.ca)) {
    const file = join(dir, `${spec.file}.crt`);
    const pair = await readPair(file, join(dir, `${spec.file}.key`));
    if (!pair) continue;
    // etcd's server and peer certificates are named after the node, which this run may not know: their subject is not compared.
    const expected = NODE_NAMED.includes(spec.name) ? undefined : spec.commonName;
    const problem = pair.problem ?? leafProblem(pair.certificate!, cas.get(spec.ca!), join(dir, `${specs.find((s) => s.name === spec.ca)!.file}.crt`), expected);
    if (problem) found.push({ name: spec.name, file, problem });
  }
  for (const spec of kubeconfigSpecs(config)) {
    const file = join(defaults.kubernetesDir, spec.file);
    const text = await host.read(file).catch(() => undefined);
    if (text === undefined) continue;
    let pair: Pair;
    try {
      const user = (parse(text) as KubeconfigFile).users?.[0]?.user;
      const crt = decodeEmbedded(user?.['client-certificate-data']);
      if (!crt) {
        found.push({ name: spec.file, file, problem: 'has no client-certificate-data' });
        continue;
      }
      pair = pairOf(crt, decodeEmbedded(user?.['client-key-data']), 'its client-key-data', 'its client-certificate-data');
    } catch (err) {
      found.push({ name: spec.file, file, problem: `cannot be read as a kubeconfig (${first(err)})` });
      continue;
    }
    const problem = pair.problem ?? leafProblem(pair.certificate!, cas.get('ca'), join(dir, 'ca.crt'));
    if (problem) found.push({ name: spec.file, file, problem });
  }
  return found;
}

function pairOf(crt: string, key: string | undefined, keyName: string, crtName: string): Pair {
  let certificate: X509Certificate;
  const framing = pemProblem(crt, 'CERTIFICATE');
  if (framing) return { problem: crtName.startsWith('its ') ? `${crtName} ${framing}` : framing };
  try {
    certificate = new X509Certificate(crt);
  } catch (err) {
    return { problem: `is not a PEM certificate (${first(err)})` };
  }
  if (key === undefined) return { certificate };
  const keyFraming = pemProblem(key, 'PRIVATE KEY');
  if (keyFraming) return { certificate, problem: `${keyName} ${keyFraming}` };
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(key);
  } catch (err) {
    return { certificate, problem: `its key ${keyName} is not a PEM private key (${first(err)})` };
  }
  if (!certificate.checkPrivateKey(privateKey)) return { certificate, key: privateKey, problem: `${keyName} does not belong to ${crtName}` };
  return { certificate, key: privateKey };
}

function leafProblem(leaf: X509Certificate, ca: X509Certificate | undefined, caFile: string, expectedName?: string): string | undefined {
  if (ca && !(leaf.checkIssued(ca) && leaf.verify(ca.publicKey))) return `was not issued by the CA ${caFile} (its issuer: ${leaf.issuer.replace(/\n/g, ', ')})`;
  if (expectedName !== undefined && commonName(leaf) !== expectedName) return `holds the certificate of CN=${commonName(leaf)}, expected CN=${expectedName}`;
  return undefined;
}
