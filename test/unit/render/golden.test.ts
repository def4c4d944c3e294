import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { loadConfig } from '../../../src/config/load.js';
import type { Component } from '../../../src/render/components.js';
import { writeKubeletConfiguration, writeStaticPods } from '../../../src/render/write-manifests.js';
import { assertMatchesGolden, readTree } from '../../support/golden.js';
import { fixture, tempDir } from '../../support/temp.js';
import { Host } from '../../../src/util/host.js';

const ALL: Component[] = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'];

/** Renders a scenario into a fresh rootfs (no CA folders, no proxy variables) and returns its tree. */
async function render(scenario: string): Promise<{ rootfs: string; tree: Record<string, string> }> {
  const rootfs = await tempDir();
  const { config } = await loadConfig({ file: fixture('render', `${scenario}.yaml`), host: { hostname: 'unused', defaultAddress: '192.0.2.1' } });
  const components = config.cluster.etcd.external ? ALL.filter((c) => c !== 'etcd') : ALL;
  await writeStaticPods(config, Host.scratch(rootfs), components, { env: {} });
  await writeKubeletConfiguration(config, Host.scratch(rootfs));
  return { rootfs, tree: await readTree(rootfs) };
}

const scenarios = readdirSync(fixture('render')).map((file) => file.replace(/\.yaml$/, ''));

for (const scenario of scenarios) {
  test(`rendered files for ${scenario} match test/fixtures/golden/${scenario}`, async () => {
    const { tree } = await render(scenario);
    await assertMatchesGolden(tree, fixture('golden', scenario));
  });
}

test('the scenarios cover what kubeadm varies', () => {
  assert.deepEqual(scenarios.sort(), [
    'custom-dirs', 'defaults', 'dual-stack', 'etcd-3.4-kubernetes-1.31', 'etcd-3.5-kubernetes-1.33', 'external-etcd', 'extra-args', 'ipv6',
  ]);
});

test('a second render writes nothing: files keep their content and modification time', async () => {
  const rootfs = await tempDir();
  const { config } = await loadConfig({ file: fixture('render', 'defaults.yaml'), host: { hostname: 'unused', defaultAddress: '192.0.2.1' } });
  const first = await writeStaticPods(config, Host.scratch(rootfs), ALL, { env: {} });
  assert.ok(first.every((f) => f.action === 'written'));
  const file = join(rootfs, 'etc/kubernetes/manifests/kube-apiserver.yaml');
  const before = (await stat(file)).mtimeMs;
  await new Promise((resolve) => setTimeout(resolve, 20));
  const second = await writeStaticPods(config, Host.scratch(rootfs), ALL, { env: {} });
  assert.deepEqual(second.map((f) => f.action), ['unchanged', 'unchanged', 'unchanged', 'unchanged']);
  assert.equal((await stat(file)).mtimeMs, before);
});

test('CA folders are mounted only when they exist on the host (under --rootfs)', async () => {
  const rootfs = await tempDir({ 'etc/pki/tls/certs/ca-bundle.crt': 'x', 'usr/share/ca-certificates/a.crt': 'x' });
  const { config } = await loadConfig({ file: fixture('render', 'defaults.yaml'), host: { hostname: 'unused', defaultAddress: '192.0.2.1' } });
  const [apiserver] = await writeStaticPods(config, Host.scratch(rootfs), ['kube-apiserver'], { env: {} });
  const names = (parse(apiserver!.content) as { spec: { volumes: Array<{ name: string }> } }).spec.volumes.map((v) => v.name);
  assert.deepEqual(names, ['ca-certs', 'etc-pki-tls-certs', 'k8s-certs', 'usr-share-ca-certificates']);
});

test('proxy variables of the environment reach the components, with extraEnvs', async () => {
  const rootfs = await tempDir();
  const { config } = await loadConfig({ file: fixture('render', 'defaults.yaml'), host: { hostname: 'unused', defaultAddress: '192.0.2.1' } });
  config.cluster.scheduler.extraEnvs = [{ name: 'NO_PROXY', value: 'localhost,10.0.0.0/8' }];
  const [scheduler] = await writeStaticPods(config, Host.scratch(rootfs), ['kube-scheduler'], { env: { HTTPS_PROXY: 'http://proxy:3128', NO_PROXY: 'localhost' } });
  assert.match(scheduler!.content, /env:\n {4}- name: HTTPS_PROXY\n {6}value: http:\/\/proxy:3128\n {4}- name: NO_PROXY\n {6}value: localhost,10\.0\.0\.0\/8\n/);
});

test('etcd with external etcd is refused as kubeadm refuses it', async () => {
  const { config } = await loadConfig({ file: fixture('render', 'external-etcd.yaml'), host: { hostname: 'unused', defaultAddress: '192.0.2.1' } });
  await assert.rejects(writeStaticPods(config, Host.scratch(await tempDir()), ['etcd']), /etcd static pod manifest cannot be generated for cluster using external etcd/);
});
