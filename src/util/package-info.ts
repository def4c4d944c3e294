import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The project root: this file is src/util/*.ts or dist/util/*.js, two levels below it. */
export const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

interface PackageJson {
  name: string;
  version: string;
}

let cached: PackageJson | undefined;

export function packageInfo(): PackageJson {
  cached ??= JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as PackageJson;
  return cached;
}
