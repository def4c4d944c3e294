import { join } from 'node:path';
import type { Secret } from 'kubernetes-types/core/v1.js';
import { tokenFromSecret } from '../../config/bootstrap-token-secret.js';
import { caCertHashes } from '../../pki/discovery-hash.js';
import { NODE_BOOTSTRAP_GROUP } from '../../render/cluster/rbac.js';
import { KubebootError } from '../../util/errors.js';
import type { Phase } from '../workflow.js';
import { TOKEN_SECRETS } from './bootstrap-token.js';
import { clusterApi } from './cluster-api.js';
import type { InitData } from './data.js';

const WITHHELD = '<value withheld>';

export interface JoinCommandOptions {
  endpoint: string;
  token: string;
  hashes: string[];
  /** Set: the control-plane form too (kubeadm prints it only with a controlPlaneEndpoint). */
  controlPlane?: { certificateKey?: string };
}

/** kubeadm's join command (app/cmd/util join.go), one `--discovery-token-ca-cert-hash` per CA certificate. */
export function joinCommand(command: 'kubeadm' | 'kubeboot', options: JoinCommandOptions, controlPlane: boolean): string {
  const lines = [`${command} join ${options.endpoint} --token ${options.token}`, ...options.hashes.map((hash) => `    --discovery-token-ca-cert-hash ${hash}`)];
  if (controlPlane) lines.push(`    --control-plane${options.controlPlane?.certificateKey ? ` --certificate-key ${options.controlPlane.certificateKey}` : ''}`);
  return lines.join(' \\\n') + (controlPlane ? '' : ' ');
}

/** A token a worker can join with, from the cluster (for `init phase show-join-command` run alone). */
async function tokenFromCluster(data: InitData): Promise<string | undefined> {
  const api = await clusterApi(data);
  const tokens = (await api.list<Secret>(TOKEN_SECRETS)).map(tokenFromSecret);
  return tokens.find((t) => t && t.usages.includes('authentication') && t.groups.includes(NODE_BOOTSTRAP_GROUP) && (!t.expires || t.expires.getTime() > Date.now()))?.token;
}

/**
 * kubeadm's show-join-command: how workers join (`kubeadm join`, with the kubelet) and, when the cluster
 * has a controlPlaneEndpoint, how control-plane nodes join (`kubeboot join --control-plane`). Printed by
 * the command after its progress.
 */
export const showJoinCommandPhase: Phase<InitData> = {
  name: 'show-join-command',
  short: 'Show the join commands for worker and control-plane nodes',
  examples: [['kubeboot init phase show-join-command --config kubeboot.yaml', 'print them again']],
  run: async (data) => {
    const { config } = data;
    const ca = await data.host.read(join(config.cluster.certificatesDir, 'ca.crt'));
    if (ca === undefined) throw new KubebootError('the cluster CA does not exist: the join command pins it', { hint: 'Run: kubeboot init phase certs ca' });
    const token = data.tokens[0] ?? (await tokenFromCluster(data));
    if (!token) throw new KubebootError('no bootstrap token to join with', { hint: 'Create one: kubeboot token create --print-join-command' });
    const api = await clusterApi(data);
    const options: JoinCommandOptions = {
      endpoint: api.server.replace(/^https:\/\//, ''),
      token: data.skipTokenPrint ? WITHHELD : token,
      hashes: caCertHashes(ca),
      ...(data.certificateKey && data.uploadCerts ? { controlPlane: { certificateKey: data.skipCertificateKeyPrint ? WITHHELD : data.certificateKey } } : {}),
    };
    const parts: string[] = [];
    if (config.cluster.controlPlaneEndpoint) {
      parts.push('You can now join any number of control-plane nodes running kubeboot, as root:', '', `  ${joinCommand('kubeboot', options, true).replace(/\n/g, '\n  ')}`, '');
      if (options.controlPlane) parts.push('The certificates in Secret kube-system/kubeadm-certs are deleted in two hours; "kubeboot init phase upload-certs --upload-certs" uploads them again.', '');
    } else {
      parts.push('To join more control-plane nodes, the cluster needs a stable controlPlaneEndpoint (a load balancer or DNS name) set at init.', '');
    }
    parts.push('Then you can join any number of worker nodes (with the kubelet) by running on each as root:', '', `  ${joinCommand('kubeadm', options, false).replace(/\n/g, '\n  ')}`, '');
    data.joinCommands = parts.join('\n');
  },
};
