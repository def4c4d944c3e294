import { join } from 'node:path';
import type { Node } from 'kubernetes-types/core/v1.js';
import { KubebootError } from '../../util/errors.js';
import { preflightPhase } from '../init/preflight.js';
import type { Phase } from '../workflow.js';
import type { JoinData } from './data.js';

/**
 * kubeadm's join preflight for a control-plane node: init's node checks (ports, manifests, etcd data,
 * engine, images), and what a join needs besides — the shared CAs (from --certificate-key, or already on
 * the node), and no Ready Node of this name in the cluster.
 */
export const joinPreflightPhase: Phase<JoinData> = {
  name: 'preflight',
  short: 'Run join pre-flight checks: the node checks of init, the certificate key, the node name',
  examples: [['kubeboot join phase preflight 10.0.0.1:6443 --control-plane --token T --discovery-token-ca-cert-hash sha256:H --certificate-key K', 'is this node ready to join?']],
  run: async (data, task) => {
    const problems: string[] = [];
    if (!data.request.certificateKey) {
      const dir = data.config.cluster.certificatesDir;
      const shared = ['ca.crt', 'ca.key', 'sa.key', 'sa.pub', 'front-proxy-ca.crt', 'front-proxy-ca.key', 'etcd/ca.crt', 'etcd/ca.key'];
      const missing: string[] = [];
      for (const file of shared) if (!(await data.machine.exists(join(dir, file)))) missing.push(file);
      if (missing.length > 0) problems.push(`without --certificate-key the shared certificates must already be on this node; missing under ${dir}: ${missing.join(', ')}`);
    }
    const node = await data.tokenClient.find<Node>(`/api/v1/nodes/${encodeURIComponent(data.config.init.nodeRegistration.name)}`).catch(() => undefined);
    if (node?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) {
      problems.push(`a Node with name "${data.config.init.nodeRegistration.name}" and status "Ready" already exists in the cluster. You must delete the existing Node or change the name of this new joining Node`);
    }
    if (problems.length > 0) throw new KubebootError('[preflight] Some fatal errors occurred', { details: problems.map((p) => `\t[ERROR]: ${p}`) });
    await preflightPhase.run!(data, task, []);
  },
};
