import type { Secret } from 'kubernetes-types/core/v1.js';
import { stringify } from 'yaml';
import { BOOTSTRAP_GROUP, BOOTSTRAP_TOKEN, generateBootstrapToken, TOKEN_USAGES } from '../config/bootstrap-token.js';
import { rfc3339, TOKEN_SECRET_PREFIX, tokenFromSecret, tokenSecret, type TokenInfo } from '../config/bootstrap-token-secret.js';
import { TOKEN_SECRETS } from '../phases/init/bootstrap-token.js';
import { joinCommand } from '../phases/init/show-join-command.js';
import { CERTIFICATE_KEY } from '../pki/certs-upload.js';
import { caCertHashes } from '../pki/discovery-hash.js';
import { NODE_BOOTSTRAP_GROUP } from '../render/cluster/rbac.js';
import { byCodePoint } from '../util/compare.js';
import { ADMIN_KUBECONFIG } from '../util/constants.js';
import { humanDuration, parseGoDuration } from '../util/duration.js';
import { KubebootError, UsageError } from '../util/errors.js';
import { Host } from '../util/host.js';
import { ApiClient, ApiError, readKubeconfig } from '../util/kube-api.js';

export interface TokenConnection {
  kubeconfig?: string;
  rootfs?: string;
}

/** The API as the kubeconfig says: --kubeconfig, else admin.conf under --rootfs. */
async function connect(options: TokenConnection): Promise<ApiClient> {
  const path = options.kubeconfig ?? (await Host.open(options.rootfs)).path(ADMIN_KUBECONFIG);
  try {
    return new ApiClient(readKubeconfig(path));
  } catch (err) {
    throw new KubebootError(`cannot use the kubeconfig ${path}: ${(err as Error).message}`, { hint: 'Give one with --kubeconfig, or --rootfs for the root kubeboot init used' });
  }
}

function failure(err: unknown, client: ApiClient): Error {
  if (err instanceof KubebootError) return err;
  return new KubebootError(`the API server at ${client.credentials.server}: ${(err as Error).message}`, { hint: 'Is the control plane up? kubeboot ps' });
}

async function withClient<T>(options: TokenConnection, work: (client: ApiClient) => Promise<T>): Promise<T> {
  const client = await connect(options);
  try {
    return await work(client);
  } catch (err) {
    throw failure(err, client);
  } finally {
    client.close();
  }
}

export interface CreateOptions extends TokenConnection {
  ttl: string;
  usages: string[];
  groups: string[];
  description?: string;
  printJoinCommand?: boolean;
  certificateKey?: string;
}

/** Every problem with the flags of `token create`, at once, as kubeadm words them. */
function createProblems(token: string | undefined, options: CreateOptions): string[] {
  const problems: string[] = [];
  if (token !== undefined && !BOOTSTRAP_TOKEN.test(token)) problems.push(`the token ${JSON.stringify(token)} does not match the pattern "[a-z0-9]{6}.[a-z0-9]{16}" (e.g. abcdef.0123456789abcdef; kubeboot token generate makes one)`);
  const ttl = parseGoDuration(options.ttl);
  if (ttl === undefined || ttl < 0) problems.push(`--ttl: ${JSON.stringify(options.ttl)} is not a duration such as 24h0m0s or 30m (0 never expires)`);
  for (const usage of options.usages.filter((u) => !TOKEN_USAGES.includes(u))) problems.push(`--usages: invalid bootstrap token usage ${JSON.stringify(usage)}, valid usages are ${TOKEN_USAGES.join(', ')}`);
  for (const group of options.groups.filter((g) => !BOOTSTRAP_GROUP.test(g))) problems.push(`--groups: ${JSON.stringify(group)} does not match ${BOOTSTRAP_GROUP.source}`);
  if (options.groups.length > 0 && !options.usages.includes('authentication')) problems.push('--groups: token groups need the "authentication" usage (--usages authentication)');
  if (options.certificateKey !== undefined && !CERTIFICATE_KEY.test(options.certificateKey)) problems.push('--certificate-key: expected 64 hexadecimal characters (kubeboot certs certificate-key makes one)');
  if (options.certificateKey !== undefined && !options.printJoinCommand) problems.push('--certificate-key is used only with --print-join-command');
  return problems;
}

