import { writeStaticPods } from '../../render/write-manifests.js';
import { CONTROL_PLANE_SHORT_NAMES } from '../../util/constants.js';
import type { Phase } from '../workflow.js';
import type { InitData } from './data.js';
import { reportFiles } from './report-files.js';

type Short = keyof typeof CONTROL_PLANE_SHORT_NAMES;

/** kubeadm's control-plane phase: the kube-apiserver, kube-controller-manager and kube-scheduler manifests. */
export const controlPlanePhase: Phase<InitData> = {
  name: 'control-plane',
  short: 'Generate all static Pod manifest files necessary to establish the control plane',
  phases: (Object.keys(CONTROL_PLANE_SHORT_NAMES) as Short[]).map((name) => ({ name, short: `Generate the ${CONTROL_PLANE_SHORT_NAMES[name]} static Pod manifest` })),
  examples: [
    ['kubeboot init phase control-plane --config kubeboot.yaml --rootfs /tmp/node1', 'the three manifests, in a throw-away folder'],
    ['kubeboot init phase control-plane apiserver --dry-run', 'print the kube-apiserver manifest without writing it'],
  ],
  run: async (data, task, selected) => {
    const components = selected.map((name) => CONTROL_PLANE_SHORT_NAMES[name as Short]);
    task.output([`Using manifest folder ${JSON.stringify(data.config.kubelet.staticPodPath)}`, reportFiles(await writeStaticPods(data.config, data.host, components, data.patches ? { patches: data.patches } : {}))].join('\n'));
  },
};
