import type { Arg } from '../config/types.js';
import { byCodePoint as compare } from '../util/compare.js';

/**
 * kubeadm's ArgumentsToCommand (util/arguments.go, after kubernetes PR #135400): every default whose
 * name the user overrides is dropped (all its instances); the remaining defaults are sorted by name,
 * then value; the user's extraArgs follow in the order written, duplicates kept.
 */
export function argumentsToCommand(defaults: readonly Arg[], overrides: readonly Arg[]): string[] {
  const overridden = new Set(overrides.map((arg) => arg.name));
  const kept = defaults
    .filter((arg) => !overridden.has(arg.name))
    .sort((a, b) => (a.name === b.name ? compare(a.value, b.value) : compare(a.name, b.name)));
  return [...kept, ...overrides].map((arg) => `--${arg.name}=${arg.value}`);
}

/** The last value the user gave a flag, if any. */
export function argValue(args: readonly Arg[], name: string): string | undefined {
  return args.filter((arg) => arg.name === name).at(-1)?.value;
}
