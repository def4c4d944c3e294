import { KubebootError, UsageError } from '../../util/errors.js';
import type { Phase } from '../workflow.js';
import type { ResetData } from './data.js';
import { describePlan, planIsEmpty, planReset } from './plan.js';

/** kubeadm's reset preflight: what would be removed, and the question before anything is. */
export const resetPreflightPhase: Phase<ResetData> = {
  name: 'preflight',
  short: 'Run reset pre-flight checks: the engine answers; list what init made; ask before removing it',
  run: async (data) => {
    await data.runtime.connect().catch((err: Error) => {
      throw new KubebootError(err.message, { hint: 'reset removes the node’s containers through the engine: start it, or set DOCKER_HOST.' });
    });
    const plan = await planReset(data.config, data.host, data.runtime);
    data.plan = plan;
    const where = data.host.rootfs ? ` under ${data.host.rootfs}` : '';
    if (planIsEmpty(plan)) {
      data.say(`[reset] Nothing to do: no reconciler, container or file of node ${plan.node} is left${where}.`);
      return;
    }
    const lines = describePlan(plan).map((l) => `  ${l}`).join('\n');
    if (data.dryRun) {
      data.say(`[reset] Would, for node ${plan.node}${where}:\n${lines}`);
      return;
    }
    if (!data.force) {
      if (!data.confirm) throw new UsageError('kubeboot reset removes the control plane and asks first, but there is no terminal to ask on', { hint: 'Run it in a terminal, or pass --force (see what it would remove with --dry-run).' });
      data.say(`[reset] WARNING: this reverts what kubeboot init did on node ${plan.node}:\n${lines}`);
      if (!(await data.confirm('[reset] Are you sure you want to proceed? [y/N]: '))) throw new KubebootError('reset aborted: nothing was removed');
    }
  },
};
