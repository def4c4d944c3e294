import { parseQuantity } from '../util/quantity.js';
import { describe, ENV_VAR_NAME, hasDotDot, IANA_SVC_NAME, type Problems, type Raw } from './pod-rules.js';

const PROBE_ACTIONS = ['exec', 'httpGet', 'tcpSocket', 'grpc'] as const;
const HANDLER_ACTIONS = ['exec', 'httpGet', 'tcpSocket', 'sleep'] as const;
const ENV_SOURCES = ['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef', 'fileKeyRef'] as const;
/** The downward API fields an env var may name (validation.go validEnvDownwardAPIFieldPathExpressions). */
const FIELD_PATHS = ['metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName', 'spec.serviceAccountName', 'status.hostIP', 'status.hostIPs', 'status.podIP', 'status.podIPs'];

/** A port by number (1-65535) or by an IANA service name. */
function checkPortRef(port: unknown, path: string, problems: Problems): void {
  if (typeof port === 'number' ? Number.isInteger(port) && port >= 1 && port <= 65535 : typeof port === 'string' && (/^\d+$/.test(port) ? Number(port) >= 1 && Number(port) <= 65535 : IANA_SVC_NAME.test(port) && port.length <= 15)) return;
  problems.fail(path, `got ${describe(port)}, expected a port number from 1 to 65535 or a port name`);
}

/** One action: exec (a command), httpGet (port, path, scheme), tcpSocket (port), grpc (port), sleep (seconds). */
function checkAction(owner: Raw, action: string, path: string, problems: Problems): void {
  const body = problems.record(owner[action], `${path}.${action}`);
  if (!body) return;
  const at = `${path}.${action}`;
  if (action === 'exec') {
    problems.strings(body, 'command', at);
    if (!Array.isArray(body.command) || body.command.length === 0) problems.fail(`${at}.command`, 'expected a command');
  } else if (action === 'sleep') {
    problems.int(body, 'seconds', at, 0);
  } else {
    if (body.port === undefined) problems.fail(`${at}.port`, 'is required');
    else if (action === 'grpc') problems.int(body, 'port', at, 1, 65535);
    else checkPortRef(body.port, `${at}.port`, problems);
    if (action === 'httpGet') {
      problems.oneOf(body, 'scheme', at, ['HTTP', 'HTTPS']);
      problems.string(body, 'path', at);
      problems.string(body, 'host', at);
    }
  }
}

function checkProbe(container: Raw, kind: 'livenessProbe' | 'readinessProbe' | 'startupProbe', path: string, problems: Problems): void {
  const probe = problems.record(container[kind], `${path}.${kind}`);
  if (!probe) return;
  const at = `${path}.${kind}`;
  const action = problems.exactlyOne(probe, PROBE_ACTIONS, at, 'probe action');
  if (action) checkAction(probe, action, at, problems);
  problems.int(probe, 'initialDelaySeconds', at, 0);
  problems.int(probe, 'timeoutSeconds', at, 1);
  problems.int(probe, 'periodSeconds', at, 1);
  problems.int(probe, 'failureThreshold', at, 1);
  problems.int(probe, 'terminationGracePeriodSeconds', at, 1);
  // Liveness and startup probes must succeed once (validation.go).
  if (kind === 'readinessProbe') problems.int(probe, 'successThreshold', at, 1);
  else problems.int(probe, 'successThreshold', at, 1, 1);
}

function checkResources(container: Raw, path: string, problems: Problems): void {
  const resources = problems.record(container.resources, `${path}.resources`);
  if (!resources) return;
  const amounts: Record<string, Record<string, number>> = {};
  for (const field of ['limits', 'requests']) {
    const map = problems.record(resources[field], `${path}.resources.${field}`) ?? {};
    amounts[field] = {};
    for (const [name, value] of Object.entries(map)) {
      const amount = typeof value === 'string' || typeof value === 'number' ? parseQuantity(value) : undefined;
      if (amount === undefined || amount < 0) problems.fail(`${path}.resources.${field}.${name}`, `got ${describe(value)}, expected a quantity such as 100m, 128Mi or 2`);
      else amounts[field]![name] = amount;
    }
  }
  for (const [name, request] of Object.entries(amounts.requests ?? {})) {
    const limit = amounts.limits?.[name];
    if (limit !== undefined && request > limit) problems.fail(`${path}.resources.requests.${name}`, `must be less than or equal to the ${name} limit`);
  }
}

/**
 * One container, as the API server's validateContainers sees it (validation.go). `volumes`: the pod's
 * volume names; `names`: the container names seen so far (init and app containers share one space).
 */
