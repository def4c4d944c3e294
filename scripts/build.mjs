// `npm run build`: src/ into dist/cli/ as a few ES modules (esbuild, splitting at each lazy import), then
// commander's `kubeboot --help` kept next to them (src/cli/root-fast-path.ts).
//
// Why a bundle and not tsc's one file per module: Node 20 has no compile cache, and loading a module costs
// ~1 ms a file on a small machine. yaml alone is ~60 files and commander several; bundled, `kubeboot config
// validate` went from 2.4× to 1.96× a bare `node -e 0` (`npm run bench`'s CLI rows). Packages that read
// files of their own at run time or are only on slow paths stay in node_modules, loaded as usual.
//
// commander, yaml and ipaddr.js, which nearly every command loads, are each bundled into one CommonJS file in
// dist/vendor/ and loaded with a V8 code cache made here (src/cli/vendored.ts says why and what it saves).
import { readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { build } from 'esbuild';

const root = new URL('../', import.meta.url);
const pkg = JSON.parse(await readFile(new URL('package.json', root), 'utf8'));
/**
 * Plain JavaScript, no files of their own: bundled. Import them statically: a bundled CommonJS
 * package reached through import() only has a default export (esbuild's rule).
 */
const BUNDLED = new Set(['commander', 'yaml', 'ipaddr.js', 'fast-json-patch', 'json-merge-patch', 'kubernetes-types']);
const external = Object.keys(pkg.dependencies).filter((name) => !BUNDLED.has(name));
/** Bundled packages loaded through dist/vendor/ with a code cache. */
const VENDORED = ['commander', 'yaml', 'ipaddr.js'];
const require = createRequire(import.meta.url);
const loader = new URL('src/cli/vendored.ts', root).pathname;

/** `import { parse } from 'yaml'` in the CLI becomes the vendored package's exports, by name. */
const vendoredPackages = {
  name: 'vendored',
  setup(build) {
    build.onResolve({ filter: new RegExp(`^(${VENDORED.map((name) => name.replace('.', '\\.')).join('|')})$`) }, (args) => ({ path: args.path, namespace: 'vendored' }));
    build.onLoad({ filter: /.*/, namespace: 'vendored' }, (args) => {
      const names = Object.keys(require(args.path)).filter((name) => /^[A-Za-z_$][\w$]*$/.test(name) && name !== 'default');
      const contents = [
        `import { vendored } from ${JSON.stringify(loader)};`,
        `const m = vendored(${JSON.stringify(args.path)});`,
        'export default m;',
        ...names.map((name) => `export const ${name} = m.${name};`),
      ].join('\n');
      return { contents, loader: 'js', resolveDir: new URL('.', root).pathname };
    });
  },
};

await rm(new URL('dist/', root), { recursive: true, force: true });
await Promise.all(
  VENDORED.map((name) =>
    build({
      absWorkingDir: new URL('.', root).pathname,
      entryPoints: [require.resolve(name)],
      outfile: `dist/vendor/${name}.cjs`,
      bundle: true,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      logLevel: 'warning',
    }),
  ),
);
await build({
  absWorkingDir: new URL('.', root).pathname,
  entryPoints: ['src/cli/main.ts', 'src/cli/program.ts', 'src/cli/vendored.ts'],
  plugins: [vendoredPackages],
  outdir: 'dist/cli',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  external,
  logLevel: 'warning',
  // The bundled CommonJS packages (commander, yaml) call require() for Node's own modules.
  banner: { js: "import { createRequire as __kubebootRequire } from 'node:module'; const require = __kubebootRequire(import.meta.url);" },
});

const { rootHelpText } = await import(new URL('dist/cli/program.js', root).href);
await writeFile(new URL('dist/cli/root-help.txt', root), await rootHelpText());

// The code caches, made once the packages have done what a command does with them (building the
// whole command tree above did commander's part), so that the functions that ran are in them too.
const { vendored, writeCodeCaches } = await import(new URL('dist/cli/vendored.js', root).href);
const yaml = vendored('yaml');
const lineCounter = new yaml.LineCounter();
const sample = 'apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nnetworking: {serviceSubnet: 10.96.0.0/12}\napiServer:\n  certSANs: ["a", \'b\']\n  extraArgs:\n  - name: v\n    value: "2"\n---\nkind: KubeletConfiguration\n';
for (const document of yaml.parseAllDocuments(sample, { lineCounter })) document.toJS();
yaml.stringify(yaml.parse(sample.split('---')[0]));
const ipaddr = vendored('ipaddr.js');
ipaddr.parseCIDR('10.96.0.0/12');
ipaddr.parse('fd00::1').toNormalizedString();
const cached = writeCodeCaches();
if (cached.length !== VENDORED.length) throw new Error(`build: code caches for ${cached.join(', ')}; expected ${VENDORED.join(', ')}`);
