import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { kubeboot } from '../support/cli.js';
// Imported here, not inside a test: its clean-up hook must belong to the file (see temp.ts).
import { tempDir } from '../support/temp.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

test('--version prints the package version and exits 0', async () => {
  const result = await kubeboot(['--version']);
  assert.equal(result.exitCode, 0);
  assert.equal(result.stdout.trim(), pkg.version);
});

test('--help lists the commands, with examples, and exits 0', async () => {
  const result = await kubeboot(['--help']);
  assert.equal(result.exitCode, 0);
  assert.match(result.stdout, /^Usage: kubeboot/m);
  assert.match(result.stdout, /^ {2}version\b/m);
  assert.match(result.stdout, /^Examples:/m);
});

test('an unknown command is a one-line usage error with exit code 2', async () => {
  const result = await kubeboot(['frobnicate']);
  assert.equal(result.exitCode, 2);
  assert.equal(result.stdout, '');
  assert.equal(result.stderr.trim(), "error: unknown command 'frobnicate'");
});

test('a misspelt command suggests the right one', async () => {
  const result = await kubeboot(['verison']);
  assert.equal(result.exitCode, 2);
  assert.match(result.stderr, /Did you mean version\?/);
});

test('an unknown option is a usage error with exit code 2 and no stack trace', async () => {
  const result = await kubeboot(['version', '--frob']);
  assert.equal(result.exitCode, 2);
  assert.equal(result.stderr.trim(), "error: unknown option '--frob'");
  assert.doesNotMatch(result.stderr, /\bat .*\.(ts|js):\d+/);
});

test('version -o json is machine-readable', async () => {
  const result = await kubeboot(['version', '-o', 'json']);
  assert.equal(result.exitCode, 0);
  const parsed = JSON.parse(result.stdout) as { kubebootVersion: string };
  assert.equal(parsed.kubebootVersion, pkg.version);
});

test('an invalid output format names the allowed ones', async () => {
  const result = await kubeboot(['version', '-o', 'xml']);
  assert.equal(result.exitCode, 2);
  assert.match(result.stderr, /Allowed choices are text, short, json, yaml/);
});

test("--config mixed with flags kubeadm does not allow beside it is a usage error naming them, as kubeadm words it", async () => {
  const dir = await tempDir({ 'c.yaml': 'apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n' });
  const result = await kubeboot(['init', 'phase', 'certs', '--config', `${dir}/c.yaml`, '--rootfs', dir, '--service-cidr', '10.96.0.0/12', '--kubernetes-version', 'v1.34.2', '--node-name', 'n1']);
  assert.equal(result.exitCode, 2);
  assert.match(result.stderr, /can not mix '--config' with arguments \[kubernetes-version service-cidr\]/);
});

test('a wrong flag value is blamed on the flag, not on a file', async () => {
  const result = await kubeboot(['init', 'phase', 'certs', '--rootfs', await tempDir(), '--service-cidr', 'nonsense', '--node-name', 'n1', '--apiserver-advertise-address', '10.0.0.1']);
  // A wrong flag value is a usage error: exit 2 (issue 29's one exit-code rule).
  assert.equal(result.exitCode, 2);
  assert.match(result.stderr, /flag --service-cidr: ClusterConfiguration\.networking\.serviceSubnet/);
  assert.doesNotMatch(result.stderr, /\(defaults\)/);
});

test('--rootfs must be an existing folder, and never empty', async () => {
  const empty = await kubeboot(['init', 'phase', 'certs', '--rootfs', '', '--node-name', 'n1', '--apiserver-advertise-address', '10.0.0.1']);
  assert.equal(empty.exitCode, 2);
  assert.match(empty.stderr, /--rootfs: got an empty value/);
  const missing = await kubeboot(['init', 'phase', 'certs', '--rootfs', '/tmp/kubeboot-no-such-folder', '--node-name', 'n1', '--apiserver-advertise-address', '10.0.0.1']);
  assert.equal(missing.exitCode, 2);
  assert.match(missing.stderr, /--rootfs \/tmp\/kubeboot-no-such-folder: no such folder/);
  const { existsSync } = await import('node:fs');
  assert.equal(existsSync('/tmp/kubeboot-no-such-folder'), false);
});

for (const args of [['ps'], ['logs', 'etcd'], ['images', 'load', '/nonexistent.tar'], ['config', 'images', 'pull']]) {
  test(`kubeboot ${args.join(' ')} without an engine names the socket and what to do, exit 1`, async () => {
    const result = await kubeboot(args, { env: { ...process.env, DOCKER_HOST: 'unix:///tmp/kubeboot-no-engine.sock' } });
    assert.equal(result.exitCode, 1, result.stderr);
    assert.match(result.stderr, /no container engine answers at unix:\/\/\/tmp\/kubeboot-no-engine\.sock/);
    assert.doesNotMatch(result.stderr, /unexpected/);
  });
}

// `kubeboot --help` is answered from the text the build kept (src/cli/root-fast-path.ts): it must be
// what commander prints for the program as it is now, and a build older than the CLI must not be used.
test('--help from the build is the help commander prints for the current commands', async () => {
  const { rootHelpText } = await import('../../src/cli/program.js');
  const fromCommander = await rootHelpText();
  const result = await kubeboot(['--help']);
  assert.equal(result.stdout, fromCommander.replace(/\n$/, '')); // execa drops the last newline
  for (const name of ['init', 'join', 'reset', 'certs', 'ps', 'logs', 'token', 'version']) assert.match(fromCommander, new RegExp(`^ {2}${name}\\b`, 'm'));
});

test('the program loads only the command that runs, and every command where the help lists them', async () => {
  const { commandNamed } = await import('../../src/cli/program.js');
  assert.equal(commandNamed(['ps', '-o', 'json']), 'ps');
  assert.equal(commandNamed(['help', 'init']), 'init');
  assert.equal(commandNamed(['--help', 'ps']), undefined);
  assert.equal(commandNamed(['-h']), undefined);
  assert.equal(commandNamed(['verison']), undefined); // the suggestion needs every name
  const result = await kubeboot(['--help', 'ps']);
  assert.equal(result.exitCode, 0);
  for (const name of ['init', 'join', 'ps', 'version']) assert.match(result.stdout, new RegExp(`^ {2}${name}\\b`, 'm'));
});
