#!/usr/bin/env node
// CommonJS (bin/package.json says so): an ES module as the entry point costs Node ~17 ms more to start
// (its module loader), measured here against a bare `node -e 0` of ~95 ms; the CLI itself is compiled
// with a code cache (src/cli/compiled-cli.ts).
require('../dist/cli/start.cjs')
  .start(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
