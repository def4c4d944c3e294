import { resolve } from 'node:path';
import { FileSource } from './file-source.js';

export interface ManifestCheck {
  /** One line per finding, the file first: what the reconciler would say of it. */
  findings: Array<{ file: string; severity: 'error' | 'note'; message: string }>;
  /** The pods that would run, with the file each comes from. */
  pods: Array<{ pod: string; file: string }>;
}

/**
 * `kubeboot manifest check`: the reconciler's own file source, parser and checks run on files or
 * folders before they go into the manifest folder — the same rules and the same words, nothing started.
 */
export async function checkManifests(paths: readonly string[], nodeName: string): Promise<ManifestCheck> {
  const result: ManifestCheck = { findings: [], pods: [] };
  for (const path of paths) {
    const full = resolve(path);
    const source = new FileSource({
      path: full,
      systemPath: full,
      nodeName,
      relistMs: 0,
      // One answer, now: what is on disk is judged as it is, however recently it was written.
      settleMs: 0,
      onChange: () => undefined,
      log: (level, message, fields = {}) => {
        const file = String(fields.file ?? fields.ignored ?? fields.path ?? full);
        if (message.startsWith('manifest path does not exist')) result.findings.push({ file, severity: 'error', message: 'no such file or folder' });
        else if (level === 'error' && fields.problem !== undefined) result.findings.push({ file, severity: 'error', message: String(fields.problem) });
        else if (level === 'error' && fields.running !== undefined) result.findings.push({ file, severity: 'error', message: `defines pod ${String(fields.pod)} again; only ${String(fields.running)} would run` });
        else result.findings.push({ file, severity: level === 'error' ? 'error' : 'note', message });
      },
    });
    for (const [key, pod] of await source.list()) result.pods.push({ pod: key, file: pod.source });
  }
  return result;
}
