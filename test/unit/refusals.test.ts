import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { kubeboot } from '../support/cli.js';
import { tempDir } from '../support/temp.js';

// Issue 29 (trust, round 3): what `config validate` passed and init then refused, what was accepted
// although kubeadm, the API server or the kubelet refuse it, and refusals that did not say where.
// Each case is checked as a user would: the exit code, the file:line:col and field, and that nothing
// was written. The rules come from kubeadm's validation (ValidateIgnorePreflightErrors, ValidateCertSANs,
// ValidateHostPathMount), apimachinery's IsQualifiedName and the API server's pod validation.
const cluster = 'apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n';
const init = 'apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\n';
const kubelet = 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n';

/** `config validate` and `init --dry-run` of one file: both refuse, both name `where` and say `what`. */
async function refusedByBoth(file: string, where: RegExp, what: RegExp): Promise<void> {
  const root = await tempDir();
  for (const args of [['config', 'validate', '--config', file], ['init', '--config', file, '--rootfs', root]]) {
    const result = await kubeboot(args);
    const command = `kubeboot ${args.join(' ')}`;
    assert.equal(result.exitCode, 1, `${command}: exit ${result.exitCode}\n${result.stdout}${result.stderr}`);
    assert.match(result.stderr, where, command);
    assert.match(result.stderr, what, command);
    assert.doesNotMatch(result.stderr, /unexpected|\n\s+at .*\.(ts|js):\d+/, `${command}: no internal error`);
  }
  assert.deepEqual(await readdir(root), [], 'a refused init writes nothing under --rootfs');
}

