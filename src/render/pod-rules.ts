import { isQualifiedName } from '../util/names.js';
import { isRecord } from '../util/records.js';

/** The API server's name and value formats (k8s.io/apimachinery/pkg/util/validation). */
export { DNS1123_LABEL, DNS1123_SUBDOMAIN } from '../util/names.js';
/** IANA_SVC_NAME: at most 15 characters, lower-case letters, digits and '-', at least one letter. */
export const IANA_SVC_NAME = /^(?=.*[a-z])[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
/** An environment variable name (IsEnvVarName). */
export const ENV_VAR_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export type Raw = Record<string, unknown>;

/**
 * Collects `path: problem` lines, with the checks the pod rules repeat: a field's type, an enum, an
 * integer range. Every check is quiet when the field is absent (the API's defaults apply then).
 */
export class Problems {
  readonly lines: string[] = [];

  fail(path: string, message: string): void {
    this.lines.push(`${path}: ${message}`);
  }

  /** The field as a list of mappings; an item that is not a mapping is reported, and left out. */
  records(value: unknown, path: string): Array<[Raw, string]> {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) {
      this.fail(path, `got ${describe(value)}, expected a list`);
      return [];
    }
    const out: Array<[Raw, string]> = [];
    value.forEach((item, i) => {
      if (isRecord(item)) out.push([item, `${path}[${i}]`]);
      else this.fail(`${path}[${i}]`, `got ${describe(item)}, expected a mapping`);
    });
    return out;
  }

  record(value: unknown, path: string): Raw | undefined {
    if (value === undefined || value === null) return undefined;
    if (isRecord(value)) return value;
    this.fail(path, `got ${describe(value)}, expected a mapping`);
    return undefined;
  }

  bool(owner: Raw, field: string, path: string): void {
    if (owner[field] !== undefined && typeof owner[field] !== 'boolean') this.fail(`${path}.${field}`, `got ${describe(owner[field])}, expected true or false`);
  }

  string(owner: Raw, field: string, path: string): void {
    if (owner[field] !== undefined && typeof owner[field] !== 'string') this.fail(`${path}.${field}`, `got ${describe(owner[field])}, expected a string`);
  }

  oneOf(owner: Raw, field: string, path: string, allowed: readonly string[]): void {
    const value = owner[field];
    if (value !== undefined && !allowed.includes(value as string)) this.fail(`${path}.${field}`, `got ${describe(value)}, expected one of ${allowed.join(', ')}`);
  }

  int(owner: Raw, field: string, path: string, min: number, max = Number.MAX_SAFE_INTEGER): void {
    const value = owner[field];
    if (value === undefined) return;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.fail(`${path}.${field}`, `got ${describe(value)}, expected an integer from ${min}${max === Number.MAX_SAFE_INTEGER ? ' up' : ` to ${max}`}`);
    }
  }

  strings(owner: Raw, field: string, path: string): void {
    const value = owner[field];
    if (value !== undefined && (!Array.isArray(value) || value.some((item) => typeof item !== 'string'))) this.fail(`${path}.${field}`, 'expected a list of strings');
  }

  /** Exactly one of `actions` is set (a probe's or a handler's action, a volume's source). */
  exactlyOne(owner: Raw, actions: readonly string[], path: string, what: string): string | undefined {
    const set = actions.filter((action) => owner[action] !== undefined && owner[action] !== null);
    if (set.length !== 1) this.fail(path, set.length === 0 ? `expected one ${what} (${actions.join(', ')})` : `got ${set.join(' and ')}, expected exactly one ${what}`);
    return set.length === 1 ? set[0] : undefined;
  }

  /** A label or annotation key: an optional DNS subdomain prefix and a name of at most 63 characters. */
  qualifiedKeys(map: Raw, path: string, checkValues: boolean): void {
    for (const [key, value] of Object.entries(map)) {
      if (!isQualifiedName(key)) {
        this.fail(`${path}.${key}`, 'the key is not a qualified name (an optional DNS prefix and "/", then at most 63 letters, digits, "-", "_" or ".")');
      }
      if (typeof value !== 'string') this.fail(`${path}.${key}`, `got ${describe(value)}, expected a string`);
      else if (checkValues && (value.length > 63 || !LABEL_VALUE.test(value))) this.fail(`${path}.${key}`, `got ${describe(value)}, expected a label value (at most 63 letters, digits, "-", "_" or ".")`);
    }
  }
}

/** A value in a message: strings quoted, long ones cut. */
export function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Whether a path has a `..` element (hostPath and subPath may not). */
export function hasDotDot(path: string): boolean {
  return path.split('/').includes('..');
}
