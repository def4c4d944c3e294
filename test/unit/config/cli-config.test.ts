import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { kubeboot } from '../../support/cli.js';
import { fixture, tempDir } from '../../support/temp.js';

test('print init-defaults output is a config that validates clean', async () => {
  const printed = await kubeboot(['config', 'print', 'init-defaults', '--component-configs', 'KubeletConfiguration']);
  assert.equal(printed.exitCode, 0, printed.stderr);
  assert.match(printed.stdout, /kind: InitConfiguration/);
  assert.match(printed.stdout, /kind: ClusterConfiguration/);
  assert.match(printed.stdout, /staticPodPath: \/etc\/kubernetes\/manifests/);
  const dir = await tempDir({ 'defaults.yaml': printed.stdout });
  const validated = await kubeboot(['config', 'validate', '--config', join(dir, 'defaults.yaml')]);
  assert.equal(validated.exitCode, 0, validated.stderr);
  assert.equal(validated.stderr, '', 'no warnings either');
  assert.match(validated.stdout, /^ok: .*defaults\.yaml is a valid configuration$/m);
});

test('print init-defaults refuses an unknown component config with a usage error', async () => {
  const result = await kubeboot(['config', 'print', 'init-defaults', '--component-configs', 'KubeProxyConfig']);
  assert.equal(result.exitCode, 2);
  assert.match(result.stderr, /unknown kind KubeProxyConfig; expected KubeletConfiguration/);
});

test('validate prints every problem and exits 1, without a stack trace', async () => {
  const result = await kubeboot(['config', 'validate', '--config', fixture('configs', 'ten-mistakes.yaml')]);
  assert.equal(result.exitCode, 1);
  assert.equal(result.stdout, '');
  const problemLines = result.stderr.split('\n').filter((line) => /ten-mistakes\.yaml:\d+:\d+: /.test(line));
  assert.equal(problemLines.length, 12);
  assert.match(result.stderr, /error: .*ten-mistakes\.yaml: 12 problems in the configuration; nothing was done/);
  assert.doesNotMatch(result.stderr, /\n\s+at /);
});

test('validate prints warnings on stderr and still succeeds', async () => {
  const result = await kubeboot(['config', 'validate', '--config', fixture('configs', 'kubeadm-docs-v1beta4.yaml')]);
  assert.equal(result.exitCode, 0);
  assert.match(result.stderr, /warning: kind: KubeProxyConfiguration is kept but not used/);
});

test('images list -o json names the five images of the configured version and repository', async () => {
  const dir = await tempDir({
    'c.yaml': 'apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nkubernetesVersion: v1.33.4\nimageRepository: kubeboot.local\netcd:\n  local:\n    imageTag: 3.4.23-0\n',
  });
  const result = await kubeboot(['config', 'images', 'list', '--config', join(dir, 'c.yaml'), '-o', 'json']);
  assert.equal(result.exitCode, 0, result.stderr);
  assert.deepEqual(JSON.parse(result.stdout).images, [
    'kubeboot.local/kube-apiserver:v1.33.4',
    'kubeboot.local/kube-controller-manager:v1.33.4',
    'kubeboot.local/kube-scheduler:v1.33.4',
    'kubeboot.local/etcd:3.4.23-0',
    'kubeboot.local/pause:3.10',
  ]);
});

test('images list pairs each Kubernetes minor with the etcd and pause kubeadm uses', async () => {
  const v34 = await kubeboot(['config', 'images', 'list', '--kubernetes-version', 'v1.34.1']);
  assert.match(v34.stdout, /^registry\.k8s\.io\/etcd:3\.6\.5-0$/m);
  assert.match(v34.stdout, /^registry\.k8s\.io\/pause:3\.10\.1$/m);
  const v31 = await kubeboot(['config', 'images', 'list', '--kubernetes-version', '1.31.0']);
  assert.match(v31.stdout, /^registry\.k8s\.io\/kube-apiserver:v1\.31\.0$/m);
  assert.match(v31.stdout, /^registry\.k8s\.io\/etcd:3\.5\.24-0$/m);
  const old = await kubeboot(['config', 'images', 'list', '--kubernetes-version', 'v1.29.0']);
  assert.equal(old.exitCode, 2); // a flag value kubeboot cannot take: a usage error
  assert.match(old.stderr, /flag --kubernetes-version: ClusterConfiguration\.kubernetesVersion: got "v1\.29\.0", expected a version kubeboot supports/);
});

test('migrate --new-config writes the v1beta4 form, private to root', async () => {
  const dir = await tempDir();
  const target = join(dir, 'new.yaml');
  const result = await kubeboot(['config', 'migrate', '--old-config', fixture('configs', 'kubeadm-docs-v1beta3.yaml'), '--new-config', target]);
  assert.equal(result.exitCode, 0, result.stderr);
  const migrated = await readFile(target, 'utf8');
  assert.match(migrated, /apiVersion: kubeadm\.k8s\.io\/v1beta4/);
  assert.match(migrated, /controlPlaneComponentHealthCheck: 60s/);
  assert.match(migrated, /- name: authorization-mode\n\s+value: Node,RBAC/);
  assert.equal((await stat(target)).mode & 0o777, 0o600);
  const validated = await kubeboot(['config', 'validate', '--config', target]);
  assert.equal(validated.exitCode, 0, validated.stderr);
});

test('config --help shows examples', async () => {
  const result = await kubeboot(['config', 'images', 'list', '--help']);
  assert.equal(result.exitCode, 0);
  assert.match(result.stdout, /Examples:\n/);
  assert.match(result.stdout, /kubeboot config images list --config kubeboot\.yaml -o json/);
});
