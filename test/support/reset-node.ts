import { kubeboot } from './cli.js';

/**
 * A test's clean-up of a node it made with `init`/`join`: `kubeboot reset --force`, whose failure is a
 * failure of the test file (it was ignored, and a failed reset left reconcilers and containers behind;
 * scripts/test-sweep.sh ends those after the run either way).
 */
export async function resetTestNode(root: string): Promise<void> {
  const result = await kubeboot(['reset', '--force', '--rootfs', root]);
  if (result.exitCode !== 0) throw new Error(`kubeboot reset --force --rootfs ${root} failed (exit ${result.exitCode}):\n${result.stderr}`);
}
