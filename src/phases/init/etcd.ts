import { writeStaticPods } from '../../render/write-manifests.js';
import type { Phase } from '../workflow.js';
import type { InitData } from './data.js';
import { reportFiles } from './report-files.js';

/** kubeadm's etcd phase: the data folder (0700) and the static pod manifest of a local etcd. */
export const etcdPhase: Phase<InitData> = {
  name: 'etcd',
  short: 'Generate the static Pod manifest file for a local etcd',
  phases: [{ name: 'local', short: 'Generate the static Pod manifest file for a local, single-node local etcd instance' }],
  examples: [['kubeboot init phase etcd local --config kubeboot.yaml --rootfs /tmp/node1', 'the etcd manifest, in a throw-away folder']],
  // `init` skips it with external etcd; `init phase etcd local` says why it cannot (writeStaticPods).
  skipIf: (data, named) => (data.config.cluster.etcd.external && !named ? 'external etcd: no local etcd manifest' : undefined),
  run: async (data, task) => {
    const local = data.config.cluster.etcd.local;
    if (local && !data.config.cluster.etcd.external) await data.host.mkdir(local.dataDir, 0o700);
    task.output(reportFiles(await writeStaticPods(data.config, data.host, ['etcd'], data.patches ? { patches: data.patches } : {})));
  },
};
