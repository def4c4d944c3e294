import { UsageError } from '../util/errors.js';

/**
 * kubeadm's `-v 5` / `-v=5` / `--v=5` (a klog level) on the command line of a tool whose `-v` is a
 * switch: commander would read the level as a stray argument and refuse it without saying why. The
 * level is taken off here (0 is the default level, so `-v 0` is no -v at all); a value after `=` that
 * is not a level is refused naming the flag. Everything after `--` is left as it is.
 */
export function normalizeVerbosity(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const joined = /^--?v=(.*)$/s.exec(arg);
    if (joined) {
      if (level(joined[1]!) > 0) out.push('-v');
      continue;
    }
    if (arg === '-v' || arg === '--v') {
      const next = argv[i + 1];
      if (next !== undefined && /^\d+$/.test(next)) {
        i++;
        if (level(next) > 0) out.push('-v');
        continue;
      }
      out.push('-v');
      continue;
    }
    out.push(arg);
  }
  return out;
}

function level(text: string): number {
  if (!/^\d{1,2}$/.test(text) || Number(text) > 10) throw new UsageError(`-v: got ${JSON.stringify(text)}, expected a level from 0 to 10 (kubeadm's -v), or -v alone`);
  return Number(text);
}
