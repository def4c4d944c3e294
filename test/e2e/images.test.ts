import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { kubeboot } from '../support/cli.js';
import { images } from '../support/docker.js';
import { tempDir } from '../support/temp.js';
import { ThrowawayEngine } from '../support/throwaway-engine.js';

// An engine of its own, so that loading (and missing) images never touches the shared one.
let dockerd: ThrowawayEngine;
before(async () => {
  dockerd = new ThrowawayEngine();
  await dockerd.start();
});
after(() => dockerd?.destroy());

test('images save and load carry images to an engine without a registry', async () => {
  const dir = await tempDir();
  const bundle = join(dir, 'bundle.tar');
  const saved = await kubeboot(['images', 'save', '-o', bundle, images.busybox, images.pause]);
  assert.equal(saved.exitCode, 0, saved.stderr);
  assert.match(saved.stdout, /Saved 2 images/);
  const env = { ...process.env, DOCKER_HOST: dockerd.host };
  const loaded = await kubeboot(['images', 'load', bundle], { env });
  assert.equal(loaded.exitCode, 0, loaded.stderr);
  assert.match(loaded.stdout, new RegExp(images.busybox.replace(/[.]/g, '\\.')));
  for (const image of [images.busybox, images.pause]) await dockerd.docker.getImage(image).inspect();
});

test('init on an engine without the images: preflight says which are missing and how to load them', async () => {
  const root = await tempDir({
    'kubeboot.yaml': 'apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\nnodeRegistration: {name: noimages}\nlocalAPIEndpoint: {advertiseAddress: 127.0.0.1}\n---\napiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nimageRepository: kubeboot.invalid\n',
  });
  const env = { ...process.env, DOCKER_HOST: dockerd.host };
  const result = await kubeboot(['init', 'phase', 'preflight', '--config', join(root, 'kubeboot.yaml'), '--rootfs', root, '--ignore-preflight-errors', 'Port-6443,Port-2379,Port-2380,Port-2381,Port-10257,Port-10259,Port-10248'], { env });
  assert.equal(result.exitCode, 1, result.stdout);
  assert.match(`${result.stdout}\n${result.stderr}`, /\[ERROR ImagePull\]: kubeboot\.invalid\/kube-apiserver:v1\.34\.2 is not on this machine and cannot be pulled/);
  assert.match(`${result.stdout}\n${result.stderr}`, /kubeboot images save -o bundle\.tar[\s\S]*kubeboot images load bundle\.tar/);
});
