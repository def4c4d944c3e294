import { watch } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { COALESCE_MS } from '../src/reconciler/file-source.js';
import { percentile, row, sleep, type Row } from './support.js';

/**
 * What writers produce on a watched folder: for each, the events of one write and the largest quiet gap
 * inside that burst, which the file source's coalescing window (src/reconciler/file-source.ts,
 * COALESCE_MS) must exceed. vim is measured when it is installed.
 */
export async function watchRows(tries: number): Promise<Row[]> {
  const dir = await mkdtemp(join(tmpdir(), 'kubeboot-bench-watch-'));
  const folder = join(dir, 'manifests');
  await mkdir(folder);
  const source = join(dir, 'source.yaml');
  const content = `apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers:\n  - {name: c, image: busybox, command: [sleep, '3600']}\n${'#'.repeat(2000)}\n`;
  await writeFile(source, content);
  const target = join(folder, 'web.yaml');
  const hasVim = (await execa('vim', ['--version'], { reject: false })).exitCode === 0;
  const writers: Array<[string, () => Promise<unknown>, 'absent' | 'present']> = [
    ['cp (new file)', () => execa('cp', [source, target]), 'absent'],
    ['cp (over a file)', () => execa('cp', [source, target]), 'present'],
    ['mv (kubectl-style: write aside, rename in)', async () => { await writeFile(join(dir, 'next.yaml'), content); await execa('mv', [join(dir, 'next.yaml'), target]); }, 'present'],
    ['install -m 0600', () => execa('install', ['-m', '0600', source, target]), 'present'],
    ['sed -i', () => execa('sed', ['-i', 's/web/web/', target]), 'present'],
    ['tee', () => execa('tee', [target], { input: content, stdout: 'ignore' }), 'present'],
    ['Node writeFile', () => writeFile(target, content), 'present'],
    ['rm', () => rm(target), 'present'],
    ...(hasVim ? [['vim (save in place)', () => execa('vim', ['-Nu', 'DEFAULTS', '-i', 'NONE', '-es', '-c', '%s/web/web/', '-c', 'wq', target], { stdin: 'ignore' }), 'present'] as [string, () => Promise<unknown>, 'present']] : []),
  ];
  let events: number[] = [];
  const watcher = watch(folder, () => events.push(performance.now()));
  const rows: Row[] = [];
  try {
    for (const [name, write, before] of writers) {
      const gaps: number[] = [];
      const counts: number[] = [];
      for (let i = 0; i < tries; i++) {
        if (before === 'present') await writeFile(target, content);
        else await rm(target, { force: true });
        await sleep(100);
        events = [];
        await write();
        await sleep(200);
        if (events.length === 0) continue;
        counts.push(events.length);
        gaps.push(Math.max(0, ...events.slice(1).map((t, j) => t - events[j]!)));
      }
      rows.push(row(`file watch: ${name}, largest gap in a burst`, gaps, 'ms', undefined, { target: `< ${COALESCE_MS} ms (the coalescing window)`, note: `${Math.min(...counts)}-${Math.max(...counts)} events; p95 ${percentile(gaps, 95).toFixed(2)} ms` }));
    }
  } finally {
    watcher.close();
    await rm(dir, { recursive: true, force: true });
  }
  return rows;
}
