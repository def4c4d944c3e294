// Runs the CLI from the TypeScript sources (through tsx), as bin/kubeboot.js runs the build.
import { main } from '../../src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
