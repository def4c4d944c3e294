import { createHash } from 'node:crypto';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { LineCounter, parseAllDocuments } from 'yaml';
import { yamlIssues } from '../util/yaml-issues.js';
import { checkPod } from '../render/check-pod.js';
import { isRecord } from '../util/records.js';

export const CONFIG_HASH = 'kubernetes.io/config.hash';
export const CONFIG_SOURCE = 'kubernetes.io/config.source';
export const CONFIG_SEEN = 'kubernetes.io/config.seen';
/** The kubelet reads at most this much of a manifest (pkg/kubelet/config/common.go maxConfigLength). */
export const MAX_MANIFEST_BYTES = 10 * 1024 * 1024;

/** A pod as the reconciler runs it: defaulted the kubelet's way, with its identity. */
export interface StaticPod {
  /** `<namespace>/<name>`, the name already `<name>-<node>`. */
  key: string;
  uid: string;
  /** Where it came from: a file path (system path) or a URL. */
  source: string;
  sourceKind: 'file' | 'http';
  pod: Pod;
}

export type ParseResult = { ok: true; pod: StaticPod } | { ok: false; problems: string[] };

type Raw = Record<string, unknown>;

/** Volume kinds a static pod can use here: they need nothing from the API server. */
const SUPPORTED_VOLUMES = ['hostPath', 'emptyDir'];
const API_VOLUMES = ['configMap', 'secret', 'projected', 'persistentVolumeClaim', 'ephemeral', 'downwardAPI', 'csi'];

/** What a static pod may not use: anything that needs objects from the API server. */
function staticPodRestrictions(pod: Raw): string[] {
  const problems: string[] = [];
  const spec = isRecord(pod.spec) ? pod.spec : {};
  (Array.isArray(spec.volumes) ? spec.volumes : []).forEach((volume: unknown, i: number) => {
    if (!isRecord(volume)) return;
    const kinds = Object.keys(volume).filter((key) => key !== 'name');
    const apiKind = kinds.find((kind) => API_VOLUMES.includes(kind));
    if (apiKind) problems.push(`spec.volumes[${i}].${apiKind}: static pods may not use ${apiKind} volumes (they need the API server); use hostPath or emptyDir`);
    else if (kinds.length > 0 && !kinds.some((kind) => SUPPORTED_VOLUMES.includes(kind))) {
      problems.push(`spec.volumes[${i}]: ${kinds.join(', ')} volumes are not supported by kubeboot; use hostPath or emptyDir`);
    }
  });
  for (const group of ['initContainers', 'containers'] as const) {
    (Array.isArray(spec[group]) ? spec[group] : []).forEach((container: unknown, i: number) => {
      if (!isRecord(container)) return;
      if (container.envFrom !== undefined) problems.push(`spec.${group}[${i}].envFrom: static pods may not reference ConfigMaps or Secrets`);
      (Array.isArray(container.env) ? container.env : []).forEach((env: unknown, j: number) => {
        const from = isRecord(env) && isRecord(env.valueFrom) ? env.valueFrom : undefined;
        if (from && (from.configMapKeyRef || from.secretKeyRef)) {
          problems.push(`spec.${group}[${i}].env[${j}].valueFrom: static pods may not reference ${from.configMapKeyRef ? 'ConfigMaps' : 'Secrets'}`);
        }
      });
    });
  }
  if (spec.resourceClaims !== undefined) problems.push('spec.resourceClaims: static pods may not reference resourceclaims');
  if (spec.serviceAccountName !== undefined && spec.automountServiceAccountToken !== false) {
    problems.push('spec.serviceAccountName: static pods get no service account token; remove it or set automountServiceAccountToken: false');
  }
  return problems;
}

function sortedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(',')}]`;
  if (isRecord(value)) {
    return `{${Object.keys(value)
      .sort()
      .filter((key) => value[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${sortedJson(value[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The kubelet's API defaults that a manifest leaves out; part of the pod, so part of its hash. */
function applyApiDefaults(pod: Raw): void {
  const spec = pod.spec as Raw;
  spec.restartPolicy ??= 'Always';
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.schedulerName ??= 'default-scheduler';
  spec.enableServiceLinks ??= true;
  spec.securityContext ??= {};
  for (const group of ['initContainers', 'containers']) {
    for (const container of Array.isArray(spec[group]) ? (spec[group] as Raw[]) : []) {
      container.terminationMessagePath ??= '/dev/termination-log';
      container.terminationMessagePolicy ??= 'File';
      const image = String(container.image ?? '');
      const tagged = /:[^/]+$/.test(image.replace(/@.*$/, '')) || image.includes('@');
      container.imagePullPolicy ??= !tagged || image.endsWith(':latest') ? 'Always' : 'IfNotPresent';
      container.resources ??= {};
      for (const port of Array.isArray(container.ports) ? (container.ports as Raw[]) : []) port.protocol ??= 'TCP';
    }
  }
}

/**
 * Parses one manifest the way the kubelet's file source does (pkg/kubelet/config/common.go):
 * one v1 Pod, name required, then defaults: name `<name>-<node>`, namespace `default`, nodeName,
 * a NoExecute toleration for file pods, and a UID hashed from the defaulted pod, the node name and the
 * source, unless metadata.uid is set. Problems name the field.
 */
export function parseStaticPod(text: string, options: { source: string; sourceKind?: 'file' | 'http'; nodeName: string; seen?: Date }): ParseResult {
  if (text.trim() === '') return { ok: false, problems: ['the file is empty; expected a v1 Pod'] };
  let documents;
  const lineCounter = new LineCounter();
  try {
    documents = parseAllDocuments(text, { uniqueKeys: true, lineCounter, prettyErrors: false });
  } catch (err) {
    return { ok: false, problems: [`not YAML or JSON: ${(err as Error).message.split('\n')[0]}`] };
  }
  const all = Array.isArray(documents) ? documents : [];
  // Every syntax problem, with its line, before the count of documents (a broken one may look empty).
  const broken = all.flatMap((d) => yamlIssues(text, lineCounter, d)).filter((issue) => issue.severity === 'error');
  if (broken.length > 0) return { ok: false, problems: broken.map((issue) => `line ${issue.line}:${issue.col}: not YAML or JSON: ${issue.message}`) };
  const list = all.filter((d) => d.contents !== null);
  if (list.length !== 1) return { ok: false, problems: [`expected exactly one document, a v1 Pod; found ${list.length}`] };
  const document = list[0]!;
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: 100 });
  } catch (err) {
    return { ok: false, problems: [`cannot be expanded: ${(err as Error).message}`] };
  }
  if (!isRecord(value)) return { ok: false, problems: ['expected a mapping, a v1 Pod'] };
  if (value.kind !== undefined && value.kind !== 'Pod') {
    return { ok: false, problems: [`kind: got ${JSON.stringify(value.kind)}, expected "Pod" (a static pod manifest holds one Pod; Deployments and lists are not static pods)`] };
  }
  const metadata = isRecord(value.metadata) ? value.metadata : {};
  if (typeof metadata.name !== 'string' || metadata.name === '') return { ok: false, problems: ['metadata.name: is required'] };

  const node = options.nodeName.toLowerCase();
  const pod = structuredClone(value);
  const meta = (pod.metadata = { ...metadata });
  meta.name = `${metadata.name}-${node}`;
  meta.namespace = typeof metadata.namespace === 'string' && metadata.namespace !== '' ? metadata.namespace : 'default';
  if (!isRecord(pod.spec)) return { ok: false, problems: ['spec: is required'] };
  const spec = pod.spec;
  spec.nodeName = node;
  const sourceKind = options.sourceKind ?? 'file';
  if (sourceKind === 'file') {
    const tolerations = (Array.isArray(spec.tolerations) ? spec.tolerations : []).filter((t: unknown) => !(isRecord(t) && t.operator === 'Exists' && t.effect === 'NoExecute' && t.key === undefined));
    spec.tolerations = [...tolerations, { operator: 'Exists', effect: 'NoExecute' }];
  }
  const problems = [...checkPod(pod), ...staticPodRestrictions(pod)];
  if (problems.length > 0) return { ok: false, problems };
  applyApiDefaults(pod);

  const annotations = isRecord(meta.annotations) ? { ...(meta.annotations as Record<string, string>) } : {};
  delete annotations[CONFIG_HASH];
  delete annotations[CONFIG_SOURCE];
  delete annotations[CONFIG_SEEN];
  meta.annotations = annotations;
  let uid = typeof metadata.uid === 'string' && metadata.uid !== '' ? metadata.uid : '';
  if (!uid) {
    // Like the kubelet's hash: the whole defaulted pod, then the node, then the source.
    const hash = createHash('sha256').update(sortedJson(pod));
    hash.update(sourceKind === 'file' ? `host:${node}file:${options.source}` : `url:${options.source}`);
    uid = hash.digest('hex').slice(0, 32);
  }
  meta.uid = uid;
  annotations[CONFIG_HASH] = uid;
  annotations[CONFIG_SOURCE] = sourceKind;
  annotations[CONFIG_SEEN] = (options.seen ?? new Date()).toISOString();
  return { ok: true, pod: { key: `${meta.namespace}/${meta.name}`, uid, source: options.source, sourceKind, pod: pod as Pod } };
}
