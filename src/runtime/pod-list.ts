import { byCodePoint } from '../util/compare.js';
import { labels } from './labels.js';
import { podRow, type PodRow } from './pod-status.js';
import type { ContainerRuntime, RuntimePod } from './runtime.js';
import { readStatusNotes, statusNotesIn, type StatusNotes } from './status-notes.js';

/**
 * The rows `kubeboot ps` prints: every pod the engine has for `node` (or for every node), with what
 * the reconcilers' status files add — probe results, image-pull waits, and desired pods that have no
 * container yet. Status files are found through the containers' labels and in `rootDir`.
 */
export async function listPodRows(runtime: ContainerRuntime, options: { node?: string; rootDir?: string; now?: number }): Promise<PodRow[]> {
  const found = await runtime.listPods(options.node ? { node: options.node } : {});
  const statusFileOf = (pod: RuntimePod) => pod.containers.find((c) => c.labels[labels.statusFile])?.labels[labels.statusFile];
  const paths = [...found.values()].map(statusFileOf).filter((p): p is string => p !== undefined);
  if (options.rootDir) paths.push(...(await statusNotesIn(options.rootDir)));
  const notesFiles = new Map<string, StatusNotes | undefined>();
  for (const path of paths) if (!notesFiles.has(path)) notesFiles.set(path, await readStatusNotes(path));
  const all = [...notesFiles.values()].filter((n): n is StatusNotes => n !== undefined && (!options.node || n.node === options.node));

  const entries = [...found.values()].map((pod) => {
    const path = statusFileOf(pod);
    return { pod, notes: path ? notesFiles.get(path) : all.find((n) => n.pods?.[pod.uid]) };
  });
  for (const notes of all) {
    for (const [uid, desired] of Object.entries(notes.pods ?? {})) {
      if (found.has(uid)) continue;
      const meta = desired.pod.metadata ?? {};
      entries.push({ pod: { uid, name: meta.name ?? '', namespace: meta.namespace ?? 'default', source: desired.source, containers: [] }, notes });
    }
  }
  const now = options.now ?? Date.now();
  return entries.map(({ pod, notes }) => podRow(pod, notes, now)).sort((a, b) => byCodePoint(`${a.namespace}/${a.name}`, `${b.namespace}/${b.name}`));
}
