// Who a request is, and what it may do, as the real API server decides it — for the STAND-IN.
// Authentication: a client certificate from --client-ca-file (CN = user, O = groups), a bootstrap
// token (`Authorization: Bearer <id>.<secret>`, checked against Secret kube-system/bootstrap-token-<id>),
// or anonymous. Authorization: system:masters may do anything; nodes get the node authorizer's rights
// (simplified: their own Node and Lease, pods); everyone else goes through RBAC over the Roles,
// ClusterRoles and bindings stored in etcd — the same objects kubeadm creates.
'use strict';

const TOKEN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;

async function authenticate(req, store) {
  const header = req.headers.authorization;
  if (header) {
    const match = TOKEN.exec(header.replace(/^Bearer\s+/i, ''));
    if (!match) return { error: 'invalid bearer token' };
    const found = await store.get(`/registry/secrets/kube-system/bootstrap-token-${match[1]}`);
    const data = Object.fromEntries(Object.entries((found && found.object.data) || {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
    if (!found || found.object.type !== 'bootstrap.kubernetes.io/token' || data['token-secret'] !== match[2] || data['usage-bootstrap-authentication'] !== 'true') return { error: 'invalid bearer token' };
    if (data.expiration && Date.parse(data.expiration) < Date.now()) return { error: 'invalid bearer token (expired)' };
    const extra = (data['auth-extra-groups'] || '').split(',').filter(Boolean);
    return { user: `system:bootstrap:${match[1]}`, groups: ['system:bootstrappers', ...extra, 'system:authenticated'] };
  }
  const socket = req.socket;
  if (socket.authorized) {
    const subject = socket.getPeerCertificate().subject || {};
    const list = (value) => (Array.isArray(value) ? value : value ? [value] : []);
    return { user: list(subject.CN)[0] || '', groups: [...list(subject.O), 'system:authenticated'] };
  }
  return { user: 'system:anonymous', groups: ['system:unauthenticated'] };
}

const includes = (list, value) => Array.isArray(list) && (list.includes('*') || list.includes(value));

function ruleAllows(rule, attrs) {
  if (!includes(rule.verbs, attrs.verb) || !includes(rule.apiGroups, attrs.group) || !includes(rule.resources, attrs.resource)) return false;
  const names = rule.resourceNames || [];
  return names.length === 0 || (attrs.name !== undefined && names.includes(attrs.name));
}

function subjectMatches(subject, who) {
  if (subject.kind === 'User') return subject.name === who.user;
  if (subject.kind === 'Group') return who.groups.includes(subject.name);
  if (subject.kind === 'ServiceAccount') return who.user === `system:serviceaccount:${subject.namespace}:${subject.name}`;
  return false;
}

/** The node authorizer, simplified: a node reads pods and nodes, and writes only its own Node, Lease and pods (NodeRestriction checks those). */
function nodeAllows(node, attrs) {
  if (attrs.group === '' && attrs.resource.startsWith('nodes')) return ['get', 'list', 'watch'].includes(attrs.verb) || attrs.name === node || (attrs.verb === 'create' && attrs.resource === 'nodes');
  if (attrs.group === '' && attrs.resource.startsWith('pods')) return true;
  if (attrs.group === 'coordination.k8s.io' && attrs.resource === 'leases' && attrs.namespace === 'kube-node-lease') return attrs.name === undefined || attrs.name === node;
  return false;
}

/** attrs: { verb, group, resource (with "/status"), namespace, name }. */
async function authorize(who, attrs, store) {
  if (who.groups.includes('system:masters')) return true;
  const node = /^system:node:(.+)$/.exec(who.user);
  if (node && who.groups.includes('system:nodes') && nodeAllows(node[1], attrs)) return true;
  const rulesOf = async (ref, namespace) => {
    const key = ref.kind === 'ClusterRole' ? `/registry/clusterroles/${ref.name}` : `/registry/roles/${namespace}/${ref.name}`;
    const role = await store.get(key);
    return (role && role.object.rules) || [];
  };
  const bindings = [...(await store.list('/registry/clusterrolebindings/')).items.map((b) => [b.object, undefined])];
  if (attrs.namespace) bindings.push(...(await store.list(`/registry/rolebindings/${attrs.namespace}/`)).items.map((b) => [b.object, attrs.namespace]));
  for (const [binding, namespace] of bindings) {
    if (!(binding.subjects || []).some((s) => subjectMatches(s, who))) continue;
    if ((await rulesOf(binding.roleRef, namespace)).some((rule) => ruleAllows(rule, attrs))) return true;
  }
  return false;
}

/** NodeRestriction (plugin/pkg/admission/noderestriction) for what a node creates or changes. */
function nodeRestriction(who, verb, resource, object, current, nodeUid) {
  const match = /^system:node:(.+)$/.exec(who.user);
  if (!match) return undefined;
  const node = match[1];
  if (resource.name === 'nodes' && object && object.metadata && object.metadata.name !== node) return `node "${node}" is not allowed to modify node "${object.metadata.name}"`;
  if (resource.name !== 'pods') return undefined;
  if (verb === 'create') {
    const pod = object;
    if (!pod.metadata || !pod.metadata.annotations || pod.metadata.annotations['kubernetes.io/config.mirror'] === undefined) return `pod does not have "kubernetes.io/config.mirror" annotation, node "${node}" can only create mirror pods`;
    if (!pod.spec || pod.spec.nodeName !== node) return `node "${node}" can only create pods with spec.nodeName set to itself`;
    const owners = pod.metadata.ownerReferences || [];
    if (owners.length !== 1) return `node "${node}" can only create pods with a single owner reference set to itself`;
    const owner = owners[0];
    if (owner.apiVersion !== 'v1' || owner.kind !== 'Node' || owner.name !== node || owner.uid !== nodeUid || owner.controller !== true || owner.blockOwnerDeletion) return `node "${node}" can only create pods with a controller owner reference set to itself`;
    if (pod.spec.serviceAccountName) return `node "${node}" can not create pods that reference a service account`;
    return undefined;
  }
  if (current && current.spec && current.spec.nodeName !== node) return `node "${node}" can only ${verb} pods with spec.nodeName set to itself`;
  if (verb === 'update' && current && JSON.stringify((object.metadata && object.metadata.labels) || {}) !== JSON.stringify(current.metadata.labels || {})) return `node "${node}" is not allowed to update labels of pod "${current.metadata.name}"`;
  return undefined;
}

module.exports = { authenticate, authorize, nodeRestriction };
