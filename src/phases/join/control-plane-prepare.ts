import { join } from 'node:path';
import type { Secret } from 'kubernetes-types/core/v1.js';
import { CERTS_SECRET, filesFromCertsSecret, SHARED_CERT_FILES } from '../../pki/certs-upload.js';
import { KubebootError } from '../../util/errors.js';
import { ApiError } from '../../util/kube-api.js';
import { certsPhase } from '../init/certs.js';
import { controlPlanePhase } from '../init/control-plane.js';
import { kubeconfigPhase } from '../init/kubeconfig.js';
import { flatten, type Phase } from '../workflow.js';
import type { JoinData } from './data.js';

const childNames = (phase: Phase<never>) => flatten(phase.phases ?? []).filter((p) => p.depth === 0).map((p) => p.phase.name);

/**
 * kubeadm's download-certs: kube-system/kubeadm-certs read with the token and decrypted with the
 * certificate key — every file first, so that a wrong key writes nothing — then written with kubeadm's
 * modes (keys 0600, certificates and the public key 0644).
 */
async function downloadCerts(data: JoinData): Promise<string> {
  const key = data.request.certificateKey!;
  let secret: Secret;
  try {
    secret = await data.tokenClient.get<Secret>(`/api/v1/namespaces/kube-system/secrets/${CERTS_SECRET}`);
  } catch (err) {
    if (err instanceof ApiError && err.code === 404) {
      throw new KubebootError(`Secret kube-system/${CERTS_SECRET} does not exist: the certificates were not uploaded, or their two hours are over`, { hint: 'On a control-plane node: kubeboot init phase upload-certs --upload-certs (it prints a new key)' });
    }
    throw err;
  }
  let files: Map<string, Buffer>;
  try {
    files = filesFromCertsSecret(secret, key, SHARED_CERT_FILES);
  } catch (err) {
    throw new KubebootError(`${(err as Error).message}: the certificate key does not open Secret kube-system/${CERTS_SECRET}; nothing was written`, { hint: 'Use the key the control-plane node printed with --upload-certs, or upload again with a new one' });
  }
  const dir = data.config.cluster.certificatesDir;
  await data.host.writeTogether([...files].map(([path, content]) => ({ path: join(dir, path), content: content.toString('utf8'), mode: path.endsWith('.key') ? 0o600 : 0o644, dirMode: 0o755 })));
  return `[download-certs] Saved the shared certificates and keys to ${JSON.stringify(dir)}: ${[...files.keys()].join(', ')}`;
}

/**
 * kubeadm's control-plane-prepare for a joining control-plane node: the shared CAs and keys from the
 * cluster, this node's own certificates (its SANs) and kubeconfig files from them, and its static pod
 * manifests — init's own phases, run on the joining node's configuration.
 */
export const controlPlanePreparePhase: Phase<JoinData> = {
  name: 'control-plane-prepare',
  short: "Prepare this node to serve a control plane: the cluster's CAs, its certificates, kubeconfigs and manifests",
  phases: [
    { name: 'download-certs', short: 'Download the shared certificates from Secret kube-system/kubeadm-certs (with --certificate-key)' },
    { name: 'certs', short: "Generate this node's certificates from the cluster's CAs" },
    { name: 'kubeconfig', short: 'Generate the kubeconfig files of this control-plane node' },
    { name: 'control-plane', short: 'Generate the kube-apiserver, kube-controller-manager and kube-scheduler manifests' },
  ],
  examples: [['kubeboot join phase control-plane-prepare all 10.0.0.1:6443 --control-plane --token T --discovery-token-ca-cert-hash sha256:H --certificate-key K', 'only prepare the files']],
  run: async (data, task, selected) => {
    const lines: string[] = [];
    const sub = { ...task, output: (line: string) => lines.push(line) };
    if (selected.includes('download-certs') && data.request.certificateKey) lines.push(await downloadCerts(data));
    if (selected.includes('certs')) await certsPhase.run!(data, sub, childNames(certsPhase as Phase<never>));
    if (selected.includes('kubeconfig')) await kubeconfigPhase.run!(data, sub, childNames(kubeconfigPhase as Phase<never>));
    if (selected.includes('control-plane')) await controlPlanePhase.run!(data, sub, childNames(controlPlanePhase as Phase<never>));
    task.output(lines.join('\n'));
  },
};
