import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

/**
 * The built CLI's CommonJS packages that every command loads (commander, yaml, ipaddr.js), each a
 * one-file bundle in dist/vendor/ compiled with the V8 code cache `npm run build` wrote beside it
 * (`<name>.cjs.cache`). Node 22 has this built in (module.enableCompileCache); Node 20, which we
 * support, has only node:vm's cachedData. Measured here: loading commander and yaml and their first use
 * took 29 ms cold and 14 ms from the cache, on a CLI start of ~220 ms whose target is 2× a bare
 * `node -e 0` (~110 ms). A cache V8 refuses (another Node version, other V8 flags) only costs that
 * time again: the source is compiled as usual. Only the build imports this module (scripts/build.mjs
 * maps the package names here); run from the sources, the packages load as usual.
 */
const VENDOR = new URL('../vendor/', import.meta.url);

interface Loaded {
  exports: unknown;
  script: Script;
  cacheFile: URL;
}

const loaded = new Map<string, Loaded>();

function readIfPresent(file: URL): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/** The package's exports (module.exports), loaded once per process. */
export function vendored(name: string): unknown {
  const known = loaded.get(name);
  if (known) return known.exports;
  const file = new URL(`${name}.cjs`, VENDOR);
  const cacheFile = new URL(`${name}.cjs.cache`, VENDOR);
  const filename = fileURLToPath(file);
  // The wrapper Node itself puts around a CommonJS module.
  const source = `(function (exports, require, module, __filename, __dirname) { ${readFileSync(file, 'utf8')}\n})`;
  const cachedData = readIfPresent(cacheFile);
  const script = new Script(source, { filename, ...(cachedData ? { cachedData } : {}) });
  const module = { exports: {} as unknown };
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, createRequire(file), module, filename, dirname(filename));
  loaded.set(name, { exports: module.exports, script, cacheFile });
  return module.exports;
}

/**
 * For the build: writes each loaded package's code cache. Made after use, it holds the functions that
 * ran too (V8 compiles a function when first called), so the build uses them first.
 */
export function writeCodeCaches(): string[] {
  return [...loaded].map(([name, { script, cacheFile }]) => {
    writeFileSync(cacheFile, script.createCachedData());
    return name;
  });
}
