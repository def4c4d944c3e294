import { imageOf } from '../../config/images.js';
import { KUBELET_FLAGS_FILE, renderKubeletFlags } from '../../config/kubelet-flags.js';
import { toYamlDocuments } from '../../config/serialize.js';
import { writeKubeletConfiguration } from '../../render/write-manifests.js';
import { DEFAULT_SANDBOX_IMAGE, INIT_RECORD, KUBELET_CONFIG_PATH } from '../../util/constants.js';
import { reconcilerCommand, startReconciler, type StartOptions } from '../reconciler-service.js';
import { installUnit, renderUnit, systemdRunsHost, UNIT_NAME } from '../systemd-unit.js';
import type { Phase } from '../workflow.js';
import type { InitData } from './data.js';
import { reportFiles } from './report-files.js';

/**
 * kubeadm's kubelet-start: the KubeletConfiguration, then the reconciler (kubeboot's kubelet) started —
 * as a systemd unit when systemd runs the host, else detached with a pidfile. Init's configuration is
 * kept beside it for `reset`.
 */
export const kubeletStartPhase: Phase<InitData> = {
  name: 'kubelet-start',
  short: 'Write the KubeletConfiguration (kubeadm defaults under your document) and start the reconciler',
  examples: [['kubeboot init phase kubelet-start --config kubeboot.yaml --rootfs /tmp/node1', 'the KubeletConfiguration, and the reconciler, in a throw-away folder']],
  run: async (data, task) => {
    const { config, host } = data;
    const written = await writeKubeletConfiguration(config, host);
    // The record describes the node, not one run: which phases ran is left out.
    const record = { ...config.init, skipPhases: [] };
    await host.write(INIT_RECORD, toYamlDocuments([record, config.cluster, config.kubelet]), { mode: 0o600, dirMode: 0o755 });
    const sandboxImage = imageOf(config.cluster, 'pause') ?? DEFAULT_SANDBOX_IMAGE;
    // kubeadm keeps the node's own kubelet flags here; ps, logs and reset read the runtime from it.
    await host.write(KUBELET_FLAGS_FILE, renderKubeletFlags({ ...data.runtimeFlags, 'pod-infra-container-image': sandboxImage }), { mode: 0o644, dirMode: 0o755 });
    if (data.kubeletPatches.length > 0) task.output(data.kubeletPatches.join('\n'));
    if (data.dryRun) {
      task.output(`${reportFiles(written)}\ndry run: the reconciler is not started`);
      return;
    }
    const node = config.init.nodeRegistration.name;
    const service: StartOptions = { host, node, configPath: KUBELET_CONFIG_PATH, sandboxImage, runtimeFlags: data.runtimeFlags };
    if (!host.rootfs && systemdRunsHost()) {
      const environment = process.env.DOCKER_HOST ? [`DOCKER_HOST=${process.env.DOCKER_HOST}`] : [];
      const unit = await installUnit(renderUnit({ node, command: reconcilerCommand(service), environment }));
      data.unit = UNIT_NAME;
      task.output(`${unit.reused ? 'Reusing the running' : 'Started the'} systemd unit ${UNIT_NAME} (journalctl -u ${UNIT_NAME})`);
      return;
    }
    data.reconciler = await startReconciler(service);
    task.output(`${data.reconciler.reused ? 'Reusing the running' : 'Started the'} reconciler (pid ${data.reconciler.pid}, log ${data.reconciler.logFile})`);
  },
};