/** `token create`: the token Secret (refused when a token with that id exists); prints the token or the join command. */
export async function createToken(token: string | undefined, options: CreateOptions): Promise<string> {
  const problems = createProblems(token, options);
  if (problems.length > 0) throw new UsageError(problems.length === 1 ? problems[0]! : `${problems.length} problems: nothing was created`, problems.length > 1 ? { details: problems } : {});
  const value = token ?? generateBootstrapToken();
  return withClient(options, async (client) => {
    const secret = tokenSecret({ token: value, ttl: options.ttl, usages: options.usages, groups: options.groups, ...(options.description ? { description: options.description } : {}) }, new Date());
    try {
      await client.create(secret);
    } catch (err) {
      if (err instanceof ApiError && err.code === 409) throw new KubebootError(`a token with id ${JSON.stringify(value.split('.')[0])} already exists`, { hint: 'kubeboot token list shows it; kubeboot token delete removes it' });
      throw err;
    }
    if (!options.printJoinCommand) return `${value}\n`;
    const hashes = caCertHashes(client.credentials.ca ?? '');
    if (hashes.length === 0) throw new KubebootError('the kubeconfig has no certificate authority data to pin in the join command');
    const endpoint = client.credentials.server.replace(/^https:\/\//, '');
    const controlPlane = options.certificateKey !== undefined;
    return `${joinCommand(controlPlane ? 'kubeboot' : 'kubeadm', { endpoint, token: value, hashes, ...(controlPlane ? { controlPlane: { certificateKey: options.certificateKey! } } : {}) }, controlPlane)}\n`;
  });
}

/** `token list`: the bootstrap tokens, as kubeadm prints them (TOKEN TTL EXPIRES USAGES DESCRIPTION EXTRA GROUPS). */
export async function listTokens(options: TokenConnection & { output: string }): Promise<string> {
  const tokens = await withClient(options, async (client) => (await client.get<{ items: Secret[] }>(TOKEN_SECRETS)).items.map(tokenFromSecret).filter((t): t is TokenInfo => t !== undefined));
  tokens.sort((a, b) => byCodePoint(a.id, b.id));
  const now = Date.now();
  const rows = tokens.map((t) => ({
    token: t.token,
    ttl: t.expires ? humanDuration(t.expires.getTime() - now) : '<forever>',
    expires: t.expires ? rfc3339(t.expires) : '<never>',
    usages: t.usages.join(','),
    description: t.description || '<none>',
    extraGroups: t.groups.join(',') || '<none>',
  }));
  if (options.output === 'json') return `${JSON.stringify(tokens.map((t) => ({ token: t.token, description: t.description, expires: t.expires ? rfc3339(t.expires) : null, usages: t.usages, groups: t.groups })), null, 2)}\n`;
  if (options.output === 'yaml') return stringify(tokens.map((t) => ({ token: t.token, description: t.description, expires: t.expires ? rfc3339(t.expires) : null, usages: t.usages, groups: t.groups })));
  const header = ['TOKEN', 'TTL', 'EXPIRES', 'USAGES', 'DESCRIPTION', 'EXTRA GROUPS'];
  const table = [header, ...rows.map((r) => [r.token, r.ttl, r.expires, r.usages, r.description, r.extraGroups])];
  const widths = header.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  return table.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]! + 3))).join('')).join('\n') + '\n';
}

/** `token delete`: each token by id or whole token, a line each (`say`); all names are checked before anything is deleted. */
export async function deleteTokens(names: string[], options: TokenConnection, say: (line: string) => void): Promise<void> {
  const ids = names.map((name) => (/^[a-z0-9]{6}$/.test(name) ? name : BOOTSTRAP_TOKEN.exec(name)?.[1]));
  const bad = names.filter((_, i) => ids[i] === undefined);
  if (bad.length > 0) throw new UsageError(`given token or token id ${bad.map((b) => JSON.stringify(b)).join(', ')} didn't match the pattern "[a-z0-9]{6}" or "[a-z0-9]{6}.[a-z0-9]{16}"`);
  await withClient(options, async (client) => {
    const missing: string[] = [];
    for (const id of ids as string[]) {
      try {
        await client.delete(`/api/v1/namespaces/kube-system/secrets/${TOKEN_SECRET_PREFIX}${id}`);
        say(`bootstrap token "${id}" deleted`);
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 404)) throw err;
        missing.push(id);
      }
    }
    if (missing.length > 0) throw new KubebootError(`no bootstrap token with id ${missing.map((m) => JSON.stringify(m)).join(', ')}`, { hint: 'kubeboot token list shows the tokens' });
  });
}

export const DEFAULT_CREATE = { ttl: '24h0m0s', usages: ['signing', 'authentication'], groups: [NODE_BOOTSTRAP_GROUP] };
