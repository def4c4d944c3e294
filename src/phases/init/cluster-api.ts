import type { ClusterRoleBinding } from 'kubernetes-types/rbac/v1.js';
import { groupSubject, clusterRoleBinding } from '../../render/cluster/rbac.js';
import { ADMIN_KUBECONFIG, SUPER_ADMIN_KUBECONFIG } from '../../util/constants.js';
import { KubebootError } from '../../util/errors.js';
import { ApiClient, ApiError, readKubeconfig, type KubeObject } from '../../util/kube-api.js';
import type { InitData } from './data.js';

export type ApplyAction = 'created' | 'updated' | 'unchanged' | 'would create';

/** What init's cluster phases need of the API: read an object, create-or-update one, replace one. */
export interface ClusterApi {
  find<T extends KubeObject>(path: string): Promise<T | undefined>;
  list<T extends KubeObject>(path: string): Promise<T[]>;
  apply<T extends KubeObject>(object: T, keep?: (stored: T, wanted: T) => T): Promise<{ object: T; action: ApplyAction }>;
  replace<T extends KubeObject>(object: T): Promise<T>;
  /** The server in admin.conf: what cluster-info and the join command name. */
  readonly server: string;
}

/** A dry run's API: nothing exists, every object is recorded (and printed by init) instead of created. */
class DryRunApi implements ClusterApi {
  constructor(private readonly objects: KubeObject[], readonly server: string) {}
  async find<T extends KubeObject>(): Promise<T | undefined> {
    return undefined;
  }
  async list<T extends KubeObject>(): Promise<T[]> {
    return [];
  }
  async apply<T extends KubeObject>(object: T): Promise<{ object: T; action: ApplyAction }> {
    this.objects.push(object);
    return { object: { ...object, metadata: { ...object.metadata, uid: '00000000-0000-0000-0000-000000000000' } }, action: 'would create' };
  }
  async replace<T extends KubeObject>(object: T): Promise<T> {
    this.objects.push(object);
    return object;
  }
}

class LiveApi implements ClusterApi {
  constructor(readonly client: ApiClient) {}
  get server(): string {
    return this.client.credentials.server;
  }
  find<T extends KubeObject>(path: string): Promise<T | undefined> {
    return this.client.find<T>(path);
  }
  async list<T extends KubeObject>(path: string): Promise<T[]> {
    return (await this.client.get<{ items: T[] }>(path)).items;
  }
  apply<T extends KubeObject>(object: T, keep?: (stored: T, wanted: T) => T) {
    return this.client.apply(object, keep);
  }
  replace<T extends KubeObject>(object: T): Promise<T> {
    return this.client.replace(object);
  }
}

/** The ClusterRoleBinding that gives admin.conf's group (kubeadm:cluster-admins) cluster-admin. */
const adminBinding = (): ClusterRoleBinding => clusterRoleBinding('kubeadm:cluster-admins', 'cluster-admin', [groupSubject('kubeadm:cluster-admins')]);

/**
 * The API as admin.conf reaches it, made once per run. As kubeadm's EnsureAdminClusterRoleBinding: if
 * admin.conf may not yet act (its group has no binding on a new cluster), super-admin.conf
 * (system:masters) creates the binding once.
 */
export async function clusterApi(data: InitData): Promise<ClusterApi> {
  if (data.api) return data.api;
  const adminPath = data.host.path(ADMIN_KUBECONFIG);
  if (data.dryRun) {
    const admin = await data.host.read(ADMIN_KUBECONFIG);
    const server = admin ? /server:\s*(\S+)/.exec(admin)?.[1] ?? '' : '';
    data.api = new DryRunApi(data.dryRunObjects, server);
    return data.api;
  }
  let client: ApiClient;
  try {
    client = new ApiClient(readKubeconfig(adminPath));
  } catch (err) {
    throw new KubebootError(`cannot read ${adminPath}: ${(err as Error).message}`, { hint: 'Run: kubeboot init phase kubeconfig admin' });
  }
  data.closers.push(() => client.close());
  try {
    await client.apply(adminBinding());
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 403)) throw apiFailure(err, client.credentials.server);
    const superAdmin = new ApiClient(readKubeconfig(data.host.path(SUPER_ADMIN_KUBECONFIG)));
    try {
      await superAdmin.apply(adminBinding());
    } finally {
      superAdmin.close();
    }
  }
  data.api = new LiveApi(client);
  return data.api;
}

/** An API failure as the user reads it: what failed, and where to look. */
export function apiFailure(err: unknown, server: string): Error {
  if (err instanceof KubebootError) return err;
  return new KubebootError(`the API server at ${server}: ${(err as Error).message}`, { hint: 'Is the control plane up? kubeboot ps; kubeboot logs kube-apiserver' });
}

/** `ConfigMap kube-system/kubeadm-config`: an object as a progress line names it. */
export const describeObject = (object: KubeObject): string => `${object.kind} ${object.metadata?.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata?.name}`;

/** Creates or updates the objects in order, one progress line each ("created", "updated", "unchanged"). */
export async function applyObjects(api: ClusterApi, objects: readonly KubeObject[], output: (line: string) => void): Promise<void> {
  for (const object of objects) {
    try {
      const { action } = await api.apply(object);
      output(`${action} ${describeObject(object)}`);
    } catch (err) {
      throw apiFailure(err, api.server);
    }
  }
}