test('config validate refuses what init refuses: extraVolumes, skipPhases, patches folder — all at once, each located', async () => {
  const dir = await tempDir({
    'c.yaml': `${cluster}apiServer:\n  extraVolumes:\n  - name: ${'v'.repeat(64)}\n    hostPath: /srv/a\n    mountPath: /srv/a\n  - name: mine\n    hostPath: /srv/pki\n    mountPath: /etc/kubernetes/pki\n---\n${init}skipPhases: [certs, no-such-phase]\npatches:\n  directory: /no/such/folder\n`,
  });
  const file = join(dir, 'c.yaml');
  const result = await kubeboot(['config', 'validate', '--config', file]);
  assert.equal(result.exitCode, 1, result.stderr);
  assert.match(result.stderr, /c\.yaml:5:\d+: ClusterConfiguration\.apiServer\.extraVolumes\[0\]\.name: .*DNS-1123 label \(at most 63/);
  assert.match(result.stderr, /c\.yaml:10:\d+: ClusterConfiguration\.apiServer\.extraVolumes\[1\]\.mountPath: "\/etc\/kubernetes\/pki" is where kube-apiserver's volume "k8s-certs" is mounted/);
  assert.match(result.stderr, /c\.yaml:14:\d+: InitConfiguration\.skipPhases\[1\]: got "no-such-phase", expected a phase of init/);
  assert.match(result.stderr, /c\.yaml:16:\d+: InitConfiguration\.patches\.directory: the patches folder \/no\/such\/folder is not a folder/);
  assert.match(result.stderr, /4 problems in the configuration/);
  await refusedByBoth(file, /extraVolumes\[1\]\.mountPath/, /skipPhases\[1\]/);
});

test('config validate applies the patches and checks what they make, as init does', async () => {
  const dir = await tempDir({
    'patches/kubeletconfiguration.yaml': 'maxPods: lots\n',
    'patches/kube-scheduler.yaml': 'spec:\n  containers:\n  - name: kube-scheduler\n    image: " registry.k8s.io/kube-scheduler:v1.34.2 "\n',
  });
  const { writeFile } = await import('node:fs/promises');
  await writeFile(join(dir, 'c.yaml'), `${init}patches:\n  directory: ${join(dir, 'patches')}\n`);
  const file = join(dir, 'c.yaml');
  await refusedByBoth(file, /KubeletConfiguration\.maxPods: after patching: got "lots"/, /kube-scheduler manifest: spec\.containers\[0\]\.image: .*leading or trailing whitespace/);
});

test('refused as kubeadm and the kubelet refuse them: kinds, shapes, SANs, addresses, taints, preflight "all", lengths', async () => {
  const cases: Array<[string, string, RegExp]> = [
    ['kubelet-shape.yaml', `${init}---\n${kubelet}evictionHard: [memory.available, nodefs.available]\nfeatureGates: [A]\n`, /kubelet-shape\.yaml:6:\d+: KubeletConfiguration\.evictionHard: got .* \(a list\), expected a mapping/],
    ['kubelet-version.yaml', `${init}---\napiVersion: kubelet.config.k8s.io/v1beta9\nkind: KubeletConfiguration\n`, /kubelet-version\.yaml:4:\d+: .*got "kubelet\.config\.k8s\.io\/v1beta9", expected kubelet\.config\.k8s\.io\/v1beta1/],
    ['proxy-version.yaml', `${init}---\napiVersion: kubeproxy.config.k8s.io/v1alpha9\nkind: KubeProxyConfiguration\n`, /proxy-version\.yaml:4:\d+: .*expected kubeproxy\.config\.k8s\.io\/v1alpha1/],
    ['directive.yaml', `%YAML 1.3\n---\n${cluster}`, /directive\.yaml:1:\d+: YAML: Unsupported YAML version 1\.3/],
    ['unknown-directive.yaml', `%FOO bar\n---\n${cluster}`, /unknown-directive\.yaml:1:1: YAML: Unknown directive %FOO/],
    ['repository.yaml', `${cluster}imageRepository: registry.example/${'a'.repeat(300)}\n`, /repository\.yaml:3:\d+: ClusterConfiguration\.imageRepository: got a repository of \d+ characters, expected at most 255/],
    ['zone.yaml', `${init}localAPIEndpoint:\n  advertiseAddress: "fe80::1%eth0"\n`, /zone\.yaml:4:\d+: InitConfiguration\.localAPIEndpoint\.advertiseAddress: got "fe80::1%eth0"/],
    ['taint.yaml', `${init}nodeRegistration:\n  taints:\n  - key: "bad key!"\n    effect: NoSchedule\n  - key: example.com/ok\n    value: "${'x'.repeat(64)}"\n    effect: NoSchedule\n`, /taint\.yaml:5:\d+: InitConfiguration\.nodeRegistration\.taints\[0\]\.key: got "bad key!", expected a qualified name/],
    ['etcd-sans.yaml', `${cluster}etcd:\n  local:\n    serverCertSANs: ["not a name"]\n    peerCertSANs: ["-lead.example"]\n`, /etcd-sans\.yaml:5:\d+: ClusterConfiguration\.etcd\.local\.serverCertSANs\[0\]: got "not a name", expected an IP address or a DNS name/],
    ['cluster-dns.yaml', `${init}---\n${kubelet}clusterDNS: [10.96.0.10, kube-dns]\n`, /cluster-dns\.yaml:6:\d+: KubeletConfiguration\.clusterDNS\[1\]: got "kube-dns", expected an IP address/],
    ['all.yaml', `${init}nodeRegistration:\n  ignorePreflightErrors: [Swap, all]\n`, /all\.yaml:4:\d+: InitConfiguration\.nodeRegistration\.ignorePreflightErrors\[1\]: 'all' cannot be used in configuration file/],
    ['duplicate.yaml', `${cluster}clusterName: one\nnetworking:\n  podSubnet: 10.244.0.0/16\nclusterName: two\n`, /duplicate\.yaml:6:1: YAML: the key "clusterName" appears twice/],
  ];
  const dir = await tempDir(Object.fromEntries(cases.map(([name, text]) => [name, text])));
  for (const [name, , expected] of cases) {
    const result = await kubeboot(['config', 'validate', '--config', join(dir, name)]);
    assert.equal(result.exitCode, 1, `${name}: exit ${result.exitCode}\n${result.stdout}${result.stderr}`);
    assert.match(result.stderr, expected, name);
  }
  // The second taint's value (64 characters) and the second SAN are reported beside the first: all at once.
  const taint = await kubeboot(['config', 'validate', '--config', join(dir, 'taint.yaml')]);
  assert.match(taint.stderr, /taints\[1\]\.value: got "x{20,}/);
  const sans = await kubeboot(['config', 'validate', '--config', join(dir, 'etcd-sans.yaml')]);
  assert.match(sans.stderr, /peerCertSANs\[0\]: got "-lead\.example"/);
  await refusedByBoth(join(dir, 'all.yaml'), /ignorePreflightErrors\[1\]/, /'all' cannot be used in configuration file/);
});

test('one exit-code rule: a wrong command line exits 2 naming the flag or operand, a failure exits 1', async () => {
  const root = await tempDir({ 'file': 'x', 'c.yaml': `${init}nodeRegistration:\n  ignorePreflightErrors: [Swap]\n` });
  const cases: Array<[string[], number, RegExp]> = [
    [['init', '--apiserver-cert-extra-sans', 'ok.example,not valid', '--rootfs', root, '--dry-run'], 2, /flag --apiserver-cert-extra-sans: ClusterConfiguration\.apiServer\.certSANs\[1\]: got "not valid"/],
    [['init', '--ignore-preflight-errors', 'all,Swap', '--rootfs', root, '--dry-run'], 2, /flag --ignore-preflight-errors: .*"all" ignores every check/],
    [['init', '--config', join(root, 'c.yaml'), '--ignore-preflight-errors', 'all', '--rootfs', root, '--dry-run'], 2, /flag --ignore-preflight-errors: .*"all" ignores every check/],
    [['init', '--rootfs', join(root, 'file')], 2, /--rootfs .*file: not a folder/],
    [['init', '--rootfs', 'relative/path'], 2, /--rootfs relative\/path: no such folder/],
    [['init', '--rootfs', ''], 2, /--rootfs: got an empty value/],
    [['certs', 'renew', 'all', 'extra', '--rootfs', root], 2, /unknown certificate extra/],
    [['init', 'phase', 'kubeconfig', 'bogus', '--rootfs', root], 2, /init phase kubeconfig: unknown phase "bogus"; expected one of all, admin/],
    [['init', 'phase', 'control-plane', 'bogus', '--rootfs', root], 2, /init phase control-plane: unknown phase "bogus"; expected one of all, apiserver/],
    [['init', 'phase', 'etcd', 'bogus', '--rootfs', root], 2, /init phase etcd: unknown phase "bogus"; expected one of all, local/],
    [['init', 'phase', 'certs', 'ca', 'extra', '--rootfs', root], 2, /init phase certs ca: unexpected argument "extra": it takes no arguments/],
    [['config', 'validate', 'stray', '--config', join(root, 'c.yaml')], 2, /config validate: unexpected argument "stray"/],
    [['init', '-v=loud', '--rootfs', root], 2, /-v: got "loud", expected a level from 0 to 10/],
    [['init', '-v', 'loud', '--rootfs', root], 2, /init: unexpected argument "loud"/],
  ];
  for (const [args, code, message] of cases) {
    const result = await kubeboot(args);
    const what = `kubeboot ${args.join(' ')}`;
    assert.equal(result.exitCode, code, `${what}: exit ${result.exitCode}\n${result.stderr}`);
    assert.match(result.stderr, message, what);
  }
  assert.deepEqual((await readdir(root)).sort(), ['c.yaml', 'file'], 'nothing was written by a refused command');
  // kubeadm's `-v 5` is taken as a level, not as a stray argument.
  const verbose = await kubeboot(['init', 'phase', 'certs', 'ca', '-v', '5', '--rootfs', root]);
  assert.equal(verbose.exitCode, 0, verbose.stderr);
});

test('init --dry-run refused by a later check leaves no temporary folder', async () => {
  const before = new Set((await readdir(tmpdir())).filter((name) => name.startsWith('kubeboot-init-dryrun-')));
  const dir = await tempDir({ 'c.yaml': `${init}patches:\n  directory: /no/such/folder\n` });
  const result = await kubeboot(['init', '--dry-run', '--config', join(dir, 'c.yaml')]);
  assert.equal(result.exitCode, 1, result.stderr);
  const left = (await readdir(tmpdir())).filter((name) => name.startsWith('kubeboot-init-dryrun-') && !before.has(name));
  assert.deepEqual(left, []);
});

test('a certificate path that is a folder, or a certificatesDir that is a file: a plain error naming the path, nothing written', async () => {
  const { mkdir, writeFile, rm, stat } = await import('node:fs/promises');
  const fileAsDir = await tempDir();
  await mkdir(join(fileAsDir, 'etc/kubernetes'), { recursive: true });
  await writeFile(join(fileAsDir, 'etc/kubernetes/pki'), 'not a folder');
  const first = await kubeboot(['init', 'phase', 'certs', '--rootfs', fileAsDir]);
  assert.equal(first.exitCode, 1, first.stderr);
  assert.match(first.stderr, /error: \/etc\/kubernetes\/pki\/[a-z-]+\.(crt|key|pub): a part of this path is a file, expected a folder/);
  assert.doesNotMatch(first.stderr, /unexpected/);

  const keyAsDir = await tempDir();
  assert.equal((await kubeboot(['init', 'phase', 'certs', '--rootfs', keyAsDir])).exitCode, 0);
  await rm(join(keyAsDir, 'etc/kubernetes/pki/apiserver.key'));
  await mkdir(join(keyAsDir, 'etc/kubernetes/pki/apiserver.key'));
  const crtBefore = await stat(join(keyAsDir, 'etc/kubernetes/pki/apiserver.crt'));
  for (const args of [['certs', 'renew', 'apiserver'], ['init', 'phase', 'certs']]) {
    const result = await kubeboot([...args, '--rootfs', keyAsDir]);
    assert.equal(result.exitCode, 1, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, /\/etc\/kubernetes\/pki\/apiserver\.key: (is a folder, expected a file|cannot be read)/, args.join(' '));
    assert.doesNotMatch(result.stderr, /unexpected/, args.join(' '));
  }
  assert.equal((await stat(join(keyAsDir, 'etc/kubernetes/pki/apiserver.crt'))).mtimeMs, crtBefore.mtimeMs, 'the certificate beside it was not rewritten');
});

test('a truncated certificate or one of the wrong PEM type is named, in init phase certs and check-expiration alike', async () => {
  const { readFile, writeFile, copyFile } = await import('node:fs/promises');
  const root = await tempDir();
  assert.equal((await kubeboot(['init', 'phase', 'certs', '--rootfs', root])).exitCode, 0);
  const pki = join(root, 'etc/kubernetes/pki');
  const ca = await readFile(join(pki, 'ca.crt'), 'utf8');
  await writeFile(join(pki, 'ca.crt'), ca.slice(0, 300));
  await copyFile(join(pki, 'sa.pub'), join(pki, 'front-proxy-ca.crt'));
  for (const args of [['init', 'phase', 'certs'], ['certs', 'check-expiration']]) {
    const result = await kubeboot([...args, '--rootfs', root]);
    const what = args.join(' ');
    assert.equal(result.exitCode, 1, `${what}: ${result.stderr}`);
    assert.match(result.stderr, /\/etc\/kubernetes\/pki\/ca\.crt: is truncated: its CERTIFICATE block has no END line/, what);
    assert.match(result.stderr, /\/etc\/kubernetes\/pki\/front-proxy-ca\.crt: holds a PUBLIC KEY PEM block; expected a CERTIFICATE/, what);
  }
});

test('kubeadm kinds under another group or version, and names beyond any real length, are refused with their place', async () => {
  const cases: Array<[string, string, RegExp]> = [
    ['group.yaml', `${init}---\napiVersion: kubelet.config.k8s.io/v1beta1\nkind: ClusterConfiguration\n`, /group\.yaml:4:\d+: .*got "kubelet\.config\.k8s\.io\/v1beta1", expected kubeadm\.k8s\.io\/v1beta4 \(or v1beta3\) for kind ClusterConfiguration/],
    ['join-version.yaml', `${init}---\napiVersion: kubeadm.k8s.io/v1beta9\nkind: JoinConfiguration\n`, /join-version\.yaml:4:\d+: JoinConfiguration\.apiVersion: got "kubeadm\.k8s\.io\/v1beta9", expected kubeadm\.k8s\.io\/v1beta4/],
    ['cluster-name.yaml', `${cluster}clusterName: ${'c'.repeat(300)}\n`, /cluster-name\.yaml:3:\d+: ClusterConfiguration\.clusterName: got "c{20,}.*expected a name of at most 253/],
    ['dns-domain.yaml', `${cluster}networking:\n  dnsDomain: ${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.${'e'.repeat(60)}\n`, /dns-domain\.yaml:4:\d+: ClusterConfiguration\.networking\.dnsDomain/],
    ['endpoint.yaml', `${cluster}controlPlaneEndpoint: ${'e'.repeat(60)}.${'f'.repeat(60)}.${'g'.repeat(60)}.${'h'.repeat(60)}.${'i'.repeat(60)}:6443\n`, /endpoint\.yaml:3:\d+: ClusterConfiguration\.controlPlaneEndpoint/],
    ['node-name.yaml', `${init}nodeRegistration:\n  name: ${'n'.repeat(254)}\n`, /node-name\.yaml:4:\d+: InitConfiguration\.nodeRegistration\.name: got "n{20,}/],
  ];
  const dir = await tempDir(Object.fromEntries(cases.map(([name, text]) => [name, text])));
  for (const [name, , expected] of cases) {
    const result = await kubeboot(['config', 'validate', '--config', join(dir, name)]);
    assert.equal(result.exitCode, 1, `${name}: exit ${result.exitCode}\n${result.stdout}${result.stderr}`);
    assert.match(result.stderr, expected, name);
  }
});
