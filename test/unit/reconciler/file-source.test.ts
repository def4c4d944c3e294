import assert from 'node:assert/strict';
import { utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { FileSource } from '../../../src/reconciler/file-source.js';
import type { StaticPod } from '../../../src/reconciler/static-pod.js';
import { tempDir } from '../../support/temp.js';

const POD = 'apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: default}\nspec:\n  containers:\n  - {name: main, image: busybox, command: [sleep, "3600"]}\n';

/** A file source on a folder of its own, with what it logged and what it reported. */
async function source() {
  const folder = await tempDir({});
  const logs: string[] = [];
  const reports: Array<Map<string, StaticPod>> = [];
  const files = new FileSource({ path: folder, systemPath: '/etc/kubernetes/manifests', nodeName: 'n1', relistMs: 60_000, log: (level, message) => logs.push(`${level} ${message}`), onChange: (pods) => reports.push(pods) });
  return { folder, logs, reports, files };
}

const until = async (what: string, check: () => boolean, ms = 5000) => {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) if (check()) return;
  assert.fail(`timed out: ${what}`);
};

describe('file source', () => {
  const started: FileSource[] = [];
  after(() => started.forEach((s) => s.stop()));

  test('a file caught half-written is read again once it settles, without an error', async () => {
    const { folder, logs, reports, files } = await source();
    files.start();
    started.push(files);
    await until('the empty folder read', () => reports.length === 1);
    await writeFile(join(folder, 'web.yaml'), POD.slice(0, 60)); // the writer is not done yet
    await new Promise((r) => setTimeout(r, 40));
    await writeFile(join(folder, 'web.yaml'), POD);
    await until('the pod reported', () => reports.at(-1)?.has('default/web-n1') === true);
    assert.deepEqual(logs.filter((l) => l.startsWith('error')), []);
  });

  test('a file that does not parse and was written a while ago is reported at once', async () => {
    const { folder, logs, reports, files } = await source();
    await writeFile(join(folder, 'bad.yaml'), POD.slice(0, 60));
    const old = new Date(Date.now() - 60_000);
    await utimes(join(folder, 'bad.yaml'), old, old);
    files.start();
    started.push(files);
    await until('read', () => reports.length === 1);
    assert.ok(logs.some((l) => l === 'error invalid manifest: not started'), logs.join('\n'));
  });

  test('an unchanged folder is not reported again; an editor swap file does not cause a read', async () => {
    const { folder, reports, files } = await source();
    await writeFile(join(folder, 'web.yaml'), POD);
    files.start();
    started.push(files);
    await until('read', () => reports.length === 1);
    await writeFile(join(folder, '.web.yaml.swp'), 'vim swap');
    await writeFile(join(folder, 'web.yaml'), POD); // the same text again
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(reports.length, 1);
  });
  test('a burst of writes is announced before the pods it changes are reported', async () => {
    const folder = await tempDir({});
    const seen: string[] = [];
    const files = new FileSource({
      path: folder, systemPath: '/etc/kubernetes/manifests', nodeName: 'n1', relistMs: 60_000, log: () => undefined,
      onChange: (pods) => seen.push(`pods ${pods.size}`),
      onBurst: () => seen.push('burst'),
    });
    files.start();
    started.push(files);
    await until('the empty folder read', () => seen.includes('pods 0'));
    await Promise.all(['a', 'b', 'c'].map((n) => writeFile(join(folder, `${n}.yaml`), POD.replace('name: web', `name: ${n}`))));
    await until('three pods', () => seen.at(-1) === 'pods 3');
    await writeFile(join(folder, 'd.yaml'), POD.replace('name: web', 'name: d'));
    await until('four pods', () => seen.at(-1) === 'pods 4');
    // A slow writer's burst may come in two; but every change reported was announced since the one before.
    const reports = seen.flatMap((s, i) => (s.startsWith('pods') ? [i] : []));
    for (const [n, at] of reports.slice(1).entries()) assert.ok(seen.slice(reports[n]! + 1, at).includes('burst'), seen.join(', '));
  });
});
