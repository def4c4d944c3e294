import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loadConfig } from '../../../src/config/load.js';
import { ConfigError, formatProblem } from '../../../src/config/problems.js';
import { KubebootError } from '../../../src/util/errors.js';
import { fixture, tempDir } from '../../support/temp.js';

const host = { hostname: 'cp-1', defaultAddress: '192.0.2.10' };

async function problemsOf(yaml: string): Promise<string[]> {
  const dir = await tempDir({ 'c.yaml': yaml });
  try {
    const { warnings } = await loadConfig({ file: join(dir, 'c.yaml'), host });
    return warnings.map((w) => formatProblem({ ...w, origin: 'c.yaml' }));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.problems.map((p) => formatProblem({ ...p, origin: 'c.yaml' }));
  }
}

const init = 'apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\n';
const cluster = 'apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n';

test('a file with ten different mistakes reports every one, with line, column and field path', async () => {
  const file = fixture('configs', 'ten-mistakes.yaml');
  await assert.rejects(loadConfig({ file, host }), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    const lines = err.details.map((line) => line.replace(`${file}:`, ''));
    assert.deepEqual(lines, [
      `4:9: InitConfiguration.nodeRegistration.name: got "node_1", expected a DNS-1123 subdomain (lower-case letters, digits, '-' and '.', at most 253 characters)`,
      '5:20: InitConfiguration.nodeRegistration.imagePullPolicy: got "Sometimes", expected one of Always, IfNotPresent, Never',
      '7:21: InitConfiguration.localAPIEndpoint.advertiseAddress: got "10.0.0.300", expected an IPv4 or IPv6 address',
      '8:13: InitConfiguration.localAPIEndpoint.bindPort: got 70000, expected a port from 1 to 65535',
      '12:20: ClusterConfiguration.kubernetesVersion: got "v1.20.0", expected a version kubeboot supports: v1.31.0 to v1.34.x',
      '15:14: ClusterConfiguration.networking.podSubnet: 10.96.0.0/16 overlaps the service subnet 10.96.0.0/12; expected disjoint ranges',
      '16:18: ClusterConfiguration.certificatesDir: got "etc/kubernetes/pki", expected an absolute path',
      '19:13: ClusterConfiguration.apiServer.extraArgs[0].name: got "--audit-log-path", expected the flag name without leading dashes ("audit-log-path")',
      '22:7: ClusterConfiguration.apiServer.extraVolumes[0].hostPath: is missing; expected an absolute path on the host',
      '24:17: ClusterConfiguration.apiServer.extraVolumes[0].pathType: got "Folder", expected one of DirectoryOrCreate, Directory, FileOrCreate, File, Socket, CharDevice, BlockDevice (or nothing)',
      '27:5: ClusterConfiguration.etcd.external.keyFile: is missing; expected both certFile and keyFile, or neither',
      '29:22: ClusterConfiguration.encryptionAlgorithm: got "RSA-1024", expected one of RSA-2048, RSA-3072, RSA-4096, ECDSA-P256, ECDSA-P384',
    ]);
    assert.equal(err.exitCode, 1);
    assert.match(err.message, /12 problems in the configuration; nothing was done/);
    return true;
  });
});

