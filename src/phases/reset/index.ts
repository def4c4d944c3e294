import type { Phase } from '../workflow.js';
import { cleanupNodePhase } from './cleanup-node.js';
import type { ResetData } from './data.js';
import { resetPreflightPhase } from './preflight.js';
import { removeEtcdMemberPhase } from './remove-etcd-member.js';

/** `kubeboot reset`'s phases, in kubeadm's order. */
export const resetPhases: ReadonlyArray<Phase<ResetData>> = [resetPreflightPhase, removeEtcdMemberPhase, cleanupNodePhase];
