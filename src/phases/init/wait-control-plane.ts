import { join } from 'node:path';
import { parseGoDuration } from '../../util/duration.js';
import { RECONCILER_LOGFILE, type ComponentName } from '../../util/constants.js';
import { KubebootError } from '../../util/errors.js';
import { kubeletHealthz, writtenComponentEndpoints } from '../endpoints.js';
import { diagnose, etcdProbe, httpProbe, httpsProbe, waitHealthy, type Probe } from '../health.js';
import type { Phase } from '../workflow.js';
import { rootfsFlag, type InitData } from './data.js';

const DEFAULT_TIMEOUT_MS = 240_000;

/** The cluster CA the API server's certificate is verified against: never skipped. */
async function caOf(data: InitData): Promise<string> {
  const path = join(data.config.cluster.certificatesDir, 'ca.crt');
  const ca = await data.host.read(path);
  if (ca === undefined) throw new KubebootError(`${path} does not exist: the API server cannot be verified`, { hint: 'Run: kubeboot init phase certs ca' });
  return ca;
}

/**
 * kubeadm's wait-control-plane: polls, side by side and within timeouts.controlPlaneComponentHealthCheck,
 * the reconciler's /healthz, etcd over mTLS, the API server's /livez (verified against the CA), the
 * controller-manager and the scheduler. A component that does not come up is named with its container
 * state, restarts and last log lines.
 */
export const waitControlPlanePhase: Phase<InitData> = {
  name: 'wait-control-plane',
  short: 'Wait until the reconciler, etcd, kube-apiserver, kube-controller-manager and kube-scheduler are healthy',
  examples: [['kubeboot init phase wait-control-plane --config kubeboot.yaml --rootfs /tmp/node1', 'is the control plane healthy?']],
  skipIf: (data) => (data.dryRun ? 'dry run: nothing runs to wait for' : undefined),
  run: async (data, task) => {
    const { config, host, runtime } = data;
    const node = config.init.nodeRegistration.name;
    const timeoutMs = parseGoDuration(config.init.timeouts.controlPlaneComponentHealthCheck) || DEFAULT_TIMEOUT_MS;
    const checks: Array<{ title: string; component?: ComponentName; probe: () => Promise<Probe> }> = [];
    const healthz = kubeletHealthz(config);
    if (healthz) checks.push({ title: `kubelet at ${healthz.url}`, probe: async () => httpProbe(healthz.url) });
    for (const endpoint of await writtenComponentEndpoints(config, host, data.patches)) {
      const probe =
        endpoint.component === 'etcd'
          ? () => etcdProbe(config, host, endpoint.url)
          : endpoint.component === 'kube-apiserver'
            ? async () => httpsProbe(endpoint.url, await caOf(data))
            : async () => httpsProbe(endpoint.url);
      checks.push({ title: `${endpoint.component} at ${endpoint.url}`, component: endpoint.component, probe });
    }
    const failures: string[] = [];
    await task.steps(
      checks.map((check) => ({
        title: check.title,
        run: async (step) => {
          const result = await waitHealthy(await check.probe(), timeoutMs);
          if (result.ok) {
            step.title(`${check.title}: healthy after ${(result.elapsedMs / 1000).toFixed(1)}s`);
            return;
          }
          const why = check.component ? await diagnose(runtime, node, check.component) : `the reconciler does not answer; its log: ${host.path(RECONCILER_LOGFILE)}`;
          failures.push(`${check.component ?? 'kubelet'} is not healthy after ${(result.elapsedMs / 1000).toFixed(0)}s: ${result.problem}\n${why}`);
          throw new Error(`${check.component ?? 'kubelet'} is not healthy: ${result.problem}`);
        },
      })),
      { concurrent: true },
    );
    if (failures.length > 0) {
      throw new KubebootError(`the control plane did not become healthy within ${config.init.timeouts.controlPlaneComponentHealthCheck}`, {
        details: failures,
        hint: `The pods: kubeboot ps --node-name ${node}; a component's log: kubeboot logs <pod> [--previous]; undo with: kubeboot reset${rootfsFlag(data)}`,
      });
    }
  },
};
