import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { loadConfig } from '../../../src/config/load.js';
import type { KubebootConfig } from '../../../src/config/types.js';
import { componentPods } from '../../../src/render/components.js';
import { kubeadmYaml, renderKubeletConfiguration, renderPodDocument, renderStaticPod } from '../../../src/render/render.js';
import { fixture } from '../../support/temp.js';

// Values with YAML metacharacters must stay values: the document's structure never changes.
const HOSTILE = [
  'a: b',
  'x\nkind: Secret',
  '# comment',
  '{flow: map}',
  '- item',
  '"double" \'single\'',
  '&anchor *alias',
  '!!binary aGVsbG8=',
  'ünïcødé ✓ 日本',
  '\ttab\r\nCRLF',
  '}}{{q x}}',
  '---\napiVersion: v1',
  '|\n  block',
  '@`%',
  'true',
  '12345',
  'null',
  '',
];

/** The structure of a document: every path to a leaf, with values replaced by their type. */
function shape(value: unknown, path = ''): string[] {
  if (Array.isArray(value)) return [`${path}[]#${value.length}`, ...value.flatMap((item, i) => shape(item, `${path}[${i}]`))];
  if (typeof value === 'object' && value !== null) return Object.entries(value).flatMap(([key, item]) => shape(item, `${path}.${key}`));
  return [`${path}:${typeof value}`];
}

async function baseConfig(): Promise<KubebootConfig> {
  return (await loadConfig({ file: fixture('render', 'defaults.yaml'), host: { hostname: 'unused', defaultAddress: '192.0.2.1' } })).config;
}

/** Puts `value` into every user-controlled field that reaches a manifest (validation bypassed on purpose). */
function inject(config: KubebootConfig, value: string): KubebootConfig {
  const c = structuredClone(config);
  c.cluster.apiServer.extraArgs = [{ name: 'audit-policy-file', value }];
  c.cluster.apiServer.extraEnvs = [{ name: 'INJECTED', value }];
  c.cluster.apiServer.extraVolumes = [{ name: 'extra', hostPath: `/host/${value}`, mountPath: `/mnt/${value}`, readOnly: true, pathType: 'DirectoryOrCreate' }];
  c.cluster.controllerManager.extraArgs = [{ name: 'cluster-signing-duration', value }];
  c.cluster.scheduler.extraEnvs = [{ name: 'INJECTED', value }];
  c.cluster.etcd.local!.extraArgs = [{ name: 'log-level', value }];
  c.cluster.etcd.local!.extraEnvs = [{ name: 'INJECTED', value }];
  c.cluster.etcd.local!.dataDir = `/var/lib/etcd/${value}`;
  c.cluster.certificatesDir = `/etc/kubernetes/pki/${value}`;
  c.cluster.clusterName = `name${value}`;
  c.cluster.imageRepository = `registry.example/${value}`;
  c.cluster.networking.serviceSubnet = `10.96.0.0/12${value}`;
  c.cluster.networking.podSubnet = `10.244.0.0/16${value}`;
  c.init.nodeRegistration.imagePullPolicy = `IfNotPresent${value}` as never;
  c.init.localAPIEndpoint.advertiseAddress = `10.0.0.10${value}`;
  c.kubelet.staticPodPath = `/etc/kubernetes/manifests/${value}`;
  c.kubelet.clusterDomain = value;
  return c;
}

const host = { exists: () => false, env: {} };

test('hostile values never change the structure of any manifest, and arrive verbatim', async () => {
  const base = await baseConfig();
  // The templates' structure, before the rendered Pod is checked: the injected values need not be valid.
  const baseline = componentPods(inject(base, 'plain'), host).map((pod) => shape(renderPodDocument(pod)));
  const baselineKubelet = shape(parse(renderKubeletConfiguration(inject(base, 'plain').kubelet)));
  for (const value of HOSTILE) {
    const config = inject(base, value);
    componentPods(config, host).forEach((pod, i) => {
      const document = renderPodDocument(pod) as { spec: { containers: Array<{ command: string[]; env?: Array<{ value: string }> }> } };
      assert.deepEqual(shape(document), baseline[i], `${pod.component} changed shape with ${JSON.stringify(value)}`);
      assert.deepEqual(parse(kubeadmYaml(document)), document, `${pod.component}: the written YAML reads back the same with ${JSON.stringify(value)}`);
      const container = document.spec.containers[0]!;
      const expectedFlag = { 'kube-apiserver': `--audit-policy-file=${value}`, 'kube-controller-manager': `--cluster-signing-duration=${value}`, etcd: `--log-level=${value}` }[pod.component as string];
      if (expectedFlag) assert.ok(container.command.includes(expectedFlag), `${pod.component}: ${JSON.stringify(expectedFlag)} arrives verbatim`);
      if (pod.component !== 'kube-controller-manager') assert.equal(container.env?.find((e) => (e as { name?: string }).name === 'INJECTED')?.value, value);
    });
    const kubelet = parse(renderKubeletConfiguration(config.kubelet)) as { clusterDomain: string; staticPodPath: string };
    assert.deepEqual(shape(kubelet), baselineKubelet);
    assert.equal(kubelet.clusterDomain, value);
    assert.equal(kubelet.staticPodPath, `/etc/kubernetes/manifests/${value}`);
  }
});

test('a value that would make an invalid Pod is caught before anything is written', async () => {
  const config = await baseConfig();
  config.cluster.apiServer.extraVolumes = [{ name: 'Bad Name', hostPath: '/x', mountPath: '/y', readOnly: false, pathType: '' }];
  const [, apiserver] = componentPods(config, host);
  assert.throws(() => renderStaticPod(apiserver!), (err: Error & { details?: string[] }) => {
    assert.match(err.message, /the kube-apiserver manifest is not a valid Pod; nothing was written/);
    assert.ok(err.details?.some((d) => /spec\.volumes\[\d\]\.name: got "Bad Name", expected a DNS-1123 label/.test(d)));
    return true;
  });
});
