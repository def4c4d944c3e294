import type { KubebootConfig } from '../../config/types.js';
import type { ContainerRuntime } from '../../runtime/runtime.js';
import type { Host } from '../../util/host.js';
import { planIsEmpty, type ResetPlan } from './plan.js';

/** What reset's phases share (kubeadm's resetData). */
export interface ResetData {
  config: KubebootConfig;
  host: Host;
  runtime: ContainerRuntime;
  /** Do not ask. */
  force: boolean;
  /** List what would go; remove nothing. */
  dryRun: boolean;
  /** Asks the user a yes/no question; undefined when there is no terminal to ask on. */
  confirm?: (question: string) => Promise<boolean>;
  say: (line: string) => void;
  /** Made by the preflight phase: what this node has that init made. */
  plan?: ResetPlan;
}

/** The later phases have nothing to do in a dry run, or when the plan found nothing. */
export function nothingToRemove(data: ResetData): string | undefined {
  if (data.dryRun) return 'dry run: nothing is removed';
  if (data.plan && planIsEmpty(data.plan)) return 'nothing to remove';
  return undefined;
}
