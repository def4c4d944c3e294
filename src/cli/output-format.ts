import { Option } from 'commander';

/** The `-o/--output` option for commands that print data: text for people, json/yaml for scripts. */
export function outputOption(choices: readonly string[] = ['text', 'json', 'yaml'], fallback = 'text'): Option {
  return new Option('-o, --output <format>', 'output format').choices(choices).default(fallback);
}
