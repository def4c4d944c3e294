import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Secret } from 'kubernetes-types/core/v1.js';
import { generateBootstrapToken } from '../../config/bootstrap-token.js';
import { tokenFromSecret, tokenSecret } from '../../config/bootstrap-token-secret.js';
import { CERTS_SECRET, certsSecret, filesFromCertsSecret, SHARED_CERT_FILES } from '../../pki/certs-upload.js';
import { groupSubject, NODE_BOOTSTRAP_GROUP, readOneObject } from '../../render/cluster/rbac.js';
import type { Phase } from '../workflow.js';
import { apiFailure, applyObjects, clusterApi, type ClusterApi } from './cluster-api.js';
import type { InitData } from './data.js';

const OWNER_DESCRIPTION = 'Proxy for managing TTL for the kubeadm-certs secret';
const CERTS_PATH = `/api/v1/namespaces/kube-system/secrets/${CERTS_SECRET}`;

/** The files to share, by their data key's path: the CAs and the service-account key pair (external etcd: its client files). */
async function sharedFiles(data: InitData): Promise<Map<string, Uint8Array | undefined>> {
  const { certificatesDir, etcd } = data.config.cluster;
  const files = new Map<string, Uint8Array | undefined>();
  const read = async (path: string) => {
    const text = await data.host.read(path);
    return text === undefined ? undefined : Buffer.from(text);
  };
  for (const path of SHARED_CERT_FILES.filter((p) => !(etcd.external && p.startsWith('etcd/')))) files.set(path, await read(join(certificatesDir, path)));
  if (etcd.external) {
    files.set('external-etcd-ca.crt', await read(etcd.external.caFile));
    files.set('external-etcd.crt', await read(etcd.external.certFile));
    files.set('external-etcd.key', await read(etcd.external.keyFile));
  }
  return files;
}

/** The stored Secret still serves: its owner token lives, and with this key it decrypts to these very files. */
async function stillServes(api: ClusterApi, stored: Secret | undefined, files: Map<string, Uint8Array | undefined>, key: string): Promise<boolean> {
  const owner = stored?.metadata?.ownerReferences?.[0];
  if (!stored || !owner) return false;
  const token = await api.find<Secret>(`/api/v1/namespaces/kube-system/secrets/${owner.name}`);
  const info = token && token.metadata?.uid === owner.uid ? tokenFromSecret(token) : undefined;
  if (!info?.expires || info.expires.getTime() < Date.now() + 30 * 60_000) return false; // keep it only with half an hour left
  try {
    const decrypted = filesFromCertsSecret(stored, key, [...files.keys()]);
    return [...files].every(([path, content]) => (content ? decrypted.get(path)?.equals(Buffer.from(content)) : !decrypted.has(path)));
  } catch {
    return false;
  }
}

/**
 * kubeadm's upload-certs (with --upload-certs): the shared CA and service-account files, encrypted with
 * AES-256-GCM under the certificate key, in Secret kube-system/kubeadm-certs, owned by a 2-hour token
 * so that the token cleaner and the garbage collector remove both; joining nodes may read it.
 */
export const uploadCertsPhase: Phase<InitData> = {
  name: 'upload-certs',
  short: 'Upload the shared certificates, encrypted with the certificate key, to Secret kube-system/kubeadm-certs (with --upload-certs)',
  examples: [['kubeboot init phase upload-certs --upload-certs --config kubeboot.yaml', 'upload them, printing a new certificate key']],
  skipIf: (data) => (data.uploadCerts ? undefined : 'Skipping phase. Please see --upload-certs'),
  run: async (data, task) => {
    const api = await clusterApi(data);
    const given = data.certificateKey;
    const key = given ?? randomBytes(32).toString('hex');
    const files = await sharedFiles(data);
    const missing = [...files].filter(([, content]) => !content).map(([path]) => path);
    const stored = await api.find<Secret>(CERTS_PATH).catch((err) => Promise.reject(apiFailure(err, api.server)));
    if (given && (await stillServes(api, stored, files, key))) {
      task.output(`unchanged Secret kube-system/${CERTS_SECRET} (it holds these files under this key)`);
    } else {
      const ownerToken = tokenSecret({ token: generateBootstrapToken(), ttl: '2h', usages: [], groups: [], description: OWNER_DESCRIPTION }, new Date());
      const owner = (await api.apply(ownerToken)).object;
      const secret = certsSecret(files, key, { name: owner.metadata!.name!, uid: owner.metadata!.uid! });
      await applyObjects(api, [secret], (line) => task.output(line));
    }
    await applyObjects(api, readOneObject('kube-system', 'kubeadm:kubeadm-certs', 'secrets', CERTS_SECRET, [groupSubject(NODE_BOOTSTRAP_GROUP)]), (line) => task.output(line));
    data.certificateKey = key;
    task.output(`${missing.length ? `not found, left empty: ${missing.join(', ')}; ` : ''}certificate key: ${data.skipCertificateKeyPrint ? '<value withheld>' : key}`);
  },
};
