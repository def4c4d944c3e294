import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import fastJsonPatch, { type Operation } from 'fast-json-patch';
import jsonMergePatch from 'json-merge-patch';
import { parseAllDocuments } from 'yaml';
import { KubebootError } from '../util/errors.js';
import { strategicMerge } from './strategic-merge.js';

/** What kubeadm's --patches may change (app/util/patches): the four static pods, the KubeletConfiguration, CoreDNS. */
export const PATCH_TARGETS = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubeletconfiguration', 'corednsdeployment'] as const;
export type PatchTarget = (typeof PATCH_TARGETS)[number];
export type PatchType = 'strategic' | 'merge' | 'json';

export interface PatchFile {
  /** Relative to the patch folder, as reported. */
  file: string;
  target: PatchTarget;
  type: PatchType;
  /** Each YAML/JSON document of the file, in order. */
  patches: unknown[];
}

export interface PatchSet {
  directory: string;
  files: PatchFile[];
  /** Files kubeadm ignores, each with why ("[patches] Ignoring file ..."). */
  ignored: string[];
}

// kubeadm's pattern, matched at the start of the name: target, an optional suffix, an optional +type.
const NAME = new RegExp(`^(${PATCH_TARGETS.join('|')})([^.+\\n]*)?(\\+)?(json|merge|strategic)?`);

async function walk(dir: string): Promise<string[]> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await walk(path)));
    else files.push(path);
  }
  return files;
}

/**
 * Reads a patch folder as kubeadm does: files named `target[suffix][+type].{json,yaml}` in the lexical
 * order of filepath.Walk, each YAML document one patch. Unknown targets and extensions are ignored (and
 * said so); a bad `+type` or a file that does not parse stops the command before anything is written.
 */
export async function readPatches(directory: string): Promise<PatchSet> {
  const info = await stat(directory).catch(() => undefined);
  if (!info?.isDirectory()) throw new KubebootError(`the patches folder ${directory} is not a folder`, { hint: 'Give --patches (or patches.directory) an existing folder of patch files' });
  const set: PatchSet = { directory, files: [], ignored: [] };
  const problems: string[] = [];
  for (const path of await walk(directory)) {
    const file = relative(directory, path);
    const name = path.slice(path.lastIndexOf('/') + 1);
    if (!/.+\.(json|yaml)$/.test(name)) {
      set.ignored.push(`[patches] Ignoring file "${file}": the file extension must be one of [json yaml]`);
      continue;
    }
    const match = NAME.exec(name);
    if (!match) {
      set.ignored.push(`[patches] Ignoring file "${file}": unknown target, must be one of [${PATCH_TARGETS.join(' ')}]`);
      continue;
    }
    const plus = match[3] !== undefined;
    const type = (match[4] as PatchType | undefined) ?? 'strategic';
    if (plus && !match[4]) {
      problems.push(`${file}: unknown or missing patch type after '+', must be one of [json merge strategic]`);
      continue;
    }
    const text = await readFile(path, 'utf8');
    if (text.trim() === '') {
      set.ignored.push(`[patches] Ignoring file "${file}": it is empty`);
      continue;
    }
    const documents = parseAllDocuments(text).filter((doc) => doc.contents !== null);
    const broken = documents.flatMap((doc) => doc.errors.map((e) => `${file}:${e.linePos?.[0]?.line ?? 0}:${e.linePos?.[0]?.col ?? 0}: ${e.message.split('\n')[0]}`));
    if (broken.length > 0) {
      problems.push(...broken);
      continue;
    }
    set.files.push({ file, target: match[1] as PatchTarget, type, patches: documents.map((doc) => doc.toJS() as unknown) });
  }
  if (problems.length > 0) throw new KubebootError(`the patches in ${directory} cannot be used; nothing was written`, { details: problems });
  return set;
}

/**
 * Applies the set's patches for `target` to `object`, in order; returns the result and a line for each
 * applied file. A patch that does not apply (a failed JSON patch `test`, a path that does not exist) is
 * an error naming the file.
 */
export function applyPatches<T>(set: PatchSet | undefined, target: PatchTarget, object: T): { object: T; applied: string[] } {
  let current: unknown = structuredClone(object);
  const applied: string[] = [];
  for (const file of set?.files.filter((f) => f.target === target) ?? []) {
    for (const [i, patch] of file.patches.entries()) {
      try {
        current = applyOne(current, file.type, patch);
      } catch (err) {
        throw new KubebootError(`could not apply the following patch of type "${file.type}" to target "${target}": ${file.file}${file.patches.length > 1 ? ` (document ${i + 1})` : ''}: ${(err as Error).message.split('\n')[0]}`, {
          hint: 'Nothing was written. Fix or remove the patch file and run the command again.',
        });
      }
    }
    applied.push(`[patches] Applied patch of type "application/${file.type === 'json' ? 'json-patch' : file.type === 'merge' ? 'merge-patch' : 'strategic-merge-patch'}+json" to target "${target}" (${file.file})`);
  }
  return { object: current as T, applied };
}

function applyOne(target: unknown, type: PatchType, patch: unknown): unknown {
  if (type === 'json') {
    if (!Array.isArray(patch)) throw new Error('a JSON patch is a list of operations');
    return fastJsonPatch.applyPatch(target, patch as Operation[], true, false).newDocument;
  }
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) throw new Error(`a ${type} patch is a mapping`);
  return type === 'merge' ? jsonMergePatch.apply(target, patch) : strategicMerge(target, patch as Record<string, unknown>);
}