export function checkContainer(container: Raw, path: string, volumes: ReadonlySet<string>, names: Set<string>, problems: Problems, init = false): void {
  const name = container.name;
  if (typeof name !== 'string' || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) || name.length > 63) problems.fail(`${path}.name`, `got ${describe(name)}, expected a DNS-1123 label`);
  else if (names.has(name)) problems.fail(`${path}.name`, `${describe(name)} is used twice`);
  else names.add(name);
  if (typeof container.image !== 'string' || container.image.trim() === '') problems.fail(`${path}.image`, 'expected an image name');
  else if (container.image !== container.image.trim()) problems.fail(`${path}.image`, `got ${describe(container.image)}: must not have leading or trailing whitespace`);
  // The API server: restartPolicy exists on init containers only, and only as "Always" (a sidecar);
  // probes and lifecycle hooks belong to containers that keep running, so to sidecars among init containers.
  const restartPolicy = container.restartPolicy;
  if (restartPolicy !== undefined && (!init || restartPolicy !== 'Always')) {
    problems.fail(`${path}.restartPolicy`, init ? `got ${describe(restartPolicy)}, expected "Always" (a sidecar) or nothing` : 'may only be set on init containers (restartPolicy: Always makes a sidecar)');
  }
  if (init && restartPolicy !== 'Always') {
    for (const field of ['livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle']) {
      if (container[field] !== undefined) problems.fail(`${path}.${field}`, 'may not be set for init containers without restartPolicy=Always');
    }
  }
  problems.strings(container, 'command', path);
  problems.strings(container, 'args', path);
  problems.string(container, 'workingDir', path);
  problems.oneOf(container, 'imagePullPolicy', path, ['Always', 'IfNotPresent', 'Never']);
  problems.oneOf(container, 'terminationMessagePolicy', path, ['File', 'FallbackToLogsOnError']);
  for (const field of ['stdin', 'stdinOnce', 'tty']) problems.bool(container, field, path);

  const portNames = new Set<string>();
  for (const [port, at] of problems.records(container.ports, `${path}.ports`)) {
    if (port.containerPort === undefined) problems.fail(`${at}.containerPort`, 'is required');
    problems.int(port, 'containerPort', at, 1, 65535);
    problems.int(port, 'hostPort', at, 0, 65535);
    problems.oneOf(port, 'protocol', at, ['TCP', 'UDP', 'SCTP']);
    problems.string(port, 'hostIP', at);
    if (port.name === undefined) continue;
    if (typeof port.name !== 'string' || !IANA_SVC_NAME.test(port.name) || port.name.length > 15) problems.fail(`${at}.name`, `got ${describe(port.name)}, expected an IANA service name (at most 15 lower-case letters, digits and '-')`);
    else if (portNames.has(port.name)) problems.fail(`${at}.name`, `${describe(port.name)} is used twice`);
    else portNames.add(port.name);
  }

  const envNames = new Set<string>();
  for (const [env, at] of problems.records(container.env, `${path}.env`)) {
    if (typeof env.name !== 'string' || !ENV_VAR_NAME.test(env.name)) problems.fail(`${at}.name`, `got ${describe(env.name)}, expected a variable name (letters, digits, '_', '-', '.'; not starting with a digit)`);
    else envNames.add(env.name);
    problems.string(env, 'value', at);
    const from = problems.record(env.valueFrom, `${at}.valueFrom`);
    if (!from) continue;
    if (env.value !== undefined && env.value !== '') problems.fail(`${at}.valueFrom`, 'may not be given with value');
    const source = problems.exactlyOne(from, ENV_SOURCES, `${at}.valueFrom`, 'source');
    const fieldRef = source === 'fieldRef' ? problems.record(from.fieldRef, `${at}.valueFrom.fieldRef`) : undefined;
    if (fieldRef && !FIELD_PATHS.includes(fieldRef.fieldPath as string)) {
      problems.fail(`${at}.valueFrom.fieldRef.fieldPath`, `got ${describe(fieldRef.fieldPath)}, expected one of ${FIELD_PATHS.join(', ')}`);
    }
  }

  const mountPaths = new Set<string>();
  for (const [mount, at] of problems.records(container.volumeMounts, `${path}.volumeMounts`)) {
    if (typeof mount.name !== 'string' || !volumes.has(mount.name)) problems.fail(`${at}.name`, `${describe(mount.name)} is not a volume of this pod`);
    const mountPath = mount.mountPath;
    if (typeof mountPath !== 'string' || !mountPath.startsWith('/')) problems.fail(`${at}.mountPath`, `got ${describe(mountPath)}, expected an absolute path`);
    else if (mountPaths.has(mountPath)) problems.fail(`${at}.mountPath`, `${describe(mountPath)} is mounted twice in this container`);
    else mountPaths.add(mountPath);
    problems.bool(mount, 'readOnly', at);
    const subPath = mount.subPath;
    if (subPath !== undefined && (typeof subPath !== 'string' || subPath.startsWith('/') || hasDotDot(subPath))) {
      problems.fail(`${at}.subPath`, `got ${describe(subPath)}, expected a relative path without '..'`);
    }
  }

  for (const kind of ['livenessProbe', 'readinessProbe', 'startupProbe'] as const) checkProbe(container, kind, path, problems);
  const lifecycle = problems.record(container.lifecycle, `${path}.lifecycle`);
  for (const hook of ['postStart', 'preStop']) {
    const handler = lifecycle ? problems.record(lifecycle[hook], `${path}.lifecycle.${hook}`) : undefined;
    if (!handler) continue;
    const action = problems.exactlyOne(handler, HANDLER_ACTIONS, `${path}.lifecycle.${hook}`, 'handler action');
    if (action) checkAction(handler, action, `${path}.lifecycle.${hook}`, problems);
  }
  checkResources(container, path, problems);

  const security = problems.record(container.securityContext, `${path}.securityContext`);
  if (security) {
    for (const field of ['privileged', 'readOnlyRootFilesystem', 'runAsNonRoot', 'allowPrivilegeEscalation']) problems.bool(security, field, `${path}.securityContext`);
    for (const field of ['runAsUser', 'runAsGroup']) problems.int(security, field, `${path}.securityContext`, 0, 2147483647);
    const capabilities = problems.record(security.capabilities, `${path}.securityContext.capabilities`);
    if (capabilities) for (const field of ['add', 'drop']) problems.strings(capabilities, field, `${path}.securityContext.capabilities`);
  }
}
