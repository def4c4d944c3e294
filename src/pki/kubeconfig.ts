import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { defaults } from '../config/defaults.js';
import type { KubebootConfig } from '../config/types.js';
import { KubebootError, UsageError } from '../util/errors.js';
import type { Host } from '../util/host.js';
import { issueLeaf, type Authority } from './certificate.js';
import { loadAuthority, validityMs } from './certificates.js';
import { generateKeyPair, privateKeyPem } from './keys.js';
import { certificateSpecs, kubeconfigSpecs, type CertificateSpec, type KubeconfigSpec } from './spec.js';
import { decodeEmbedded, type KubeconfigFile } from './kubeconfig-file.js';
import { x509 } from './x509.js';

export interface KubeconfigResult {
  name: string;
  file: string;
  action: 'created' | 'reused';
}

const base64 = (text: string) => Buffer.from(text).toString('base64');

/** A kubeconfig in kubeadm's layout: one cluster, one user, one context `<user>@<clusterName>`. */
export function renderKubeconfig(options: { clusterName: string; server: string; caPem: string; user: string; certPem: string; keyPem: string }): string {
  const context = `${options.user}@${options.clusterName}`;
  return stringify(
    {
      apiVersion: 'v1',
      clusters: [{ cluster: { 'certificate-authority-data': base64(options.caPem), server: options.server }, name: options.clusterName }],
      contexts: [{ context: { cluster: options.clusterName, user: options.user }, name: context }],
      'current-context': context,
      kind: 'Config',
      preferences: {},
      users: [{ name: options.user, user: { 'client-certificate-data': base64(options.certPem), 'client-key-data': base64(options.keyPem) } }],
    },
    { lineWidth: 0 },
  );
}

export function kubeconfigClientSpec(spec: KubeconfigSpec): CertificateSpec {
  return {
    name: spec.name,
    file: spec.file,
    ca: 'ca',
    commonName: spec.user,
    organizations: spec.organizations,
    usages: ['clientAuth'],
    dnsNames: [],
    ipAddresses: [],
  };
}

/** Issues the client certificate a kubeconfig embeds and renders the file. */
export async function newKubeconfig(config: KubebootConfig, spec: KubeconfigSpec, ca: Authority, now?: Date): Promise<string> {
  const keys = await generateKeyPair(config.cluster.encryptionAlgorithm);
  const certificate = await issueLeaf(kubeconfigClientSpec(spec), keys.publicKey, ca, {
    validityMs: validityMs(config.cluster.certificateValidityPeriod, 'certificateValidityPeriod'),
    ...(now ? { now } : {}),
  });
  return renderKubeconfig({
    clusterName: config.cluster.clusterName,
    server: spec.server,
    caPem: ca.certificate.toString('pem'),
    user: spec.user,
    certPem: certificate.pem,
    keyPem: privateKeyPem(keys.privateKey),
  });
}

/**
 * `init phase kubeconfig`: admin, super-admin, kubelet, controller-manager and scheduler kubeconfigs
 * in the Kubernetes folder, mode 0600. An existing file is reused when it trusts the same CA (a
 * different server URL is a warning, as in current kubeadm); one with another CA is an error.
 */
export async function ensureKubeconfigs(
  config: KubebootConfig,
  host: Host,
  options: { only?: readonly string[]; now?: Date } = {},
): Promise<{ results: KubeconfigResult[]; warnings: string[] }> {
  const specs = kubeconfigSpecs(config);
  const unknown = (options.only ?? []).filter((name) => !specs.some((spec) => spec.name === name));
  if (unknown.length > 0) throw new UsageError(`unknown kubeconfig ${unknown.join(', ')}; expected one of ${specs.map((s) => s.name).join(', ')}`);
  const wanted = specs.filter((spec) => !options.only || options.only.includes(spec.name));
  const caSpec = certificateSpecs(config).find((spec) => spec.name === 'ca')!;
  const ca = await loadAuthority(host, config.cluster.certificatesDir, caSpec);
  if (!ca) {
    throw new KubebootError(`the CA ${join(config.cluster.certificatesDir, 'ca.crt')} does not exist`, { hint: 'Run: kubeboot init phase certs ca' });
  }
  const problems: string[] = [];
  const warnings: string[] = [];
  const results: KubeconfigResult[] = [];
  const toCreate: KubeconfigSpec[] = [];
  const caDer = Buffer.from(ca.certificate.rawData);

  for (const spec of wanted) {
    const systemPath = join(defaults.kubernetesDir, spec.file);
    const existing = await host.read(systemPath);
    if (existing === undefined) {
      if (!ca.signer) problems.push(`${systemPath} is missing, and ca.key is not here (external CA mode): create it with your CA`);
      else toCreate.push(spec);
      continue;
    }
    let file: KubeconfigFile;
    try {
      file = parse(existing) as KubeconfigFile;
    } catch (err) {
      problems.push(`${systemPath}: is not a kubeconfig (${(err as Error).message.split('\n')[0]})`);
      continue;
    }
    const cluster = file.clusters?.[0]?.cluster;
    const embeddedCa = decodeEmbedded(cluster?.['certificate-authority-data']);
    let sameCa = false;
    try {
      sameCa = embeddedCa !== undefined && Buffer.compare(Buffer.from(new x509.X509Certificate(embeddedCa).rawData), caDer) === 0;
    } catch {
      sameCa = false;
    }
    if (!sameCa) {
      problems.push(`a kubeconfig file "${systemPath}" exists already but has got the wrong CA cert`);
      continue;
    }
    if (cluster?.server !== spec.server) {
      warnings.push(`a kubeconfig file "${systemPath}" exists already but has an unexpected API Server URL: expected: ${spec.server}, got: ${cluster?.server ?? '(none)'}`);
    }
    results.push({ name: spec.name, file: systemPath, action: 'reused' });
  }
  if (problems.length > 0) {
    throw new KubebootError(`${problems.length === 1 ? 'a kubeconfig file' : `${problems.length} kubeconfig files`} cannot be used; nothing was written`, {
      details: problems,
      hint: 'Remove the files named above (or run kubeboot reset) and run again.',
    });
  }
  const rendered = await Promise.all(toCreate.map((spec) => newKubeconfig(config, spec, ca.signer!, options.now)));
  for (const [i, spec] of toCreate.entries()) {
    const systemPath = join(defaults.kubernetesDir, spec.file);
    await host.write(systemPath, rendered[i]!, { mode: 0o600, dirMode: 0o755 });
    results.push({ name: spec.name, file: systemPath, action: 'created' });
  }
  const order = specs.map((spec) => spec.name);
  return { results: results.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name)), warnings };
}
