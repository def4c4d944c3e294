import { ensureKubeconfigs } from '../../pki/kubeconfig.js';
import { KUBECONFIG_NAMES } from '../../util/constants.js';
import type { Phase } from '../workflow.js';
import type { InitData } from './data.js';

const FOR: Record<(typeof KUBECONFIG_NAMES)[number], string> = {
  admin: 'the admin (kubeadm:cluster-admins)',
  'super-admin': 'the super-admin (system:masters)',
  kubelet: 'the kubelet (here: the reconciler, for mirror pods and the Node)',
  'controller-manager': 'the controller manager',
  scheduler: 'the scheduler',
};

/** kubeadm's kubeconfig phase: the five files in /etc/kubernetes, mode 0600. */
export const kubeconfigPhase: Phase<InitData> = {
  name: 'kubeconfig',
  short: 'Generate all kubeconfig files (mode 0600)',
  phases: KUBECONFIG_NAMES.map((name) => ({ name, short: `Generate a kubeconfig file for ${FOR[name]}` })),
  examples: [['kubeboot init phase kubeconfig admin --rootfs /tmp/node1', 'only admin.conf, in a throw-away folder']],
  run: async (data, task, selected) => {
    const { results, warnings } = await ensureKubeconfigs(data.config, data.host, { only: selected });
    for (const warning of warnings) data.warnings.push({ name: 'kubeconfig', severity: 'warning', message: warning });
    task.output(results.map((r) => `${r.action === 'created' ? 'Writing' : 'Using existing'} "${r.file.split('/').pop()}" kubeconfig file`).join('\n'));
  },
};
