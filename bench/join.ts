import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { firstNodeConfig, loopbackPatches } from '../test/support/control-plane-nodes.js';
import { benchRun, row, type Row } from './support.js';

const CLI = join(import.meta.dirname, '..', 'bin', 'kubeboot.js');
const kubeboot = (args: string[]) => execa('node', [CLI, ...args], { reject: false });
// Preflight binds each port on every address; the first node holds them on its own.
const SHARED_PORTS = 'Port-6443,Port-2379,Port-2380,Port-2381,Port-10257,Port-10259,Port-10248';

async function nodeRoot(ip: string, role: 'init' | 'join'): Promise<{ root: string; patches: string }> {
  const root = await mkdtemp(join(tmpdir(), 'kubeboot-bench-join-'));
  const patches = join(root, 'patches');
  await mkdir(patches);
  for (const [file, content] of Object.entries(loopbackPatches(ip, role))) await writeFile(join(patches, file), content);
  return { root, patches };
}

/**
 * `kubeboot join --control-plane` to a healthy, promoted member, against the first node's `init` to
 * healthy in the same run (the baseline): nodes on 127.0.0.11 and .12, as the tests run them. Each join
 * is reset (its member removed) before the next, under a new node name.
 */
export async function joinRows(runs: number): Promise<Row[]> {
  const first = await nodeRoot('127.0.0.11', 'init');
  const inits: number[] = [];
  const joins: number[] = [];
  try {
    await writeFile(join(first.root, 'kubeboot.yaml'), firstNodeConfig({ name: `${benchRun}-j1`, ip: '127.0.0.11', root: first.root, patches: first.patches }));
    const t0 = Date.now();
    const init = await kubeboot(['init', '--config', join(first.root, 'kubeboot.yaml'), '--rootfs', first.root, '--upload-certs']);
    inits.push(Date.now() - t0);
    if (init.exitCode !== 0) throw new Error(`init of the first node failed:\n${init.stdout}\n${init.stderr}`);
    const value = (pattern: RegExp) => pattern.exec(init.stdout)?.[1] ?? '';
    const args = ['127.0.0.11:6443', '--control-plane', '--token', value(/kubeboot join \S+ --token (\S+)/), '--discovery-token-ca-cert-hash', value(/(sha256:[0-9a-f]{64})/), '--certificate-key', value(/--certificate-key ([0-9a-f]{64})/)];
    for (let i = 0; i <= runs; i++) {
      const second = await nodeRoot('127.0.0.12', 'join');
      try {
        const t1 = Date.now();
        const joined = await kubeboot(['join', ...args, '--apiserver-advertise-address', '127.0.0.12', '--node-name', `${benchRun}-j2-${i}`, '--patches', second.patches, '--rootfs', second.root, '--ignore-preflight-errors', SHARED_PORTS]);
        if (joined.exitCode !== 0) throw new Error(`join failed:\n${joined.stdout}\n${joined.stderr}`);
        if (i > 0) joins.push(Date.now() - t1);
      } finally {
        await kubeboot(['reset', '--force', '--rootfs', second.root]);
        await rm(second.root, { recursive: true, force: true });
      }
    }
  } finally {
    await kubeboot(['reset', '--force', '--rootfs', first.root]);
    await rm(first.root, { recursive: true, force: true });
  }
  return [row('join --control-plane to healthy (stacked etcd member promoted)', joins, 'ms', { name: 'init of the first node to healthy, its cluster objects included', values: inits }, { note: 'nodes on 127.0.0.11-12 with loopback patches' })];
}
