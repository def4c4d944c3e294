import type { Phase } from '../workflow.js';
import { nothingToRemove, type ResetData } from './data.js';
import { resetPreflightPhase } from './preflight.js';
import { applyReset, LEFT_BEHIND, planIsEmpty } from './plan.js';

/** kubeadm's cleanup-node: the reconciler first (so it restarts nothing), the containers, then the files. */
export const cleanupNodePhase: Phase<ResetData> = {
  name: 'cleanup-node',
  short: "Stop the reconciler, remove this node's containers and the files and folders init made",
  // Run alone, preflight's listing (and its dry run) happen inside run.
  skipIf: (data) => (data.plan ? nothingToRemove(data) : undefined),
  run: async (data, task, selected) => {
    // Run alone (`reset phase cleanup-node`), it still lists what goes and asks first: preflight's job.
    if (!data.plan) await resetPreflightPhase.run!(data, task, selected);
    const plan = data.plan!;
    if (data.dryRun || planIsEmpty(plan)) return;
    await applyReset(plan, data.host, data.runtime, data.say);
    data.say(`\nThe reset process does not clean up:\n${LEFT_BEHIND.map((l) => `  - ${l}`).join('\n')}`);
  },
};
