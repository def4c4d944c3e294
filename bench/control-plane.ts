import { readFile, rm, writeFile, mkdtemp, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { execa } from 'execa';
import { BUSYBOX } from './pods.js';
import { benchRun, removeContainers, row, sleep, type Row } from './support.js';

const CLI = join(import.meta.dirname, '..', 'bin', 'kubeboot.js');
const kubeboot = (args: string[]) => execa('node', [CLI, ...args], { reject: false });

function config(node: string, algorithm: string): string {
  return `apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
nodeRegistration: {name: ${node}}
localAPIEndpoint: {advertiseAddress: 127.0.0.1}
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
imageRepository: kubeboot.local
encryptionAlgorithm: ${algorithm}
etcd: {local: {imageTag: 3.4.23-0}}
`;
}

/** `kubeboot init` in a throw-away root; returns the total and each phase's time, and the root (still running). */
async function init(node: string, algorithm: string): Promise<{ root: string; totalMs: number; phases: Record<string, number> }> {
  const root = await mkdtemp(join(tmpdir(), 'kubeboot-bench-init-'));
  await writeFile(join(root, 'kubeboot.yaml'), config(node, algorithm));
  const t0 = Date.now();
  const result = await kubeboot(['init', '--config', join(root, 'kubeboot.yaml'), '--rootfs', root]);
  const totalMs = Date.now() - t0;
  if (result.exitCode !== 0) throw new Error(`kubeboot init failed:\n${result.stdout}\n${result.stderr}`);
  const line = /^ {2}(preflight .*)$/m.exec(result.stdout)?.[1] ?? '';
  const phases = Object.fromEntries([...line.matchAll(/([\w-]+) ([\d.]+)s/g)].map((m) => [m[1]!, Number(m[2]) * 1000]));
  return { root, totalMs, phases };
}

async function reset(root: string): Promise<void> {
  await kubeboot(['reset', '--force', '--rootfs', root]);
  await rm(root, { recursive: true, force: true });
}

/** Row 4: kubeboot init to all components healthy, with local images, RSA and ECDSA. */
export async function initRows(runs: number): Promise<Row[]> {
  const rows: Row[] = [];
  for (const algorithm of ['ECDSA-P256', 'RSA-2048']) {
    const totals: number[] = [];
    const phases: Record<string, number[]> = {};
    for (let i = 0; i <= runs; i++) {
      const run = await init(`${benchRun}-init`, algorithm);
      await reset(run.root);
      if (i === 0) continue;
      totals.push(run.totalMs);
      for (const [name, ms] of Object.entries(run.phases)) (phases[name] ??= []).push(ms);
    }
    const breakdown = Object.entries(phases).map(([name, values]) => `${name} ${([...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]! / 1000).toFixed(1)}s`).join(', ');
    rows.push(row(`init to healthy, ${algorithm}`, totals, 'ms', undefined, { note: breakdown }));
    // The phases after wait-control-plane: the cluster objects kubeadm makes (config, RBAC, token, addons).
    const names = Object.keys(phases);
    const after = names.slice(names.indexOf('wait-control-plane') + 1);
    const clusterObjects = totals.map((_, run) => after.reduce((sum, name) => sum + (phases[name]![run] ?? 0), 0));
    rows.push(row(`init: the phases after healthy (cluster objects), ${algorithm}`, clusterObjects, 'ms', undefined, { note: after.join(', ') }));
  }
  return rows;
}

const CLK_TCK = 100;

/** CPU time (ms) and resident memory (MiB) of a process, from /proc. */
async function usage(pid: number): Promise<{ cpuMs: number; rssMiB: number }> {
  const stat = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  const cpuMs = ((Number(stat[11]) + Number(stat[12])) * 1000) / CLK_TCK;
  const rss = /VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1];
  return { cpuMs, rssMiB: Number(rss) / 1024 };
}

async function sample(pid: number, seconds: number): Promise<{ cpuPercent: number; rssMiB: number }> {
  const a = await usage(pid);
  const start = Date.now();
  let rss = a.rssMiB;
  while (Date.now() - start < seconds * 1000) {
    await sleep(1000);
    rss = Math.max(rss, (await usage(pid)).rssMiB);
  }
  const b = await usage(pid);
  return { cpuPercent: ((b.cpuMs - a.cpuMs) / (Date.now() - start)) * 100, rssMiB: rss };
}

/** Row 5: the reconciler at rest: with the four control-plane pods (after init), and with 50 pods. */
export async function footprintRows(docker: Docker, seconds: number): Promise<Row[]> {
  const rows: Row[] = [];
  const cp = await init(`${benchRun}-fp`, 'ECDSA-P256');
  try {
    await sleep(15_000); // past the startup probes: steady state
    const pid = Number((await readFile(join(cp.root, 'var/run/kubeboot/kubelet.pid'), 'utf8')).trim());
    const four = await sample(pid, seconds);
    rows.push(row('reconciler idle, 4 control-plane pods: CPU', [four.cpuPercent], '% of a core', undefined, { target: '< 0.5 %', note: `over ${seconds}s, probes running` }, 2));
    rows.push(row('reconciler idle, 4 control-plane pods: RSS', [four.rssMiB], 'MiB', undefined, { target: '≤ 70 MiB' }));
  } finally {
    await reset(cp.root);
  }

  const dir = await mkdtemp(join(tmpdir(), 'kubeboot-bench-fp50-'));
  const node = `${benchRun}-fp50`;
  await mkdir(join(dir, 'manifests'));
  for (let i = 0; i < 50; i++) {
    await writeFile(join(dir, 'manifests', `p${i}.yaml`), `apiVersion: v1\nkind: Pod\nmetadata: {name: p${i}}\nspec:\n  hostNetwork: true\n  terminationGracePeriodSeconds: 2\n  containers:\n  - {name: sleeper, image: ${BUSYBOX}, command: [sleep, '3600']}\n`);
  }
  const child = execa('node', [CLI, 'kubelet', '--pod-manifest-path', join(dir, 'manifests'), '--hostname-override', node, '--healthz-port', '0', '--root-dir', join(dir, 'state')], { reject: false, stdout: 'ignore', stderr: 'ignore' });
  try {
    for (let i = 0; i < 120; i++) {
      if ((await docker.listContainers({ filters: { label: [`io.kubeboot.node=${node}`] } })).length >= 50) break;
      await sleep(500);
    }
    await sleep(3000);
    const fifty = await sample(child.pid!, seconds);
    rows.push(row('reconciler idle, 50 pods: CPU', [fifty.cpuPercent], '% of a core', undefined, { note: `over ${seconds}s` }, 2));
    rows.push(row('reconciler idle, 50 pods: RSS', [fifty.rssMiB], 'MiB'));
  } finally {
    child.kill('SIGTERM');
    await child;
    await removeContainers(docker, `io.kubeboot.node=${node}`);
    await rm(dir, { recursive: true, force: true });
  }
  return rows;
}