describe('document rules, as kubeadm', () => {
  test('every document needs apiVersion and kind', async () => {
    assert.deepEqual(await problemsOf(`${init}---\nkind: ClusterConfiguration\n`), [
      'c.yaml:4:1: document 2 has no apiVersion; every document needs both (e.g. apiVersion: kubeadm.k8s.io/v1beta4, kind: ClusterConfiguration)',
    ]);
  });

  test('a kind given twice is an error at the second one', async () => {
    assert.deepEqual(await problemsOf(`${cluster}---\n${cluster}`), [
      'c.yaml:5:7: kind: kind "ClusterConfiguration" is specified twice in the file; expected each kind once',
    ]);
  });

  test('at least one kubeadm kind', async () => {
    const problems = await problemsOf('apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n');
    assert.deepEqual(problems, ['c.yaml:1:1: no InitConfiguration or ClusterConfiguration was found; expected at least one kubeadm.k8s.io document']);
  });

  test('an unsupported kubeadm API version names the supported ones', async () => {
    assert.deepEqual(await problemsOf('apiVersion: kubeadm.k8s.io/v1beta2\nkind: ClusterConfiguration\n'), [
      'c.yaml:1:1: no InitConfiguration or ClusterConfiguration was found; expected at least one kubeadm.k8s.io document',
      'c.yaml:1:13: apiVersion: got "kubeadm.k8s.io/v1beta2", expected kubeadm.k8s.io/v1beta4 (or v1beta3, which is converted)',
    ]);
  });

  test('unknown fields are warnings naming the field path, with a hint for a wrong case', async () => {
    assert.deepEqual(await problemsOf(`${cluster}networking:\n  podSubnet: 10.244.0.0/16\n  servicesubnet: 10.96.0.0/12\nfoo: 1\n`), [
      'c.yaml:5:3: warning: ClusterConfiguration.networking.servicesubnet: unknown field, ignored (did you mean serviceSubnet?)',
      'c.yaml:6:1: warning: ClusterConfiguration.foo: unknown field, ignored',
    ]);
  });

  test('documents of unknown groups are ignored with a warning; JoinConfiguration too', async () => {
    assert.deepEqual(await problemsOf(`${cluster}---\napiVersion: example.com/v1\nkind: Widget\n---\napiVersion: kubeadm.k8s.io/v1beta4\nkind: JoinConfiguration\n`), [
      'c.yaml:5:7: warning: kind: ignored configuration document with apiVersion "example.com/v1" and kind "Widget"',
      'c.yaml:8:7: warning: kind: JoinConfiguration is not used by kubeboot init; the document is ignored',
    ]);
  });

  test('wrong types are errors that say what was expected', async () => {
    assert.deepEqual(await problemsOf(`${init}localAPIEndpoint:\n  bindPort: "6443"\nnodeRegistration:\n  taints: true\n`), [
      'c.yaml:4:13: InitConfiguration.localAPIEndpoint.bindPort: got "6443" (a string), expected an integer',
      'c.yaml:6:11: InitConfiguration.nodeRegistration.taints: got true (a boolean), expected a list',
    ]);
  });

  test('YAML syntax errors are located', async () => {
    const [problem] = await problemsOf(`${cluster}networking:\n  podSubnet: [10.244.0.0/16\n`);
    assert.match(problem ?? '', /^c\.yaml:\d+:\d+: YAML: /);
  });
});

