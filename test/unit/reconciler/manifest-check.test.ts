import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { kubeboot } from '../../support/cli.js';
import { tempDir } from '../../support/temp.js';

const pod = (name: string, containers = '[{name: main, image: busybox:1.35}]') => `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}}\nspec:\n  containers: ${containers}\n`;

test('manifest check: the reconciler’s own rules on a folder — good files pass, every problem is named by file, exit 1', async () => {
  const dir = await tempDir({
    'a.yaml': pod('a', '[{name: main, image: busybox:1.35}, "junk"]'),
    'b.yaml': pod('b'),
    'c.yaml': pod('b'),
    'b.yaml.swp': pod('swap'),
    'd.yaml': pod('d', '[{name: main, image: busybox:1.35, ports: [{containerPort: 0}]}]'),
  });
  const result = await kubeboot(['manifest', 'check', dir, '--node-name', 'n1']);
  assert.equal(result.exitCode, 1);
  assert.match(result.stdout, new RegExp(`${join(dir, 'b.yaml')}: ok, runs as pod default/b-n1`));
  assert.match(result.stderr, new RegExp(`${join(dir, 'a.yaml')}: spec\\.containers\\[1\\]: got "junk", expected a mapping`));
  assert.match(result.stderr, new RegExp(`${join(dir, 'c.yaml')}: defines pod default/b-n1 again`));
  assert.match(result.stderr, new RegExp(`${join(dir, 'd.yaml')}: spec\\.containers\\[0\\]\\.ports\\[0\\]\\.containerPort: got 0`));
  assert.match(result.stderr, /b\.yaml\.swp: note: ignored: an editor/);
  assert.match(result.stderr, /3 problems in the manifests/);
});

test('manifest check: a good file exits 0; -o json lists the pods', async () => {
  const dir = await tempDir({ 'web.yaml': pod('web') });
  const result = await kubeboot(['manifest', 'check', join(dir, 'web.yaml'), '--node-name', 'n1', '-o', 'json']);
  assert.equal(result.exitCode, 0, result.stderr);
  assert.deepEqual(JSON.parse(result.stdout), { findings: [], pods: [{ pod: 'default/web-n1', file: join(dir, 'web.yaml') }] });
});

// Issue 29 §1: the file source's settle window (a just-written file that does not parse is judged
// again later) made a check run right after the write exit 0 with no findings about 1 run in 8.
test('manifest check: a bad manifest checked the moment it is written is reported, every time', async () => {
  const { writeFile } = await import('node:fs/promises');
  const { checkManifests } = await import('../../../src/reconciler/manifest-check.js');
  const dir = await tempDir();
  for (let i = 0; i < 40; i++) {
    const file = join(dir, `bad-${i}.yaml`);
    await writeFile(file, pod(`p${i}`, '[{name: main, image: ""}]'));
    const found = await checkManifests([file], 'n1');
    assert.equal(found.pods.length, 0, `round ${i}: a pod with an empty image must not run`);
    assert.equal(found.findings.length, 1, `round ${i}: ${JSON.stringify(found.findings)}`);
    assert.match(found.findings[0]!.message, /image/);
  }
  // As a script would: write, then the CLI at once (well inside the old 100 ms window for the file).
  for (let i = 0; i < 3; i++) {
    const file = join(dir, `script-${i}.yaml`);
    await writeFile(file, 'apiVersion: v1\nkind: Pod\nmetadata: {name: [x\n');
    const result = await kubeboot(['manifest', 'check', file, '--node-name', 'n1']);
    assert.equal(result.exitCode, 1, `round ${i}: ${result.stdout}${result.stderr}`);
    assert.match(result.stderr, new RegExp(`script-${i}\\.yaml`));
  }
});

// Issue 29 §3/§4: every kind of junk beside a good manifest is named (a symlink loop was silent), and
// none of it keeps the good one from running.
test('manifest check: junk of every kind is named by file, and never keeps a valid neighbour from running', async () => {
  const { symlink, mkdir, writeFile } = await import('node:fs/promises');
  const { checkManifests } = await import('../../../src/reconciler/manifest-check.js');
  const dir = await tempDir({
    'good.yaml': pod('good'),
    'binary.yaml': '\u0000\u0001\u0002',
    'bomb.yaml': 'a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n',
    'dup.yaml': 'apiVersion: v1\nkind: Pod\nmetadata: {name: dup}\nspec:\n  containers: [{name: main, image: busybox:1.35}]\nspec: {}\n',
    'init-probe.yaml': pod('ip').replace('spec:\n', 'spec:\n  initContainers: [{name: setup, image: busybox:1.35, readinessProbe: {exec: {command: [true]}}}]\n'),
    'spaces.yaml': pod('sp', '[{name: main, image: " busybox:1.35"}]'),
    'toleration.yaml': pod('tol').replace('spec:\n', 'spec:\n  tolerations: [{key: a, operator: Matches, value: b}]\n'),
  });
  await writeFile(join(dir, 'huge.yaml'), 'x'.repeat(11 * 1024 * 1024));
  await symlink('loop-b', join(dir, 'loop-a'));
  await symlink('loop-a', join(dir, 'loop-b'));
  await symlink('nowhere.yaml', join(dir, 'dangling.yaml'));
  await mkdir(join(dir, 'sub'));
  const found = await checkManifests([dir], 'n1');
  assert.deepEqual(found.pods, [{ pod: 'default/good-n1', file: join(dir, 'good.yaml') }]);
  const said = (name: string) => found.findings.filter((f) => f.file === join(dir, name)).map((f) => `${f.severity}: ${f.message}`).join('\n');
  assert.match(said('binary.yaml'), /^error: /);
  assert.match(said('bomb.yaml'), /^error: cannot be expanded/);
  assert.match(said('dup.yaml'), /^error: line 6:1: not YAML or JSON: the key "spec" appears twice/);
  assert.match(said('init-probe.yaml'), /spec\.initContainers\[0\]\.readinessProbe: may not be set for init containers without restartPolicy=Always/);
  assert.match(said('spaces.yaml'), /spec\.containers\[0\]\.image: got " busybox:1\.35": must not have leading or trailing whitespace/);
  assert.match(said('toleration.yaml'), /spec\.tolerations\[0\]\.operator: got "Matches", expected one of Exists, Equal/);
  assert.match(said('huge.yaml'), /^error: the file is \d+ bytes, more than/);
  assert.match(said('loop-a'), /^error: a symbolic link loop/);
  assert.match(said('loop-b'), /^error: a symbolic link loop/);
  assert.match(said('dangling.yaml'), /^note: a symbolic link to nothing/);
  assert.match(said('sub'), /^note: not entering a sub-folder/);
});
