import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderUnit, systemdArg } from '../../../src/phases/systemd-unit.js';
import { tempDir } from '../../support/temp.js';

test('systemd quoting: spaces, quotes, backslashes, % and $ survive as one word each', () => {
  assert.equal(systemdArg('plain'), '"plain"');
  assert.equal(systemdArg('a b "c" \\d'), '"a b \\"c\\" \\\\d"');
  assert.equal(systemdArg('50%'), '"50%%"');
  assert.equal(systemdArg('$HOME'), '"$$HOME"');
  assert.throws(() => systemdArg('two\nlines'), /cannot hold/);
});

test('the unit runs the reconciler with the command init gives, keeps pods on stop, restarts on failure', () => {
  const unit = renderUnit({
    node: 'n1',
    command: ['/usr/bin/node', '/opt/kubeboot/bin/kubeboot.js', 'kubelet', '--config', '/var/lib/kubelet/config.yaml', '--hostname-override', 'n1'],
    environment: ['DOCKER_HOST=unix:///run/docker.sock'],
  });
  assert.match(unit, /^ExecStart="\/usr\/bin\/node" "\/opt\/kubeboot\/bin\/kubeboot\.js" "kubelet" "--config" "\/var\/lib\/kubelet\/config\.yaml" "--hostname-override" "n1"$/m);
  assert.match(unit, /^Environment="DOCKER_HOST=unix:\/\/\/run\/docker\.sock"$/m);
  assert.match(unit, /^KillMode=process$/m);
  assert.match(unit, /^Restart=always$/m);
  assert.match(unit, /^WantedBy=multi-user\.target$/m);
  assert.match(unit, /^Description=.* for node "n1"$/m);
});

test('systemd-analyze verify accepts the unit, with hostile paths and values on its command line', async () => {
  const { execa } = await import('execa');
  const { writeFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const dir = await tempDir(); // removed when the file ends
  const file = join(dir, 'kubeboot-kubelet.service');
  await writeFile(file, renderUnit({
    node: 'n1',
    command: [process.execPath, '/opt/kube boot/bin/kubeboot.js', 'kubelet', '--config', '/var/lib/kubelet/config.yaml', '--pod-infra-container-image', 'x"y$z%i\\'],
    environment: ['DOCKER_HOST=unix:///run/kubeboot engine/docker.sock'],
  }));
  const verify = await execa('systemd-analyze', ['verify', file], { reject: false });
  assert.notEqual(verify.exitCode, undefined, 'systemd-analyze is needed for this test (Debian package systemd; scripts/test.sh installs it)');
  assert.equal(verify.exitCode, 0, verify.stderr);
  assert.equal(verify.stderr.trim(), '', 'systemd has nothing to say about the unit');
});
