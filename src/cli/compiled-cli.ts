import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
import type { main } from './main.js';

/**
 * The built CLI is one CommonJS file, dist/cli/kubeboot.cjs (scripts/build.mjs), compiled here with the
 * V8 code cache the build wrote beside it after running the common commands (kubeboot.cjs.cache).
 * Why: Node 20 has no compile cache for ES modules (Node 22's module.enableCompileCache), and an ES
 * module graph of ~20 chunks cost ~30 ms of loading and compiling on a CLI start of ~200 ms whose
 * target is 2× a bare `node -e 0`; node:vm's cachedData works for a script only. Measured here:
 * `certs check-expiration` 2.1× → 1.65×, `config validate` 2.0× → 1.5× (the cache made after use is
 * worth ~18 ms of that: V8 keeps the functions that ran). A cache V8 refuses (another Node or V8 flags)
 * costs that time again and nothing else: the source is compiled as usual.
 */
const BUNDLE = new URL('./kubeboot.cjs', import.meta.url);
const CACHE = new URL('./kubeboot.cjs.cache', import.meta.url);

export interface CompiledCli {
  main: typeof main;
  rootHelpText(): Promise<string>;
  /** For the build: writes the code cache, holding every function that has run so far. */
  writeCodeCache(): void;
}

function readIfPresent(file: URL): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

export function loadCompiledCli(): CompiledCli {
  const filename = fileURLToPath(BUNDLE);
  // The file is already wrapped as Node wraps a CommonJS module (the build did it), and ASCII only: read as
  // latin1, Node hands V8 a 1.3 MB string outside its heap, once. Wrapping it here made two more copies
  // in the heap (~+4 MiB for the reconciler, which runs from this file too).
  const source = readFileSync(filename, 'latin1');
  const cachedData = readIfPresent(CACHE);
  // The build turned every import() into require(): Node 20 runs no import() from a script compiled with a code cache.
  const script = new Script(source, { filename, ...(cachedData ? { cachedData } : {}) });
  const module = { exports: {} as Omit<CompiledCli, 'writeCodeCache'> };
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, createRequire(filename), module, filename, dirname(filename));
  return { ...module.exports, writeCodeCache: () => writeFileSync(CACHE, script.createCachedData()) };
}
