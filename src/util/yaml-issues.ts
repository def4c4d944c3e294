import type { LineCounter, YAMLError } from 'yaml';

/**
 * What the yaml library reports, worded for a user and judged as the Go YAML parsers the API server,
 * kubeadm and the kubelet use: a `%YAML` version other than 1.1 or 1.2, or an unknown directive, is
 * an error there (the library only warns); a duplicate key names the key.
 */
export interface YamlIssue {
  severity: 'error' | 'warning';
  line: number;
  col: number;
  message: string;
}

export function yamlIssues(text: string, lineCounter: LineCounter, document: { errors: YAMLError[]; warnings: YAMLError[] }): YamlIssue[] {
  const issues: YamlIssue[] = [];
  for (const [list, severity] of [[document.errors, 'error'], [document.warnings, 'warning']] as const) {
    for (const issue of list) {
      const offset = issue.pos[0];
      const { line, col } = lineCounter.linePos(offset);
      const first = issue.message.split('\n')[0] ?? issue.message;
      if (issue.code === 'DUPLICATE_KEY') {
        const key = /^("(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[^:#\n]*?)\s*:/.exec(text.slice(offset))?.[1]?.trim();
        issues.push({ severity: 'error', line, col, message: `the key ${key ? JSON.stringify(key.replace(/^["']|["']$/g, '')) : 'here'} appears twice in one mapping; keys must be unique` });
      } else if (issue.code === 'BAD_DIRECTIVE') {
        issues.push({ severity: 'error', line, col, message: `${first}; expected %YAML 1.1 or 1.2, or no directive` });
      } else {
        issues.push({ severity, line, col, message: first });
      }
    }
  }
  return issues;
}
