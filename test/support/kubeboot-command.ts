import { fileURLToPath } from 'node:url';

/**
 * How the tests run `kubeboot`: the build (bin/kubeboot.js) when scripts/test.sh has just made it
 * (KUBEBOOT_TEST_BUILD=1: half a second less a call than compiling through tsx, and the same code), else
 * the TypeScript sources through tsx, so that a single test file run by hand never meets a stale build.
 */
export function kubebootCommand(): string[] {
  if (process.env.KUBEBOOT_TEST_BUILD === '1') return [fileURLToPath(new URL('../../bin/kubeboot.js', import.meta.url))];
  return ['--import', 'tsx', fileURLToPath(new URL('./kubeboot-from-source.ts', import.meta.url))];
}
