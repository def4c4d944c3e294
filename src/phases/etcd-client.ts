import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Etcd3 } from 'etcd3';
import type { KubebootConfig } from '../config/types.js';
import type { Host } from '../util/host.js';

/**
 * grpc-js passes the host as the TLS server name even when it is an IP address, which makes Node print
 * DEP0123 in the middle of init's progress; that one warning says nothing a user can act on.
 */
let quieted = false;
function quietGrpcServerNameWarning(): void {
  if (quieted) return;
  quieted = true;
  const emit = process.emitWarning.bind(process);
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const code = typeof rest[0] === 'object' && rest[0] !== null ? (rest[0] as { code?: string }).code : rest[1];
    if (code === 'DEP0123') return;
    (emit as (...args: unknown[]) => void)(warning, ...rest);
  }) as typeof process.emitWarning;
}

/** Calls etcd with `work` through a client of its own (etcd3), closed afterwards. */
export type EtcdCall = <T>(hosts: string[], work: (client: Etcd3) => Promise<T>) => Promise<T>;

/**
 * etcd as kubeadm's etcd client reaches it: mTLS with the node's etcd CA and healthcheck-client
 * certificate. A client per call: etcd3's circuit breaker would refuse the calls after the errors etcd
 * gives on purpose (an unhealthy cluster for a moment, a learner not yet in sync) for a while.
 */
export async function etcdCaller(config: KubebootConfig, host: Host, dialTimeout = 5000): Promise<EtcdCall> {
  const pki = host.path(join(config.cluster.certificatesDir, 'etcd'));
  const [ca, cert, key] = await Promise.all(['ca.crt', 'healthcheck-client.crt', 'healthcheck-client.key'].map((name) => readFile(join(pki, name))));
  const { Etcd3 } = await import('etcd3');
  quietGrpcServerNameWarning();
  return async (hosts, work) => {
    const client = new Etcd3({ hosts, credentials: { rootCertificate: ca!, certChain: cert!, privateKey: key! }, dialTimeout });
    try {
      return await work(client);
    } finally {
      client.close();
    }
  };
}
