import type { Phase } from '../workflow.js';
import { nothingToRemove, type ResetData } from './data.js';
import { applyReset, LEFT_BEHIND } from './plan.js';

/** kubeadm's cleanup-node: the reconciler first (so it restarts nothing), the containers, then the files. */
export const cleanupNodePhase: Phase<ResetData> = {
  name: 'cleanup-node',
  short: "Stop the reconciler, remove this node's containers and the files and folders init made",
  skipIf: nothingToRemove,
  run: async (data) => {
    await applyReset(data.plan!, data.host, data.runtime, data.say);
    data.say(`\nThe reset process does not clean up:\n${LEFT_BEHIND.map((l) => `  - ${l}`).join('\n')}`);
  },
};
