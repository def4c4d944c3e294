import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { kubeboot } from './../support/cli.js';
import { tempDir } from './../support/temp.js';

// A corpus of bad command lines and files: each gets a clear error (exit 2 for the command line, 1
// for a failure) naming what is wrong — never a stack trace, never "This is unexpected".
const cluster = 'apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n';

test('bad input: every case is refused with its own words and the right exit code', async () => {
  const dir = await tempDir({
    'ok.yaml': cluster,
    'alias.yaml': `a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n${cluster}`,
    'binary.yaml': '\u0000\u0001\u0002',
    'kubelet.yaml': 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nfileCheckFrequency: -1s\nstaticPodPath: /etc/kubernetes/manifests\n',
    'manifests/junk.yaml': 'apiVersion: v1\nkind: Pod\nmetadata: {name: j}\nspec: {containers: [7]}\n',
  });
  const cases: Array<[string[], number, RegExp]> = [
    [['init', '--skip-phases', 'bogus', '--rootfs', dir], 2, /flag --skip-phases: InitConfiguration\.skipPhases\[0\]: got "bogus", expected a phase of init/],
    [['reset', '--skip-phases', 'nope', '--rootfs', dir, '--force'], 2, /--skip-phases: invalid phase name "nope"/],
    [['kubelet', '--healthz-port', '99999', '--pod-manifest-path', '/tmp'], 2, /--healthz-port: got "99999", expected a port number from 0 to 65535/],
    [['kubelet', '--pod-manifest-path', 'relative/path'], 2, /--pod-manifest-path: got "relative\/path", expected an absolute path/],
    [['kubelet', '--config', join(dir, 'kubelet.yaml')], 1, /kubelet\.yaml:3:\d+: KubeletConfiguration\.fileCheckFrequency: got "-1s", expected a positive duration/],
    [['kubelet', '--manifest-url', 'ftp://x', '--pod-manifest-path', '/tmp'], 2, /--manifest-url: got "ftp:\/\/x"/],
    [['config', 'validate', '--config', join(dir, 'alias.yaml')], 1, /alias|too many|excessive/i],
    [['config', 'validate', '--config', join(dir, 'binary.yaml')], 1, /binary\.yaml/],
    [['config', 'validate', '--config', join(dir, 'nosuch.yaml')], 1, /nosuch\.yaml: no such file/],
    [['config', 'validate', '--config', dir], 1, /is a directory|not a file|directory/i],
    [['init', 'phase', 'certs', 'nosuch', '--rootfs', dir], 2, /init phase certs: unknown phase "nosuch"; expected one of all, ca, apiserver/],
    [['certs', 'renew', '--rootfs', dir], 2, /missing required argument/],
    [['logs', 'x', '--tail', 'many'], 2, /--tail: got "many"/],
    [['ps', '--root-dir', 'relative'], 2, /--root-dir: got "relative"/],
    [['manifest', 'check', join(dir, 'manifests')], 1, /junk\.yaml: spec\.containers\[0\]: got 7, expected a mapping/],
    [['init', '--rootfs', join(dir, 'missing')], 2, /--rootfs .*missing: no such folder/],
    [['version', '-o', 'xml'], 2, /Allowed choices are/],
  ];
  for (const [args, code, message] of cases) {
    const result = await kubeboot(args);
    const what = `kubeboot ${args.join(' ')}`;
    assert.equal(result.exitCode, code, `${what}: exit ${result.exitCode}\n${result.stderr}`);
    assert.match(result.stderr, message, what);
    assert.doesNotMatch(result.stderr, /unexpected|\n\s+at .*\.(ts|js):\d+/, `${what}: no internal error, no stack trace`);
  }
});

test('InitConfiguration.skipPhases from the file is honoured, as kubeadm does', async () => {
  const root = await tempDir({
    'c.yaml': `apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\nnodeRegistration: {name: n1}\nlocalAPIEndpoint: {advertiseAddress: 10.0.0.10}\nskipPhases: [preflight, kubeconfig, etcd, control-plane, kubelet-start, wait-control-plane, upload-config, upload-certs, mark-control-plane, bootstrap-token, kubelet-finalize, addon, show-join-command]\n---\n${cluster}encryptionAlgorithm: ECDSA-P256\n`,
  });
  const result = await kubeboot(['init', '--config', join(root, 'c.yaml'), '--rootfs', root]);
  assert.equal(result.exitCode, 0, result.stderr);
  const { readdir } = await import('node:fs/promises');
  assert.ok((await readdir(join(root, 'etc/kubernetes/pki'))).includes('ca.crt'), 'certs ran');
  assert.deepEqual((await readdir(join(root, 'etc/kubernetes'))).sort(), ['pki'], 'nothing else did');
});
