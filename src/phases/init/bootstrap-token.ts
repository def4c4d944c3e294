import { join } from 'node:path';
import type { ConfigMap, Secret } from 'kubernetes-types/core/v1.js';
import { generateBootstrapToken } from '../../config/bootstrap-token.js';
import { DEFAULT_TOKEN_DESCRIPTION, TOKEN_SECRET_TYPE, tokenFromSecret, tokenSecret } from '../../config/bootstrap-token-secret.js';
import type { BootstrapToken } from '../../config/types.js';
import { bootstrapRbacObjects, clusterInfoObjects } from '../../render/cluster/bootstrap-token.js';
import { KubebootError } from '../../util/errors.js';
import type { Phase } from '../workflow.js';
import { apiFailure, applyObjects, clusterApi, describeObject, type ClusterApi } from './cluster-api.js';
import type { InitData } from './data.js';

export const TOKEN_SECRETS = `/api/v1/namespaces/kube-system/secrets?fieldSelector=${encodeURIComponent(`type=${TOKEN_SECRET_TYPE}`)}`;

/**
 * The token for a configured entry: its own, or (none given) the one an earlier `kubeboot init` generated
 * while it has at least an hour left — so that init run again changes nothing — or a new one.
 */
async function tokenFor(api: ClusterApi, entry: BootstrapToken): Promise<BootstrapToken & { token: string }> {
  if (entry.token) return { ...entry, token: entry.token };
  const description = entry.description || DEFAULT_TOKEN_DESCRIPTION;
  const earlier = (await api.list<Secret>(TOKEN_SECRETS))
    .map(tokenFromSecret)
    .find((t) => t && t.description === description && t.expires && t.expires.getTime() > Date.now() + 3_600_000 && t.groups.join() === entry.groups.join() && t.usages.join() === [...entry.usages].sort().join());
  return { ...entry, description, token: earlier?.token ?? generateBootstrapToken() };
}

/** An existing token Secret keeps its expiration when nothing else about the token changed (the token lives from its first run). */
function keepExpiration(stored: Secret, wanted: Secret): Secret {
  const { expiration: was, ...storedRest } = stored.data ?? {};
  const { expiration: _now, ...wantedRest } = wanted.data ?? {};
  const same = JSON.stringify(Object.entries(storedRest).sort()) === JSON.stringify(Object.entries(wantedRest).sort());
  return same && was !== undefined && wanted.data?.expiration !== undefined ? { ...wanted, data: { ...wanted.data, expiration: was } } : wanted;
}

/** cluster-info keeps the signatures the controller-manager added (it re-signs if the kubeconfig changed). */
function keepSignatures(stored: ConfigMap, wanted: ConfigMap): ConfigMap {
  const signatures = Object.entries(stored.data ?? {}).filter(([key]) => key.startsWith('jws-kubeconfig-'));
  return { ...wanted, data: { ...wanted.data, ...Object.fromEntries(signatures) } };
}

/**
 * kubeadm's bootstrap-token: the token Secrets (a generated token when none is configured), the RBAC that
 * lets a node join with one (read Nodes, post CSRs, have them approved, rotate its certificate), and
 * ConfigMap kube-public/cluster-info with the server and CA, readable anonymously. The controller-manager
 * signs cluster-info with each token (jws-kubeconfig-<id>), as in a real cluster.
 */
export const bootstrapTokenPhase: Phase<InitData> = {
  name: 'bootstrap-token',
  short: 'Create the bootstrap tokens, the RBAC for joining nodes, and the kube-public/cluster-info ConfigMap',
  examples: [['kubeboot init phase bootstrap-token --config kubeboot.yaml', 'tokens, their RBAC and cluster-info']],
  run: async (data, task) => {
    const api = await clusterApi(data);
    const output = (line: string) => task.output(line);
    const caPath = join(data.config.cluster.certificatesDir, 'ca.crt');
    const ca = await data.host.read(caPath);
    if (ca === undefined) throw new KubebootError(`${caPath} does not exist: cluster-info needs the CA`, { hint: 'Run: kubeboot init phase certs ca' });
    data.tokens = [];
    for (const entry of data.config.init.bootstrapTokens) {
      const token = await tokenFor(api, entry).catch((err) => Promise.reject(apiFailure(err, api.server)));
      const secret = tokenSecret(token, new Date());
      const { action } = await api.apply(secret, keepExpiration).catch((err) => Promise.reject(apiFailure(err, api.server)));
      output(`${action} ${describeObject(secret)}`);
      data.tokens.push(token.token);
    }
    const [clusterInfo, ...clusterInfoRbac] = clusterInfoObjects(api.server, ca);
    await applyObjects(api, bootstrapRbacObjects(), output);
    const { action } = await api.apply(clusterInfo, keepSignatures).catch((err) => Promise.reject(apiFailure(err, api.server)));
    output(`${action} ${describeObject(clusterInfo)}`);
    await applyObjects(api, clusterInfoRbac, output);
    output(`bootstrap token${data.tokens.length === 1 ? '' : 's'}: ${data.skipTokenPrint ? '<value withheld>' : data.tokens.join(', ')}`);
  },
};
