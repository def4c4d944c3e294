import type { ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, Subject } from 'kubernetes-types/rbac/v1.js';

/** The RBAC objects kubeadm creates, built alike (app/util/apiclient: CreateOrUpdateRole & co). */
const RBAC = 'rbac.authorization.k8s.io/v1';
const GROUP = 'rbac.authorization.k8s.io';

export const NODE_BOOTSTRAP_GROUP = 'system:bootstrappers:kubeadm:default-node-token';
export const NODES_GROUP = 'system:nodes';

export const groupSubject = (name: string): Subject => ({ apiGroup: GROUP, kind: 'Group', name });
export const userSubject = (name: string): Subject => ({ apiGroup: GROUP, kind: 'User', name });
export const serviceAccountSubject = (namespace: string, name: string): Subject => ({ kind: 'ServiceAccount', name, namespace });

export function rule(apiGroups: string[], resources: string[], verbs: string[], resourceNames?: string[]): PolicyRule {
  return { apiGroups, resources, verbs, ...(resourceNames ? { resourceNames } : {}) };
}

export function role(namespace: string, name: string, rules: PolicyRule[]): Role {
  return { apiVersion: RBAC, kind: 'Role', metadata: { name, namespace }, rules };
}

export function roleBinding(namespace: string, name: string, roleName: string, subjects: Subject[]): RoleBinding {
  return { apiVersion: RBAC, kind: 'RoleBinding', metadata: { name, namespace }, roleRef: { apiGroup: GROUP, kind: 'Role', name: roleName }, subjects };
}

export function clusterRole(name: string, rules: PolicyRule[]): ClusterRole {
  return { apiVersion: RBAC, kind: 'ClusterRole', metadata: { name }, rules };
}

export function clusterRoleBinding(name: string, clusterRoleName: string, subjects: Subject[]): ClusterRoleBinding {
  return { apiVersion: RBAC, kind: 'ClusterRoleBinding', metadata: { name }, roleRef: { apiGroup: GROUP, kind: 'ClusterRole', name: clusterRoleName }, subjects };
}

/** A Role that may `get` one ConfigMap or Secret, and its RoleBinding of the same name to `subjects`. */
export function readOneObject(namespace: string, name: string, resource: 'configmaps' | 'secrets', objectName: string, subjects: Subject[]): [Role, RoleBinding] {
  return [role(namespace, name, [rule([''], [resource], ['get'], [objectName])]), roleBinding(namespace, name, name, subjects)];
}
