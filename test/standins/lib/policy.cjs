// What the real API server creates at its first start (its bootstrap policy and system namespaces),
// reduced to what kubeadm's objects refer to, for the STAND-IN. One addition the real server does not
// make: the stand-in controller-manager signs cluster-info and cleans tokens with its own client
// certificate (the real one uses a service account per controller), so the role `kubeboot-standin:
// controllers` grants that user those rights. Everything is created only when missing.
'use strict';

const rule = (apiGroups, resources, verbs, resourceNames) => ({ apiGroups, resources, verbs, ...(resourceNames ? { resourceNames } : {}) });
const csr = 'certificates.k8s.io';

const CLUSTER_ROLES = {
  'cluster-admin': [rule(['*'], ['*'], ['*'])],
  'system:node-bootstrapper': [rule([csr], ['certificatesigningrequests'], ['create', 'get', 'list', 'watch'])],
  'system:certificates.k8s.io:certificatesigningrequests:nodeclient': [rule([csr], ['certificatesigningrequests/nodeclient'], ['create'])],
  'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient': [rule([csr], ['certificatesigningrequests/selfnodeclient'], ['create'])],
  'system:node-proxier': [rule([''], ['endpoints', 'services'], ['list', 'watch']), rule([''], ['nodes'], ['get', 'list', 'watch'])],
  'kubeboot-standin:controllers': [rule([''], ['secrets'], ['get', 'list', 'delete']), rule([''], ['configmaps'], ['get', 'list', 'update']), rule([''], ['namespaces'], ['get'])],
  'kubeboot-standin:scheduler': [rule([''], ['namespaces', 'nodes', 'pods'], ['get', 'list'])],
};

const CLUSTER_ROLE_BINDINGS = {
  'cluster-admin': ['cluster-admin', { kind: 'Group', name: 'system:masters' }],
  'kubeboot-standin:controllers': ['kubeboot-standin:controllers', { kind: 'User', name: 'system:kube-controller-manager' }],
  'kubeboot-standin:scheduler': ['kubeboot-standin:scheduler', { kind: 'User', name: 'system:kube-scheduler' }],
};

const bootstrapLabels = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };

function objects() {
  const namespaces = ['default', 'kube-system', 'kube-public', 'kube-node-lease'].map((name) => ['/registry/namespaces/' + name, { apiVersion: 'v1', kind: 'Namespace', metadata: { name }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } }]);
  const roles = Object.entries(CLUSTER_ROLES).map(([name, rules]) => ['/registry/clusterroles/' + name, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name, labels: bootstrapLabels }, rules }]);
  const bindings = Object.entries(CLUSTER_ROLE_BINDINGS).map(([name, [role, subject]]) => [
    '/registry/clusterrolebindings/' + name,
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name, labels: bootstrapLabels }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role }, subjects: [{ apiGroup: 'rbac.authorization.k8s.io', ...subject }] },
  ]);
  return [...namespaces, ...roles, ...bindings];
}

/** Creates the bootstrap objects that are missing; a restarted or second API server keeps what exists. */
async function ensureBootstrapPolicy(store) {
  for (const [key, object] of objects()) {
    if (await store.get(key)) continue;
    const stamped = { ...object, metadata: { ...object.metadata, uid: require('node:crypto').randomUUID(), creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z') } };
    await store.create(key, stamped).catch((err) => {
      if (err.constructor.name !== 'Conflict') throw err;
    });
  }
}

module.exports = { ensureBootstrapPolicy };
