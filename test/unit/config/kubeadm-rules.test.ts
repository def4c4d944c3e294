import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../../src/config/load.js';
import { ConfigError } from '../../../src/config/problems.js';
import { tempDir } from '../../support/temp.js';

// What kubeadm (or the kubelet) refuses, and kubeboot must too, each named with file:line:col and the field.
const host = { hostname: 'cp-1', defaultAddress: '192.0.2.10' };
const init = (body: string) => `apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\n${body}---\napiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n`;
const cluster = (body: string) => `apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n${body}`;
const kubelet = (body: string) => `${cluster('')}---\napiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n${body}`;

const CASES: Array<[string, string, RegExp]> = [
  ['a malformed token', init('bootstrapTokens:\n- token: abcdef.TOOSHORT\n'), /c\.yaml:4:\d+: InitConfiguration\.bootstrapTokens\[0\]\.token: got "abcdef\.TOOSHORT"/],
  ['an unknown token usage', init('bootstrapTokens:\n- usages: [signing, everything]\n'), /InitConfiguration\.bootstrapTokens\[0\]\.usages\[1\]: got "everything", expected one of signing, authentication/],
  ['a group outside system:bootstrappers:', init('bootstrapTokens:\n- groups: [system:masters]\n'), /InitConfiguration\.bootstrapTokens\[0\]\.groups\[0\]: got "system:masters"/],
  ['an expiry that is no time', init('bootstrapTokens:\n- expires: tomorrow\n'), /InitConfiguration\.bootstrapTokens\[0\]\.expires: got "tomorrow"/],
  ['a criSocket that is not unix://', init('nodeRegistration:\n  criSocket: tcp://10.0.0.1:2375\n'), /InitConfiguration\.nodeRegistration\.criSocket: got "tcp:\/\/10\.0\.0\.1:2375", expected a unix socket URL/],
  ['"all" beside individual checks', init('nodeRegistration:\n  ignorePreflightErrors: [all, Swap]\n'), /ignorePreflightErrors: got \["all","Swap"\]: "all" ignores every check/],
  ['an unknown feature gate', cluster('featureGates:\n  MakeItFaster: true\n'), /ClusterConfiguration\.featureGates\.MakeItFaster: MakeItFaster is not a valid feature name/],
  ['a pod subnet smaller than a node', cluster('networking:\n  podSubnet: 10.244.0.0/25\n'), /podSubnet: 10\.244\.0\.0\/25: the size of pod subnet with mask 25 is smaller than the size of node subnet with mask 24/],
  ['an image repository that is no reference', cluster('imageRepository: "Registry Example/k8s"\n'), /ClusterConfiguration\.imageRepository: got "Registry Example\/k8s", expected an image repository/],
  ['an image tag that is no tag', cluster('etcd:\n  local:\n    imageTag: "3.6:5"\n'), /ClusterConfiguration\.etcd\.local\.imageTag: got "3\.6:5", expected an image tag/],
  ['etcd data in /etc', cluster('etcd:\n  local:\n    dataDir: /etc\n'), /ClusterConfiguration\.etcd\.local\.dataDir: got "\/etc": \/etc is a system folder/],
  ['etcd data around the PKI', cluster('certificatesDir: /srv/k/pki\netcd:\n  local:\n    dataDir: /srv/k\n'), /etcd\.local\.dataDir: got "\/srv\/k": it holds \/srv\/k\/pki/],
  ['a certificatesDir with ..', cluster('certificatesDir: /etc/kubernetes/../../root/pki\n'), /ClusterConfiguration\.certificatesDir: got "\/etc\/kubernetes\/\.\.\/\.\.\/root\/pki", expected an absolute path without '\.\.'/],
  ['a negative fileCheckFrequency', kubelet('fileCheckFrequency: -5s\n'), /KubeletConfiguration\.fileCheckFrequency: got "-5s", expected a positive duration/],
  ['a port that is no number', kubelet('port: abc\n'), /KubeletConfiguration\.port: got "abc" \(a string\), expected an integer/],
  ['a negative maxPods', kubelet('maxPods: -5\n'), /KubeletConfiguration\.maxPods: got -5, expected at least 0/],
  ['"false" for a boolean', kubelet('failSwapOn: "false"\n'), /KubeletConfiguration\.failSwapOn: got "false" \(a string\), expected true or false/],
  ['a patches folder without a path', init('patches:\n  directory: ""\n'), /InitConfiguration\.patches\.directory: expected the path of a folder of patch files/],
  ['a zero back-off maximum', kubelet('crashLoopBackOff:\n  maxContainerRestartPeriod: 0s\n'), /KubeletConfiguration\.crashLoopBackOff\.maxContainerRestartPeriod: got "0s"/],
];

for (const [what, text, expected] of CASES) {
  test(`refused: ${what}`, async () => {
    const dir = await tempDir({ 'c.yaml': text });
    const err = await loadConfig({ file: join(dir, 'c.yaml'), host }).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof ConfigError, `${what} was accepted`);
    assert.ok(err.details.some((line) => expected.test(line)), `${what}:\n${err.details.join('\n')}`);
  });
}
