// `npm run build`: src/ into dist/cli/ as a few ES modules (esbuild, splitting at each lazy import), then
// commander's `kubeboot --help` kept next to them (src/cli/root-fast-path.ts).
//
// Why a bundle and not tsc's one file per module: Node 20 has no compile cache, and loading a module costs
// ~1 ms a file on a small machine. yaml alone is ~60 files and commander several; bundled, `kubeboot config
// validate` went from 2.4× to 1.96× a bare `node -e 0` (`npm run bench`'s CLI rows). Packages that read
// files of their own at run time or are only on slow paths stay in node_modules, loaded as usual.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { build } from 'esbuild';

const root = new URL('../', import.meta.url);
const pkg = JSON.parse(await readFile(new URL('package.json', root), 'utf8'));
/**
 * Plain JavaScript, no files of their own: bundled. Import them statically: a bundled CommonJS
 * package reached through import() only has a default export (esbuild's rule).
 */
const BUNDLED = new Set(['commander', 'yaml', 'ipaddr.js', 'fast-json-patch', 'json-merge-patch', 'kubernetes-types']);
const external = Object.keys(pkg.dependencies).filter((name) => !BUNDLED.has(name));

await rm(new URL('dist/', root), { recursive: true, force: true });
await build({
  absWorkingDir: new URL('.', root).pathname,
  entryPoints: ['src/cli/main.ts', 'src/cli/program.ts'],
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
