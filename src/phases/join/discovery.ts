import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { parseBootstrapToken } from '../../config/bootstrap-token.js';
import { caCertHashes, parseCaCertHash } from '../../pki/discovery-hash.js';
import { detachedJws } from '../../pki/jws.js';
import { KubebootError, UsageError } from '../../util/errors.js';
import { parse } from 'yaml';
import { readFile } from 'node:fs/promises';
import { get as httpsGet } from 'node:https';
import { ApiClient, parseKubeconfig, type ApiCredentials } from '../../util/kube-api.js';
import { isRecord } from '../../util/records.js';

const CLUSTER_INFO_PATH = '/api/v1/namespaces/kube-public/configmaps/cluster-info';

export interface TokenDiscovery {
  /** host:port of the API server, as on the join command line. */
  endpoint: string;
  token: string;
  caCertHashes: string[];
  unsafeSkipCAVerification?: boolean;
  /** How long to wait for a signed cluster-info (timeouts.discovery, 5 minutes by default). */
  timeoutMs?: number;
}

/** What discovery learned and trusts: the server cluster-info names and its CA. */
export interface DiscoveredCluster {
  server: string;
  ca: string;
  kubeconfig: string;
}

/** The one cluster of cluster-info's kubeconfig (it has no contexts or users). */
function clusterOf(kubeconfig: string): { server: string; ca: string } {
  const doc = parse(kubeconfig) as unknown;
  const clusters = isRecord(doc) && Array.isArray(doc.clusters) ? doc.clusters : [];
  const cluster = isRecord(clusters[0]) && isRecord(clusters[0].cluster) ? clusters[0].cluster : {};
  const data = cluster['certificate-authority-data'];
  if (typeof cluster.server !== 'string' || typeof data !== 'string') throw new KubebootError('the kubeconfig in cluster-info has no cluster with a server and certificate authority data');
  return { server: cluster.server, ca: Buffer.from(data, 'base64').toString('utf8') };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * kubeadm's token discovery (app/discovery/token): fetch kube-public/cluster-info anonymously without
 * trusting the server yet, wait for the signature of this token (the controller-manager adds it),
 * check it, check the CA in it against the `sha256:` pins, then fetch it again over TLS verified by
 * that CA and require the very same kubeconfig.
 */
export async function discoverWithToken(options: TokenDiscovery): Promise<DiscoveredCluster> {
  const token = parseBootstrapToken(options.token);
  if (!token) throw new UsageError(`the token ${JSON.stringify(options.token)} does not match "[a-z0-9]{6}.[a-z0-9]{16}"`);
  const pins = options.caCertHashes.map((pin) => [pin, parseCaCertHash(pin)] as const);
  const badPins = pins.filter(([, parsed]) => !parsed).map(([pin]) => pin);
  if (badPins.length > 0) throw new UsageError(`--discovery-token-ca-cert-hash: ${badPins.map((p) => JSON.stringify(p)).join(', ')} is not of the form sha256:<64 hex digits>`);
  if (pins.length === 0 && !options.unsafeSkipCAVerification) {
    throw new UsageError('discovery.bootstrapToken.caCertHashes: Invalid value: "": using token-based discovery without caCertHashes can be unsafe. Set unsafeSkipCAVerification as true in your kubeadm config file or pass --discovery-token-unsafe-skip-ca-verification flag to continue');
  }
  const server = `https://${options.endpoint}`;
  const timeoutMs = options.timeoutMs ?? 300_000;
  const deadline = Date.now() + timeoutMs;
  const anonymous = new ApiClient({ server, insecure: true });
  let info: ConfigMap | undefined;
  let lastProblem = '';
  try {
    for (;;) {
      try {
        info = await anonymous.get<ConfigMap>(CLUSTER_INFO_PATH);
        if (info.data?.[`jws-kubeconfig-${token.id}`] !== undefined && info.data.kubeconfig !== undefined) break;
        lastProblem = `cluster-info has no signature for token id ${token.id}`;
      } catch (err) {
        lastProblem = (err as Error).message;
      }
      if (Date.now() > deadline) {
        throw new KubebootError(`token id "${token.id}" is invalid for this cluster or it has expired (${lastProblem}, after ${Math.round(timeoutMs / 1000)}s)`, {
          hint: 'Create a new valid token on a control-plane node: kubeboot token create --print-join-command',
        });
      }
      await sleep(Math.min(5000, Math.max(250, timeoutMs / 10)));
    }
  } finally {
    anonymous.close();
  }
  const kubeconfig = info.data!.kubeconfig!;
  if (info.data![`jws-kubeconfig-${token.id}`] !== detachedJws(kubeconfig, token.id, token.secret)) {
    throw new KubebootError("failed to verify JWS signature of received cluster info object, can't trust this API Server", { hint: 'Check the token: it must be one the cluster made (kubeboot token list on a control-plane node)' });
  }
  const { server: infoServer, ca } = clusterOf(kubeconfig);
  if (pins.length > 0) {
    const found = caCertHashes(ca);
    if (!found.some((hash) => pins.some(([, pin]) => pin === hash))) {
      throw new KubebootError(`cluster CA found in cluster-info ConfigMap is invalid: none of the public keys "${found.join(', ')}" are pinned`, { hint: 'The --discovery-token-ca-cert-hash must be the one init printed for this cluster' });
    }
  }
  const verified = new ApiClient({ server, ca });
  try {
    const again = await verified.get<ConfigMap>(CLUSTER_INFO_PATH);
    if (again.data?.kubeconfig !== kubeconfig) throw new KubebootError('cluster-info changed between the unverified and the verified read: refusing to trust it');
  } catch (err) {
    if (err instanceof KubebootError) throw err;
    throw new KubebootError(`the API server at ${server} did not prove it holds the cluster CA: ${(err as Error).message}`);
  } finally {
    verified.close();
  }
  return { server: infoServer, ca, kubeconfig };
}

/**
 * kubeadm's file discovery (app/discovery/file): a kubeconfig file, or an https URL serving one, names the
 * cluster (server and CA data). The server must prove it holds that CA: cluster-info is read over TLS
 * verified by it (anonymously; its own server and CA win when it has them, as in kubeadm). The file's
 * user, if it has one, is what join reads the cluster configuration as; else the token is.
 */
export async function discoverWithFile(source: string): Promise<DiscoveredCluster & { user?: ApiCredentials }> {
  let text: string;
  try {
    text = /^https:\/\//.test(source) ? await fetchText(source) : await readFile(source, 'utf8');
  } catch (err) {
    throw new KubebootError(`--discovery-file ${source}: ${(err as Error).message}`);
  }
  const { server, ca } = (() => {
    try {
      return clusterOf(text);
    } catch {
      throw new KubebootError(`--discovery-file ${source}: not a kubeconfig with a cluster (server and certificate-authority-data)`);
    }
  })();
  const user = (() => {
    try {
      return parseKubeconfig(text, source);
    } catch {
      return undefined;
    }
  })();
  const client = new ApiClient({ server, ca });
  try {
    const info = await client.find<ConfigMap>(CLUSTER_INFO_PATH);
    if (info?.data?.kubeconfig) {
      const fromCluster = clusterOf(info.data.kubeconfig);
      return { ...fromCluster, kubeconfig: info.data.kubeconfig, ...(user ? { user } : {}) };
    }
    return { server, ca, kubeconfig: text, ...(user ? { user } : {}) };
  } catch (err) {
    throw new KubebootError(`the API server at ${server} (from --discovery-file) did not prove it holds the CA of the file: ${(err as Error).message}`);
  } finally {
    client.close();
  }
}

function fetchText(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    httpsGet(url, { timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`${url} answered ${res.statusCode}`))));
    }).on('error', reject);
  });
}
