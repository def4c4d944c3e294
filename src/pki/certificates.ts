import { pairPemProblem } from './pem-check.js';
import { join } from 'node:path';
import type { KubebootConfig } from '../config/types.js';
import { parseGoDuration } from '../util/duration.js';
import { KubebootError, UsageError } from '../util/errors.js';
import type { Host } from '../util/host.js';
import { certificateMismatches, issueCa, issueLeaf, type Authority } from './certificate.js';
import { generateKeyPair, importPrivateKeyPem, privateKeyPem, publicKeyPem, samePublicKey, type KeyPair } from './keys.js';
import { certificateSpecs, type CertificateSpec } from './spec.js';
import { x509 } from './x509.js';

export const SERVICE_ACCOUNT_NAME = 'sa';

export type CertificateAction = 'created' | 'reused' | 'external';

export interface CertificateResult {
  name: string;
  action: CertificateAction;
  /** Paths as the system sees them (without --rootfs), as kubeadm prints them. */
  files: string[];
}

export interface PkiOptions {
  /** kubeadm names to handle (`ca`, `apiserver`, ..., `sa`); all when absent. */
  only?: readonly string[];
  now?: Date;
}

export function validityMs(text: string, field: string): number {
  const ms = parseGoDuration(text);
  if (ms === undefined || ms <= 0) throw new KubebootError(`ClusterConfiguration.${field}: got ${JSON.stringify(text)}, expected a positive duration`);
  return ms;
}

/** A CA from disk: with its key, or without it (external CA mode: it can check, not sign). */
export interface LoadedAuthority {
  certificate: x509.X509Certificate;
  signer?: Authority;
}

/** Loads `<certificatesDir>/<file>.crt` and `.key` for a CA; undefined when the certificate is absent. */
export async function loadAuthority(host: Host, dir: string, spec: CertificateSpec): Promise<LoadedAuthority | undefined> {
  const certPem = await host.read(join(dir, `${spec.file}.crt`));
  if (certPem === undefined) return undefined;
  const certificate = new x509.X509Certificate(certPem);
  const keyPem = await host.read(join(dir, `${spec.file}.key`));
  if (keyPem === undefined) return { certificate };
  const { keys, algorithm } = await importPrivateKeyPem(keyPem);
  // A CA key that does not belong to its certificate would sign certificates nothing can verify.
  if (!samePublicKey(keys.publicKey, certificate.publicKey.rawData)) {
    throw new KubebootError(`${join(dir, `${spec.file}.key`)} does not belong to ${join(dir, `${spec.file}.crt`)}: the ${spec.name} CA's key and certificate differ`);
  }
  return { certificate, signer: { certificate, keys, algorithm } };
}

/**
 * `init phase certs`: makes every certificate kubeadm makes, reusing what exists and is right.
 * Everything is checked and generated in memory first; files are written only when nothing is wrong,
 * so a failed run leaves the folder as it was.
 */
