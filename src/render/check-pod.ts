import { isQualifiedName } from '../util/names.js';
import { isRecord } from '../util/records.js';
import { parseQuantity } from '../util/quantity.js';
import { checkContainer } from './check-container.js';
import { describe, DNS1123_LABEL, DNS1123_SUBDOMAIN, hasDotDot, Problems } from './pod-rules.js';

const HOST_PATH_TYPES = ['', 'DirectoryOrCreate', 'Directory', 'FileOrCreate', 'File', 'Socket', 'CharDevice', 'BlockDevice'];
/** Every volume source the API knows: a volume names exactly one. */
const VOLUME_SOURCES = [
  'hostPath', 'emptyDir', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'secret', 'nfs', 'iscsi', 'glusterfs',
  'persistentVolumeClaim', 'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker', 'downwardAPI', 'fc', 'azureFile',
  'configMap', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'projected', 'portworxVolume',
  'scaleIO', 'storageos', 'csi', 'ephemeral', 'image',
];

/**
 * A v1 Pod as the API server's ValidatePodCreate checks it, for what applies to a static pod (and to
 * the manifests kubeboot renders): returns `path: problem` lines, every problem at once, empty when the
 * pod is sound. Every list item is checked before it is used: one that is not a mapping is a problem,
 * never an exception.
 */
export function checkPod(value: unknown): string[] {
  const problems = new Problems();
  if (!isRecord(value)) return ['(document): expected a mapping, a v1 Pod'];
  if (value.apiVersion !== 'v1') problems.fail('apiVersion', `got ${describe(value.apiVersion)}, expected "v1"`);
  if (value.kind !== 'Pod') problems.fail('kind', `got ${describe(value.kind)}, expected "Pod"`);
  const metadata = problems.record(value.metadata, 'metadata') ?? {};
  if (typeof metadata.name !== 'string' || !DNS1123_SUBDOMAIN.test(metadata.name) || metadata.name.length > 253) {
    problems.fail('metadata.name', `got ${describe(metadata.name)}, expected a DNS-1123 subdomain of at most 253 characters`);
  }
  if (metadata.namespace !== undefined && (typeof metadata.namespace !== 'string' || !DNS1123_LABEL.test(metadata.namespace) || metadata.namespace.length > 63)) {
    problems.fail('metadata.namespace', `got ${describe(metadata.namespace)}, expected a DNS-1123 label`);
  }
  const labels = problems.record(metadata.labels, 'metadata.labels');
  if (labels) problems.qualifiedKeys(labels, 'metadata.labels', true);
  const annotations = problems.record(metadata.annotations, 'metadata.annotations');
  if (annotations) {
    problems.qualifiedKeys(annotations, 'metadata.annotations', false);
    if (JSON.stringify(annotations).length > 256 * 1024) problems.fail('metadata.annotations', 'may not be larger than 256 KiB in all');
  }

  const spec = problems.record(value.spec, 'spec');
  if (!spec) {
    problems.fail('spec', 'is missing');
    return problems.lines;
  }
  problems.oneOf(spec, 'restartPolicy', 'spec', ['Always', 'OnFailure', 'Never']);
  problems.oneOf(spec, 'dnsPolicy', 'spec', ['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None']);
  for (const field of ['hostNetwork', 'hostPID', 'hostIPC', 'shareProcessNamespace', 'automountServiceAccountToken', 'enableServiceLinks', 'setHostnameAsFQDN', 'hostUsers']) {
    problems.bool(spec, field, 'spec');
  }
  problems.int(spec, 'terminationGracePeriodSeconds', 'spec', 0);
  problems.int(spec, 'activeDeadlineSeconds', 'spec', 1);
  problems.int(spec, 'priority', 'spec', -2147483648, 2147483647);
  if (spec.ephemeralContainers !== undefined) problems.fail('spec.ephemeralContainers', 'may not be set when a pod is created (they are added to a running pod through the API)');
  const podSecurity = problems.record(spec.securityContext, 'spec.securityContext');
  if (podSecurity) {
    for (const field of ['runAsUser', 'runAsGroup', 'fsGroup']) problems.int(podSecurity, field, 'spec.securityContext', 0, 2147483647);
    problems.bool(podSecurity, 'runAsNonRoot', 'spec.securityContext');
  }

  const volumeNames = new Set<string>();
  for (const [volume, at] of problems.records(spec.volumes, 'spec.volumes')) {
    const name = volume.name;
    if (typeof name !== 'string' || !DNS1123_LABEL.test(name) || name.length > 63) problems.fail(`${at}.name`, `got ${describe(name)}, expected a DNS-1123 label`);
    else if (volumeNames.has(name)) problems.fail(`${at}.name`, `${describe(name)} is used twice`);
    else volumeNames.add(name);
    const source = problems.exactlyOne(volume, VOLUME_SOURCES, at, 'volume source');
    if (source === 'hostPath') {
      const hostPath = problems.record(volume.hostPath, `${at}.hostPath`);
      const path = hostPath?.path;
      if (typeof path !== 'string' || !path.startsWith('/')) problems.fail(`${at}.hostPath.path`, `got ${describe(path)}, expected an absolute path`);
      else if (hasDotDot(path)) problems.fail(`${at}.hostPath.path`, `got ${describe(path)}: may not contain '..'`);
      if (hostPath?.type !== undefined && !HOST_PATH_TYPES.includes(String(hostPath.type))) problems.fail(`${at}.hostPath.type`, `got ${describe(hostPath.type)}, expected one of ${HOST_PATH_TYPES.filter(Boolean).join(', ')}`);
    } else if (source === 'emptyDir') {
      const emptyDir = problems.record(volume.emptyDir, `${at}.emptyDir`);
      if (emptyDir) {
        problems.oneOf(emptyDir, 'medium', `${at}.emptyDir`, ['', 'Memory']);
        const limit = emptyDir.sizeLimit;
        if (limit !== undefined && ((typeof limit !== 'string' && typeof limit !== 'number') || (parseQuantity(limit) ?? -1) < 0)) problems.fail(`${at}.emptyDir.sizeLimit`, `got ${describe(limit)}, expected a quantity such as 64Mi`);
      }
    }
  }

  const containers = problems.records(spec.containers, 'spec.containers');
  if (!Array.isArray(spec.containers) || spec.containers.length === 0) problems.fail('spec.containers', 'expected at least one container');
  const names = new Set<string>();
  for (const [container, at] of problems.records(spec.initContainers, 'spec.initContainers')) checkContainer(container, at, volumeNames, names, problems, true);
  // The API server's validateTolerations.
  for (const [toleration, at] of problems.records(spec.tolerations, 'spec.tolerations')) {
    const { key, operator, value, effect } = toleration;
    // Empty means the default (Equal; every effect), as the API server reads it.
    if (operator !== '') problems.oneOf(toleration, 'operator', at, ['Exists', 'Equal']);
    if (effect !== '') problems.oneOf(toleration, 'effect', at, ['NoSchedule', 'PreferNoSchedule', 'NoExecute']);
    if (key !== undefined && key !== '' && (typeof key !== 'string' || !isQualifiedName(key))) problems.fail(`${at}.key`, `got ${describe(key)}, expected a qualified name such as "node-role.kubernetes.io/control-plane"`);
    if ((key === undefined || key === '') && operator !== 'Exists') problems.fail(`${at}.operator`, 'must be "Exists" when the key is empty');
    if (operator === 'Exists' && value !== undefined && value !== '') problems.fail(`${at}.value`, 'must be empty when the operator is "Exists"');
  }
  for (const [container, at] of containers) checkContainer(container, at, volumeNames, names, problems);
  return problems.lines;
}
