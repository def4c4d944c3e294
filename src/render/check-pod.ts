import { isAbsolute } from 'node:path';
import { isRecord } from '../util/records.js';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const PORT_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const HOST_PATH_TYPES = ['', 'DirectoryOrCreate', 'Directory', 'FileOrCreate', 'File', 'Socket', 'CharDevice', 'BlockDevice'];

type Raw = Record<string, unknown>;
const records = (value: unknown): Raw[] => (Array.isArray(value) ? value.filter(isRecord) : []);

/**
 * The structural rules of a v1 Pod that a static pod manifest must meet (a subset of the API server's
 * ValidatePodCreate): returns `path: problem` strings, empty when the Pod is sound.
 */
export function checkPod(value: unknown): string[] {
  const problems: string[] = [];
  const fail = (path: string, message: string) => problems.push(`${path}: ${message}`);
  if (!isRecord(value)) return ['(document): expected a mapping, a v1 Pod'];
  if (value.apiVersion !== 'v1') fail('apiVersion', `got ${JSON.stringify(value.apiVersion)}, expected "v1"`);
  if (value.kind !== 'Pod') fail('kind', `got ${JSON.stringify(value.kind)}, expected "Pod"`);
  const metadata = isRecord(value.metadata) ? value.metadata : {};
  if (typeof metadata.name !== 'string' || !DNS1123_SUBDOMAIN.test(metadata.name) || metadata.name.length > 253) {
    fail('metadata.name', `got ${JSON.stringify(metadata.name)}, expected a DNS-1123 subdomain`);
  }
  if (metadata.namespace !== undefined && (typeof metadata.namespace !== 'string' || !DNS1123_LABEL.test(metadata.namespace))) {
    fail('metadata.namespace', `got ${JSON.stringify(metadata.namespace)}, expected a DNS-1123 label`);
  }
  for (const field of ['labels', 'annotations'] as const) {
    const map = metadata[field];
    if (map === undefined) continue;
    if (!isRecord(map) || Object.values(map).some((v) => typeof v !== 'string')) fail(`metadata.${field}`, 'expected a map of strings');
  }
  const spec = isRecord(value.spec) ? value.spec : undefined;
  if (!spec) {
    fail('spec', 'is missing');
    return problems;
  }
  const volumeNames = new Set<string>();
  records(spec.volumes).forEach((volume, i) => {
    const name = volume.name;
    if (typeof name !== 'string' || !DNS1123_LABEL.test(name)) fail(`spec.volumes[${i}].name`, `got ${JSON.stringify(name)}, expected a DNS-1123 label`);
    else if (volumeNames.has(name)) fail(`spec.volumes[${i}].name`, `${JSON.stringify(name)} is used twice`);
    else volumeNames.add(name);
    if (isRecord(volume.hostPath)) {
      const { path, type } = volume.hostPath;
      if (typeof path !== 'string' || !isAbsolute(path)) fail(`spec.volumes[${i}].hostPath.path`, `got ${JSON.stringify(path)}, expected an absolute path`);
      if (type !== undefined && !HOST_PATH_TYPES.includes(String(type))) fail(`spec.volumes[${i}].hostPath.type`, `got ${JSON.stringify(type)}, expected a hostPath type`);
    }
  });
  const containers = records(spec.containers);
  if (containers.length === 0) fail('spec.containers', 'expected at least one container');
  const containerNames = new Set<string>();
  for (const [group, list] of [['initContainers', records(spec.initContainers)], ['containers', containers]] as const) {
    list.forEach((container, i) => {
      const at = `spec.${group}[${i}]`;
      const name = container.name;
      if (typeof name !== 'string' || !DNS1123_LABEL.test(name)) fail(`${at}.name`, `got ${JSON.stringify(name)}, expected a DNS-1123 label`);
      else if (containerNames.has(name)) fail(`${at}.name`, `${JSON.stringify(name)} is used twice`);
      else containerNames.add(name);
      if (typeof container.image !== 'string' || container.image.trim() === '') fail(`${at}.image`, 'expected an image name');
      for (const field of ['command', 'args'] as const) {
        const items = container[field];
        if (items !== undefined && (!Array.isArray(items) || items.some((item) => typeof item !== 'string'))) fail(`${at}.${field}`, 'expected a list of strings');
      }
      records(container.ports).forEach((port, j) => {
        const number = port.containerPort;
        if (typeof number !== 'number' || !Number.isInteger(number) || number < 1 || number > 65535) fail(`${at}.ports[${j}].containerPort`, `got ${JSON.stringify(number)}, expected 1 to 65535`);
        if (port.name !== undefined && (typeof port.name !== 'string' || !PORT_NAME.test(port.name) || port.name.length > 15)) fail(`${at}.ports[${j}].name`, `got ${JSON.stringify(port.name)}, expected an IANA service name`);
      });
      records(container.volumeMounts).forEach((mount, j) => {
        if (typeof mount.name !== 'string' || !volumeNames.has(mount.name)) fail(`${at}.volumeMounts[${j}].name`, `${JSON.stringify(mount.name)} is not a volume of this pod`);
        if (typeof mount.mountPath !== 'string' || !isAbsolute(mount.mountPath)) fail(`${at}.volumeMounts[${j}].mountPath`, `got ${JSON.stringify(mount.mountPath)}, expected an absolute path`);
      });
      records(container.env).forEach((env, j) => {
        if (typeof env.name !== 'string' || env.name === '') fail(`${at}.env[${j}].name`, 'expected a variable name');
      });
    });
  }
  return problems;
}