export async function ensureCertificates(config: KubebootConfig, host: Host, options: PkiOptions = {}): Promise<CertificateResult[]> {
  const { cluster } = config;
  const dir = cluster.certificatesDir;
  const specs = certificateSpecs(config);
  const known = [...specs.map((spec) => spec.name), SERVICE_ACCOUNT_NAME];
  const unknown = (options.only ?? []).filter((name) => !known.includes(name));
  if (unknown.length > 0) throw new UsageError(`unknown certificate ${unknown.join(', ')}; expected one of ${known.join(', ')}`);
  const wanted = (name: string) => !options.only || options.only.includes(name);
  const now = options.now ?? new Date();
  const caValidity = validityMs(cluster.caCertificateValidityPeriod, 'caCertificateValidityPeriod');
  const leafValidity = validityMs(cluster.certificateValidityPeriod, 'certificateValidityPeriod');

  const problems: string[] = [];
  const writes: Array<{ path: string; content: string; mode: number }> = [];
  const results: CertificateResult[] = [];
  const systemPath = (file: string) => join(cluster.certificatesDir, file);
  const record = (spec: CertificateSpec, action: CertificateAction) =>
    results.push({ name: spec.name, action, files: [systemPath(`${spec.file}.crt`), systemPath(`${spec.file}.key`)] });

  // Authorities first: reuse, take as external, or plan a new one.
  const authorities = new Map<string, LoadedAuthority>();
  const newAuthorities: CertificateSpec[] = [];
  for (const spec of specs.filter((s) => !s.ca)) {
    const needed = wanted(spec.name) || specs.some((leaf) => leaf.ca === spec.name && wanted(leaf.name));
    if (!needed) continue;
    const keyPath = join(dir, `${spec.file}.key`);
    let loaded: LoadedAuthority | undefined;
    try {
      loaded = await loadAuthority(host, dir, spec);
    } catch (err) {
      problems.push(`${systemPath(`${spec.file}.crt`)}: ${(await pairPemProblem(host, dir, spec.file)) ?? `cannot be read as a certificate and key (${(err as Error).message})`}`);
      continue;
    }
    if (!loaded) {
      if ((await host.read(keyPath)) !== undefined) {
        problems.push(`${systemPath(`${spec.file}.key`)} exists without ${systemPath(`${spec.file}.crt`)}; remove the key or restore the certificate`);
      } else if (wanted(spec.name)) {
        newAuthorities.push(spec);
      } else {
        problems.push(`the CA ${spec.name} (${systemPath(`${spec.file}.crt`)}) does not exist; run: kubeboot init phase certs ${spec.name}`);
      }
      continue;
    }
    const mismatches = await certificateMismatches(loaded.certificate, spec, {
      now,
      ...(loaded.signer ? { privateKeyPublicHalf: loaded.signer.keys.publicKey } : {}),
    });
    if (mismatches.length > 0) {
      problems.push(`${systemPath(`${spec.file}.crt`)}: cannot be used as the ${spec.name} CA: ${mismatches.join('; ')}`);
      continue;
    }
    authorities.set(spec.name, loaded);
    if (wanted(spec.name)) record(spec, loaded.signer ? 'reused' : 'external');
  }

  // Leaves: reuse when right, check only when their CA is external, otherwise plan a new one.
  const newLeaves: CertificateSpec[] = [];
  for (const spec of specs.filter((s) => s.ca && wanted(s.name))) {
    const certPem = await host.read(join(dir, `${spec.file}.crt`));
    const keyPem = await host.read(join(dir, `${spec.file}.key`));
    const authority = authorities.get(spec.ca!);
    const newAuthority = newAuthorities.some((ca) => ca.name === spec.ca);
    if (certPem === undefined && keyPem === undefined) {
      if (authority && !authority.signer) {
        problems.push(`${systemPath(`${spec.file}.crt`)} is missing, and the CA ${spec.ca} has no key here (external CA mode): create it with your CA`);
      } else if (authority || newAuthority) {
        newLeaves.push(spec);
      }
      continue;
    }
    if (certPem === undefined || keyPem === undefined) {
      const missing = certPem === undefined ? `${spec.file}.crt` : `${spec.file}.key`;
      problems.push(`${systemPath(missing)} is missing while its pair exists; remove the other file or restore this one`);
      continue;
    }
    if (newAuthority) {
      problems.push(`${systemPath(`${spec.file}.crt`)} exists but its CA ${spec.ca} does not: it cannot have been signed by the CA about to be created; remove it`);
      continue;
    }
    try {
      const certificate = new x509.X509Certificate(certPem);
      const { keys } = await importPrivateKeyPem(keyPem);
      const mismatches = await certificateMismatches(certificate, spec, {
        now,
        privateKeyPublicHalf: keys.publicKey,
        ...(authority ? { authority: authority.certificate } : {}),
      });
      if (mismatches.length > 0) problems.push(`${systemPath(`${spec.file}.crt`)}: exists but differs from what this configuration needs: ${mismatches.join('; ')}`);
      else record(spec, authority?.signer ? 'reused' : 'external');
    } catch (err) {
      problems.push(`${systemPath(`${spec.file}.crt`)}: ${(await pairPemProblem(host, dir, spec.file)) ?? `cannot be read as a certificate and key (${(err as Error).message})`}`);
    }
  }

  // The service-account key pair: not a certificate; reused when present.
  let newServiceAccount = false;
  if (wanted(SERVICE_ACCOUNT_NAME)) {
    const keyPem = await host.read(join(dir, 'sa.key'));
    const files = [systemPath('sa.key'), systemPath('sa.pub')];
    if (keyPem === undefined) {
      newServiceAccount = true;
    } else {
      try {
        const { keys } = await importPrivateKeyPem(keyPem);
        if ((await host.read(join(dir, 'sa.pub'))) === undefined) writes.push({ path: join(dir, 'sa.pub'), content: publicKeyPem(keys.publicKey), mode: 0o600 });
        results.push({ name: SERVICE_ACCOUNT_NAME, action: 'reused', files });
      } catch (err) {
        problems.push(`${systemPath('sa.key')}: cannot be read as a private key (${(err as Error).message})`);
      }
    }
  }

  if (problems.length > 0) {
    throw new KubebootError(`${problems.length === 1 ? 'a certificate' : `${problems.length} certificates`} in ${cluster.certificatesDir} cannot be used; nothing was written`, {
      details: problems,
      hint: 'Fix or remove the files named above (kubeboot reset removes everything init made), then run again.',
    });
  }

  // Every key at once: RSA generation dominates the run, and it runs on the thread pool.
  const toGenerate = [...newAuthorities, ...newLeaves];
  const keys = await Promise.all([
    ...toGenerate.map(() => generateKeyPair(cluster.encryptionAlgorithm)),
    ...(newServiceAccount ? [generateKeyPair(cluster.encryptionAlgorithm)] : []),
  ]);
  const keyOf = new Map<string, KeyPair>(toGenerate.map((spec, i) => [spec.name, keys[i]!]));

  // The CAs at once, then every leaf at once: signing and hashing wait on the thread pool.
  const caCertificates = await Promise.all(newAuthorities.map((spec) => issueCa(spec, keyOf.get(spec.name)!, cluster.encryptionAlgorithm, { validityMs: caValidity, now })));
  for (const [i, spec] of newAuthorities.entries()) {
    const pair = keyOf.get(spec.name)!;
    const certificate = caCertificates[i]!;
    authorities.set(spec.name, { certificate, signer: { certificate, keys: pair, algorithm: cluster.encryptionAlgorithm } });
    writes.push({ path: join(dir, `${spec.file}.crt`), content: certificate.toString('pem'), mode: 0o644 });
    writes.push({ path: join(dir, `${spec.file}.key`), content: privateKeyPem(pair.privateKey), mode: 0o600 });
    if (wanted(spec.name)) record(spec, 'created');
  }
  const leafCertificates = await Promise.all(newLeaves.map((spec) => issueLeaf(spec, keyOf.get(spec.name)!.publicKey, authorities.get(spec.ca!)!.signer!, { validityMs: leafValidity, now })));
  for (const [i, spec] of newLeaves.entries()) {
    const pair = keyOf.get(spec.name)!;
    const certificate = leafCertificates[i]!;
    writes.push({ path: join(dir, `${spec.file}.crt`), content: certificate.pem, mode: 0o644 });
    writes.push({ path: join(dir, `${spec.file}.key`), content: privateKeyPem(pair.privateKey), mode: 0o600 });
    record(spec, 'created');
  }
  if (newServiceAccount) {
    const pair = keys[keys.length - 1]!;
    writes.push({ path: join(dir, 'sa.key'), content: privateKeyPem(pair.privateKey), mode: 0o600 });
    writes.push({ path: join(dir, 'sa.pub'), content: publicKeyPem(pair.publicKey), mode: 0o600 });
    results.push({ name: SERVICE_ACCOUNT_NAME, action: 'created', files: [systemPath('sa.key'), systemPath('sa.pub')] });
  }

  await host.writeTogether(writes.map((w) => ({ path: w.path, content: w.content, mode: w.mode, dirMode: 0o755 })));
  const order = [...specs.map((spec) => spec.name), SERVICE_ACCOUNT_NAME];
  return results.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
}

