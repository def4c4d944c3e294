// The resources the API server STAND-IN serves: the ones kubeboot, kubeadm join and kubectl get touch.
// `key` is the real API server's etcd prefix for the resource (nodes live under "minions", services
// under "services/specs"); `status` marks resources with a status subresource.
'use strict';

const RESOURCES = [
  ['', 'v1', 'namespaces', 'Namespace', false, { short: ['ns'] }],
  ['', 'v1', 'nodes', 'Node', false, { key: 'minions', status: true, short: ['no'] }],
  ['', 'v1', 'pods', 'Pod', true, { status: true, short: ['po'] }],
  ['', 'v1', 'configmaps', 'ConfigMap', true, { short: ['cm'] }],
  ['', 'v1', 'secrets', 'Secret', true],
  ['', 'v1', 'serviceaccounts', 'ServiceAccount', true, { short: ['sa'] }],
  ['', 'v1', 'services', 'Service', true, { key: 'services/specs', status: true, short: ['svc'] }],
  ['', 'v1', 'endpoints', 'Endpoints', true, { key: 'services/endpoints', short: ['ep'] }],
  ['apps', 'v1', 'deployments', 'Deployment', true, { status: true, short: ['deploy'] }],
  ['apps', 'v1', 'daemonsets', 'DaemonSet', true, { status: true, short: ['ds'] }],
  ['rbac.authorization.k8s.io', 'v1', 'roles', 'Role', true],
  ['rbac.authorization.k8s.io', 'v1', 'rolebindings', 'RoleBinding', true],
  ['rbac.authorization.k8s.io', 'v1', 'clusterroles', 'ClusterRole', false],
  ['rbac.authorization.k8s.io', 'v1', 'clusterrolebindings', 'ClusterRoleBinding', false],
  ['coordination.k8s.io', 'v1', 'leases', 'Lease', true],
  ['certificates.k8s.io', 'v1', 'certificatesigningrequests', 'CertificateSigningRequest', false, { status: true, short: ['csr'] }],
].map(([group, version, name, kind, namespaced, extra = {}]) => ({
  group,
  version,
  name,
  kind,
  namespaced,
  key: extra.key || name,
  status: Boolean(extra.status),
  shortNames: extra.short || [],
  apiVersion: group ? `${group}/${version}` : version,
}));

function find(group, version, name) {
  return RESOURCES.find((r) => r.group === group && r.version === version && r.name === name);
}

/** The etcd key of an object: /registry/<key>/<namespace>/<name>, or /registry/<key>/<name>; without a name (and namespace), the prefix of a list. */
function storageKey(resource, namespace, name) {
  return `/registry/${resource.key}/${resource.namespaced && namespace !== undefined ? `${namespace}/` : ''}${name === undefined ? '' : name}`;
}

/**
 * A request path as the API server reads it: /api/v1/... or /apis/<group>/<version>/..., then
 * [namespaces/<ns>/]<resource>[/<name>[/<subresource>]]. Undefined when it names no resource.
 */
function parsePath(pathname) {
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  let group;
  let rest;
  if (parts[0] === 'api' && parts[1] === 'v1') [group, rest] = ['', parts.slice(1)];
  else if (parts[0] === 'apis' && parts.length >= 3) [group, rest] = [parts[1], parts.slice(2)];
  else return undefined;
  const version = rest[0];
  let segments = rest.slice(1);
  let namespace;
  if (segments[0] === 'namespaces' && segments.length >= 3) {
    namespace = segments[1];
    segments = segments.slice(2);
  }
  if (segments.length === 0 || segments.length > 3) return undefined;
  const resource = find(group, version, segments[0]);
  if (!resource) return { unknown: `${group ? `${group}/` : ''}${version}/${segments[0]}` };
  if (resource.namespaced !== (namespace !== undefined) && !(resource.namespaced && segments.length === 1)) return undefined;
  return { resource, namespace, name: segments[1], subresource: segments[2] };
}

/** The discovery documents kubectl reads before `kubectl get` (/api, /api/v1, /apis, /apis/<g>/<v>). */
function discovery(pathname, serverAddress) {
  const resourceList = (group, version) => ({
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group ? `${group}/${version}` : version,
    resources: RESOURCES.filter((r) => r.group === group && r.version === version).flatMap((r) => [
      { name: r.name, singularName: r.kind.toLowerCase(), namespaced: r.namespaced, kind: r.kind, verbs: ['create', 'delete', 'get', 'list', 'patch', 'update'], ...(r.shortNames.length ? { shortNames: r.shortNames } : {}) },
      ...(r.status ? [{ name: `${r.name}/status`, singularName: '', namespaced: r.namespaced, kind: r.kind, verbs: ['get', 'patch', 'update'] }] : []),
    ]),
  });
  if (pathname === '/api') return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
  if (pathname === '/api/v1') return resourceList('', 'v1');
  const groups = [...new Set(RESOURCES.filter((r) => r.group).map((r) => `${r.group}/${r.version}`))];
  if (pathname === '/apis') {
    return {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: groups.map((gv) => {
        const [name, version] = gv.split('/');
        return { name, versions: [{ groupVersion: gv, version }], preferredVersion: { groupVersion: gv, version } };
      }),
    };
  }
  const match = /^\/apis\/([^/]+)\/([^/]+)$/.exec(pathname);
  if (match && groups.includes(`${match[1]}/${match[2]}`)) return resourceList(match[1], match[2]);
  return undefined;
}

module.exports = { RESOURCES, find, storageKey, parsePath, discovery };
