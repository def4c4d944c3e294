/**
 * Kubernetes' strategic merge patch, for the types kubeadm patches (Pod, and the KubeletConfiguration,
 * which has no merge keys and so merges as a JSON merge patch). Written here because no maintained
 * JavaScript library implements it: the rules are those of k8s.io/apimachinery/pkg/util/strategicpatch
 * for the directives users write in patch files — maps merge, `null` deletes a key, lists of objects
 * with a merge key merge by it (containers by name, volumeMounts by mountPath, ports by containerPort,
 * ...), other lists are replaced, `$patch: replace|delete` on a map or a list element, and
 * `$setElementOrder/...` (ordering hints, ignored).
 */

type Json = Record<string, unknown>;

/** The Pod's patchMergeKey of each list field (k8s.io/api/core/v1 types.go), by field name. */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  env: 'name',
  ports: 'containerPort',
  imagePullSecrets: 'name',
  hostAliases: 'ip',
  topologySpreadConstraints: 'topologyKey',
  resourceClaims: 'name',
};

const isMap = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

export function strategicMerge(original: unknown, patch: Json): unknown {
  return mergeMap(isMap(original) ? original : {}, patch);
}

function mergeMap(original: Json, patch: Json): Json | undefined {
  if (patch.$patch === 'delete') return undefined;
  if (patch.$patch === 'replace') {
    const { $patch: _directive, ...rest } = patch;
    return rest;
  }
  const result: Json = { ...original };
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch' || key.startsWith('$setElementOrder/') || key === '$retainKeys') continue;
    if (value === null) {
      delete result[key];
    } else if (isMap(value)) {
      const merged = mergeMap(isMap(result[key]) ? (result[key] as Json) : {}, value);
      if (merged === undefined) delete result[key];
      else result[key] = merged;
    } else if (Array.isArray(value) && MERGE_KEYS[key] && Array.isArray(result[key])) {
      result[key] = mergeList(result[key] as unknown[], value, MERGE_KEYS[key]);
    } else {
      result[key] = Array.isArray(value) ? value.filter((item) => !(isMap(item) && item.$patch)) : value;
    }
  }
  return result;
}

/** A list merged by `mergeKey`: patch elements change or delete the element with their key, or are added at the end. */
function mergeList(original: unknown[], patch: unknown[], mergeKey: string): unknown[] {
  if (patch.some((item) => isMap(item) && item.$patch === 'replace')) return patch.filter((item) => !(isMap(item) && item.$patch === 'replace'));
  const result = [...original];
  for (const item of patch) {
    if (!isMap(item) || item[mergeKey] === undefined) {
      result.push(item);
      continue;
    }
    const at = result.findIndex((existing) => isMap(existing) && existing[mergeKey] === item[mergeKey]);
    if (item.$patch === 'delete') {
      if (at >= 0) result.splice(at, 1);
      continue;
    }
    if (at >= 0) result[at] = mergeMap(result[at] as Json, item);
    else result.push(mergeMap({}, item));
  }
  return result;
}
