import { isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

export type PathSegment = string | number;

/** `ClusterConfiguration.apiServer.extraArgs[0].name` */
export function formatPath(path: readonly PathSegment[]): string {
  return path.map((segment, i) => (typeof segment === 'number' ? `[${segment}]` : i === 0 ? segment : `.${segment}`)).join('');
}

/** One YAML document of a config file, able to say where a field path is in the file. */
export class SourceDocument {
  constructor(
    readonly origin: string,
    readonly document: Document.Parsed,
    private readonly lineCounter: LineCounter,
  ) {}

  /**
   * The line and column of `path`, or of the deepest part of it that exists (a missing field is
   * reported where its parent is). For a mapping entry, the value's position, or the key's with
   * `at: 'key'` (unknown fields are reported at their key).
   */
  position(path: readonly PathSegment[], at: 'value' | 'key' = 'value'): { line: number; col: number } {
    let node: Node | null | undefined = this.document.contents;
    let offset = node?.range?.[0] ?? 0;
    for (let i = 0; i < path.length; i++) {
      const segment = path[i];
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment));
        if (!pair) break;
        const key = pair.key as Node;
        const value = pair.value as Node | null;
        if (last && at === 'key') {
          offset = key.range?.[0] ?? offset;
          break;
        }
        offset = value?.range?.[0] ?? key.range?.[0] ?? offset;
        node = value;
      } else if (isSeq(node) && typeof segment === 'number') {
        const item = node.items[segment] as Node | undefined;
        if (!item) break;
        offset = item.range?.[0] ?? offset;
        node = item;
      } else {
        break;
      }
    }
    return this.lineCounter.linePos(offset);
  }
}
