import { stringify } from 'yaml';

/** YAML documents as kubeadm prints them: keys sorted, documents separated by `---`. */
export function toYamlDocuments(documents: readonly object[]): string {
  return documents.map((document) => stringify(document, { sortMapEntries: true, lineWidth: 0 })).join('---\n');
}

/**
 * Drops what Go's `omitempty` drops when kubeadm prints a config: empty strings and lists, false,
 * null. Mappings left empty stay, as `apiServer: {}`.
 */
export function omitEmpty<T>(value: T): T {
  if (Array.isArray(value)) return value.map(omitEmpty) as T;
  if (typeof value !== 'object' || value === null) return value;
  const result: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item === '' || item === false || item === null || item === undefined) continue;
    if (Array.isArray(item) && item.length === 0) continue;
    result[key] = omitEmpty(item);
  }
  return result as T;
}
