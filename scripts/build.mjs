// `npm run build`: src/ into dist/cli/kubeboot.cjs, one CommonJS file (esbuild), with the V8 code cache
// made after running the common commands (kubeboot.cjs.cache); dist/cli/start.cjs, the small module
// bin/kubeboot.js loads; and commander's `kubeboot --help` kept next to them (src/cli/root-fast-path.ts).
//
// Why one CommonJS file: Node 20 has a compile cache for scripts only (node:vm cachedData), not for ES
// modules, and loading a module costs ~1 ms a file on a small machine (src/cli/compiled-cli.ts has the
// figures). esbuild keeps each lazy import() of our own modules lazy inside the file (a module's code
// runs when first imported). Packages that read files of their own at run time or are only on slow
// paths stay in node_modules, loaded as usual.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';

const root = new URL('../', import.meta.url);
const pkg = JSON.parse(await readFile(new URL('package.json', root), 'utf8'));
/**
 * Plain JavaScript, no files of their own: bundled. execa too, being ES-only: the compiled CLI runs as a
 * node:vm script, and Node 20 runs no import() from a script compiled with a code cache ("A dynamic
 * import callback was not specified"), so every other package is reached through require().
 */
const BUNDLED = new Set(['commander', 'yaml', 'ipaddr.js', 'fast-json-patch', 'json-merge-patch', 'kubernetes-types', 'execa']);
const external = Object.keys(pkg.dependencies).filter((name) => !BUNDLED.has(name));
const common = { absWorkingDir: new URL('.', root).pathname, bundle: true, platform: 'node', target: 'node20', sourcemap: true, external, logLevel: 'warning' };

await rm(new URL('dist/', root), { recursive: true, force: true });
const commonJs = {
  ...common,
  format: 'cjs',
  // import() of a package or a node: module becomes require() (see BUNDLED).
  supported: { 'dynamic-import': false },
  // import.meta.url in a CommonJS file: the file's own URL (paths next to it are found as before).
  define: { 'import.meta.url': '__kubebootUrl' },
  banner: { js: "var __kubebootUrl = require('node:url').pathToFileURL(__filename).href;" },
};
// The CLI itself, as the function Node wraps around a CommonJS module: src/cli/compiled-cli.ts compiles
// it as it is, with no copy made to wrap it.
const wrapped = {
  banner: { js: `(function (exports, require, module, __filename, __dirname) { ${commonJs.banner.js}` },
  footer: { js: '})' },
  charset: 'ascii', // read as latin1 (compiled-cli.ts): a byte is a character
};
await build({ ...commonJs, ...wrapped, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli/kubeboot.cjs' });
{
  const bytes = await readFile(new URL('dist/cli/kubeboot.cjs', root));
  const at = bytes.findIndex((byte) => byte > 0x7f);
  if (at >= 0) throw new Error(`build: dist/cli/kubeboot.cjs is not ASCII (a regular expression or a kept comment?): ...${bytes.subarray(Math.max(0, at - 60), at + 20).toString()}...`);
}
await build({ ...commonJs, entryPoints: ['src/cli/start.ts'], outfile: 'dist/cli/start.cjs' });

const { loadCompiledCli } = await import(new URL('dist/cli/start.cjs', root).href);
const cli = loadCompiledCli();

/**
 * The commands the CLI rows of `npm run bench` time, run here once (their output kept in case one
 * fails) so that the functions they use are in the code cache: a cache made right after loading
 * holds little more than the top level and saved ~18 ms less a command.
 */
async function exercise() {
  const work = await mkdtemp(join(tmpdir(), 'kubeboot-build-'));
  const config = join(work, 'kubeboot.yaml');
  await writeFile(config, 'apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\nnodeRegistration: {name: build}\nlocalAPIEndpoint: {advertiseAddress: 10.0.0.10}\n---\napiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n---\napiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n');
  const rootfs = join(work, 'root');
  const noEngine = `unix://${join(work, 'no-engine.sock')}`;
  const runs = [
    [0, ['config', 'validate', '--config', config]],
    [0, ['init', 'phase', 'certs', 'all', '--rootfs', rootfs, '--config', config]],
    [0, ['init', 'phase', 'kubeconfig', 'all', '--rootfs', rootfs, '--config', config]],
    [0, ['certs', 'check-expiration', '--rootfs', rootfs]],
    [1, ['ps', '-o', 'json', '--container-runtime-endpoint', noEngine]],
    [1, ['logs', 'etcd-build', '--container-runtime-endpoint', noEngine]],
  ];
  const write = { out: process.stdout.write, err: process.stderr.write };
  let output = '';
  const keep = (chunk) => ((output += chunk), true);
  try {
    await mkdir(rootfs);
    for (const [expected, args] of runs) {
      output = '';
      process.stdout.write = process.stderr.write = keep;
      const code = await cli.main(args);
      process.stdout.write = write.out;
      process.stderr.write = write.err;
      process.exitCode = undefined;
      if (code !== expected) throw new Error(`build: kubeboot ${args.join(' ')} exited ${code}, expected ${expected}:\n${output}`);
    }
  } finally {
    process.stdout.write = write.out;
    process.stderr.write = write.err;
    await rm(work, { recursive: true, force: true });
  }
}

await exercise();
cli.writeCodeCache();
await writeFile(new URL('dist/cli/root-help.txt', root), await cli.rootHelpText());
