import { yamlIssues } from '../util/yaml-issues.js';
import { readFile, stat } from 'node:fs/promises';
import { LineCounter, parseAllDocuments } from 'yaml';
import { KubebootError } from '../util/errors.js';
import type { Problem } from './problems.js';
import { SourceDocument } from './source.js';

/** Config files are small; anything bigger is a mistake or an attack. */
export const MAX_CONFIG_BYTES = 1024 * 1024;
/** YAML aliases beyond this are refused (a "billion laughs" document expands exponentially). */
const MAX_ALIAS_COUNT = 100;

export interface RawDocument {
  source: SourceDocument;
  /** The index of the document in the file, from 0. */
  index: number;
  value: unknown;
}

/**
 * Whether a --config file is a JoinConfiguration file (checked as join reads it, not as init does).
 * Here, not in join-config.ts: `config validate` asks first and loads only the loader it needs.
 */
export async function holdsJoinConfiguration(file: string): Promise<boolean> {
  const text = await readConfigText(file).catch(() => '');
  return /^kind:\s*JoinConfiguration\s*$/m.test(text);
}

/** Reads a config file, refusing directories, huge, binary and non-UTF-8 files with a clear error. */
export async function readConfigText(file: string): Promise<string> {
  let info;
  try {
    info = await stat(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new KubebootError(`${file}: no such file`, { hint: 'Check the path given to --config.' });
    if (code === 'EACCES') throw new KubebootError(`${file}: permission denied`);
    throw new KubebootError(`${file}: cannot be read (${(err as Error).message})`);
  }
  if (info.isDirectory()) throw new KubebootError(`${file}: is a directory, expected a YAML file`);
  if (!info.isFile()) throw new KubebootError(`${file}: is not a regular file, expected a YAML file`);
  if (info.size > MAX_CONFIG_BYTES) {
    throw new KubebootError(`${file}: is ${info.size} bytes, more than the ${MAX_CONFIG_BYTES} a config file may have`);
  }
  const bytes = await readFile(file);
  if (bytes.includes(0)) throw new KubebootError(`${file}: is a binary file (it has NUL bytes), expected YAML text`);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new KubebootError(`${file}: is not valid UTF-8 text, expected YAML`);
  }
}

/** Splits YAML text into documents, with syntax errors as problems located in the file. */
export function parseDocuments(origin: string, text: string): { documents: RawDocument[]; problems: Problem[] } {
  const lineCounter = new LineCounter();
  const parsed = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const documents: RawDocument[] = [];
  const problems: Problem[] = [];
  // An empty input gives an EmptyStream, not an array: no documents, no errors.
  const list = Array.isArray(parsed) ? parsed : [];
  list.forEach((document, index) => {
    const source = new SourceDocument(origin, document, lineCounter);
    const issues = yamlIssues(text, lineCounter, document);
    for (const { severity, line, col, message } of issues) problems.push({ severity, origin, line, col, path: '', message: `YAML: ${message}` });
    if (issues.some((issue) => issue.severity === 'error')) return;
    let value: unknown;
    try {
      value = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (err) {
      const { line, col } = source.position([]);
      problems.push({
        severity: 'error',
        origin,
        line,
        col,
        path: '',
        message: `YAML: the document cannot be expanded (${firstLine((err as Error).message)}); too many aliases are refused`,
      });
      return;
    }
    if (value === null || value === undefined) return; // an empty document, e.g. after a trailing `---`
    documents.push({ source, index, value });
  });
  return { documents, problems };
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