describe('semantic rules', () => {
  const cases: Array<[string, string, string]> = [
    ['service subnet not a CIDR', `${cluster}networking:\n  serviceSubnet: 10.96.0.0\n`, 'c.yaml:4:18: ClusterConfiguration.networking.serviceSubnet: "10.96.0.0" is not a CIDR'],
    ['service subnet too large', `${cluster}networking:\n  serviceSubnet: 10.0.0.0/8\n`, 'ClusterConfiguration.networking.serviceSubnet: 10.0.0.0/8 is too large (24 host bits)'],
    ['two CIDRs of one family', `${cluster}networking:\n  serviceSubnet: 10.96.0.0/12,10.112.0.0/12\n`, 'expected one CIDR, or two of different families (dual-stack)'],
    ['pod and service families differ', `${cluster}networking:\n  serviceSubnet: 10.96.0.0/12\n  podSubnet: fd00:10:244::/56\n`, 'ClusterConfiguration.networking.podSubnet: is IPv6 but the service subnet is IPv4'],
    ['pod subnet overlaps services (IPv6)', `${cluster}networking:\n  serviceSubnet: fd00::/108\n  podSubnet: fd00::/64\n`, 'fd00::/64 overlaps the service subnet fd00::/108'],
    ['advertise address multicast', `${init}localAPIEndpoint:\n  advertiseAddress: 224.0.0.1\n`, 'got "224.0.0.1" (a multicast address), expected a unicast address'],
    ['version not a version', `${cluster}kubernetesVersion: latest\n`, 'ClusterConfiguration.kubernetesVersion: got "latest", expected a version such as "v1.34.2"'],
    ['node name not DNS-1123', `${init}nodeRegistration:\n  name: "node 1"\n`, 'InitConfiguration.nodeRegistration.name: got "node 1", expected a DNS-1123 subdomain'],
    ['relative etcd data dir', `${cluster}etcd:\n  local:\n    dataDir: var/lib/etcd\n`, 'ClusterConfiguration.etcd.local.dataDir: got "var/lib/etcd", expected an absolute path'],
    ['relative staticPodPath', `${cluster}---\napiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nstaticPodPath: manifests\n`, 'KubeletConfiguration.staticPodPath: got "manifests", expected an absolute path'],
    ['extraVolume without mountPath', `${cluster}scheduler:\n  extraVolumes:\n    - name: x\n      hostPath: /x\n`, 'ClusterConfiguration.scheduler.extraVolumes[0].mountPath: is missing'],
    ['extraVolume names twice', `${cluster}controllerManager:\n  extraVolumes:\n    - {name: x, hostPath: /x, mountPath: /x}\n    - {name: x, hostPath: /y, mountPath: /y}\n`, '"x" is used twice; expected unique volume names'],
    ['external etcd without endpoints', `${cluster}etcd:\n  external:\n    caFile: /etc/etcd/ca.crt\n`, 'ClusterConfiguration.etcd.external.endpoints: expected at least one etcd endpoint'],
    ['local and external etcd', `${cluster}etcd:\n  local:\n    dataDir: /var/lib/etcd\n  external:\n    endpoints: [https://10.0.0.5:2379]\n`, 'both etcd.local and etcd.external are set'],
    ['control plane endpoint', `${cluster}controlPlaneEndpoint: "lb.example.com:99999"\n`, 'ClusterConfiguration.controlPlaneEndpoint: got 99999, expected a port from 1 to 65535'],
    ['a bad duration', `${init}timeouts:\n  kubeletHealthCheck: 4 minutes\n`, 'InitConfiguration.timeouts.kubeletHealthCheck: got "4 minutes", expected a duration such as "4m0s", "30s" or "1h"'],
  ];
  for (const [name, yaml, expected] of cases) {
    test(name, async () => {
      const problems = await problemsOf(yaml);
      assert.ok(
        problems.some((line) => line.includes(expected)),
        `expected a problem containing:\n  ${expected}\ngot:\n  ${problems.join('\n  ')}`,
      );
    });
  }

  test('IPv6 and dual-stack configurations are valid', async () => {
    assert.deepEqual(
      await problemsOf(`${init}localAPIEndpoint:\n  advertiseAddress: "fd00::10"\n---\n${cluster}networking:\n  serviceSubnet: fd00:10:96::/112,10.96.0.0/12\n  podSubnet: 10.244.0.0/16,fd00:10:244::/56\n`),
      [],
    );
  });
});

describe('hostile or broken input is refused cleanly', () => {
  async function refusal(files: Record<string, string | Uint8Array>, name: string): Promise<string> {
    const dir = await tempDir(files);
    try {
      await loadConfig({ file: join(dir, name), host });
    } catch (err) {
      assert.ok(err instanceof KubebootError, `expected a KubebootError, got ${String(err)}`);
      return [...err.details, err.message].join('\n').replaceAll(dir, '<dir>');
    }
    throw new Error('expected the config to be refused');
  }

  test('a YAML alias bomb', async () => {
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 0; i < 8; i++) lines.push(`${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`);
    const message = await refusal({ 'bomb.yaml': `${lines.join('\n')}\n` }, 'bomb.yaml');
    assert.match(message, /too many aliases are refused/);
  });

  test('a file over 1 MiB', async () => {
    const message = await refusal({ 'big.yaml': `${cluster}#${'x'.repeat(1024 * 1024)}\n` }, 'big.yaml');
    assert.match(message, /<dir>\/big\.yaml: is \d+ bytes, more than the 1048576 a config file may have/);
  });

  test('a binary file', async () => {
    assert.match(await refusal({ 'bin.yaml': new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2]) }, 'bin.yaml'), /is a binary file/);
  });

  test('a file that is not UTF-8', async () => {
    assert.match(await refusal({ 'latin1.yaml': new Uint8Array([...Buffer.from(`${cluster}clusterName: caf`), 0xe9, 0x0a]) }, 'latin1.yaml'), /is not valid UTF-8 text/);
  });

  test('a directory given as the file', async () => {
    assert.match(await refusal({ 'd/x': '' }, 'd'), /<dir>\/d: is a directory, expected a YAML file/);
  });

  test('an empty file', async () => {
    assert.match(await refusal({ 'empty.yaml': '' }, 'empty.yaml'), /the file has no YAML documents/);
  });
});
