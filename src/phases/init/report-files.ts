import type { WrittenFile } from '../../render/write-manifests.js';

/** What a phase says about the files it wrote, as kubeadm's phases say it. */
export function reportFiles(files: WrittenFile[]): string {
  return files.flatMap((file) => [...(file.patches ?? []), `${file.action === 'written' ? 'Wrote' : 'Unchanged, not rewritten:'} ${JSON.stringify(file.path)}`]).join('\n');
}
