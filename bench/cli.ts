import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureCertificates } from '../src/pki/certificates.js';
import { ensureKubeconfigs } from '../src/pki/kubeconfig.js';
import { loadConfig } from '../src/config/load.js';
import { Host } from '../src/util/host.js';
import { BUSYBOX, reconciler } from './pods.js';
import { benchRun, removeContainers, sleep, row, type Row } from './support.js';
import type Docker from 'dockerode';

const CLI = join(import.meta.dirname, '..', 'bin', 'kubeboot.js');

/** Wall time (ms) of one run of `node args`, its output discarded; a failure is an error (the row would measure it). */
function timedRun(args: string[]): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env: process.env });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} failed (exit ${result.status}): ${result.stderr.toString().trim()}`);
  return ms;
}

/**
 * The CLI's start-up: each command against a bare `node -e 0` (the floor of any Node.js CLI), run in
 * turns so that both see the same machine. Commands that need files get a throw-away root with the
 * certificates and kubeconfigs of an init and a valid configuration.
 */
export async function cliRows(docker: Docker, runs: number): Promise<Row[]> {
  const root = await mkdtemp(join(tmpdir(), 'kubeboot-bench-cli-'));
  // One running pod with a few log lines, for `logs`.
  const node = `${benchRun}-cli`;
  const pods = await reconciler(node);
  try {
    await writeFile(join(pods.folder, 'talker.yaml'), `apiVersion: v1\nkind: Pod\nmetadata: {name: talker}\nspec:\n  hostNetwork: true\n  terminationGracePeriodSeconds: 2\n  containers:\n  - {name: talker, image: ${BUSYBOX}, command: [sh, -c, 'seq 1 100; sleep 3600']}\n`);
    for (let i = 0; i < 120 && (await docker.listContainers({ filters: { label: [`io.kubeboot.node=${node}`], name: ['talker'] } })).length === 0; i++) await sleep(250);
    const config = join(root, 'kubeboot.yaml');
    await writeFile(config, 'apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\nnodeRegistration: {name: bench}\nlocalAPIEndpoint: {advertiseAddress: 10.0.0.10}\n---\napiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n');
    // What init leaves for `certs check-expiration` to read: the certificates and the five kubeconfigs.
    const { config: loaded } = await loadConfig({ file: config });
    await ensureCertificates(loaded, Host.scratch(root));
    await ensureKubeconfigs(loaded, Host.scratch(root));
    const commands: Array<[string, string[], string]> = [
      ['--version', ['--version'], '≤ 1.3×'],
      ['--help', ['--help'], '≤ 1.3×'],
      ['ps (no pods)', ['ps', '--node-name', 'bench-cli-none'], '≤ 2×'],
      ['logs (100 lines)', ['logs', `talker-${node}`, '--node-name', node], '≤ 2×'],
      ['certs check-expiration', ['certs', 'check-expiration', '--rootfs', root], '≤ 2×'],
      ['config validate', ['config', 'validate', '--config', config], '≤ 2×'],
    ];
    const rows: Row[] = [];
    for (const [name, args, target] of commands) {
      const ours: number[] = [];
      const floor: number[] = [];
      for (let i = 0; i <= runs; i++) {
        const a = timedRun(['-e', '0']);
        const b = timedRun([CLI, ...args]);
        if (i === 0) continue; // warm-up: page cache
        floor.push(a);
        ours.push(b);
      }
      rows.push(row(`CLI: kubeboot ${name}`, ours, 'ms', { name: 'node -e 0', values: floor }, { target }));
    }
    return rows;
  } finally {
    await pods.stop();
    await removeContainers(docker, `io.kubeboot.node=${node}`);
    await rm(root, { recursive: true, force: true });
  }
}
