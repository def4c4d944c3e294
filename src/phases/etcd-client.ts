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
 * gives on purpose (an unhealthy cluster for a moment, a learner not yet in sync) for a while. Each call
 * has a deadline (`callTimeoutMs`): a member that accepts the connection but cannot commit (no quorum,
 * mid-election) would otherwise hold a reset or a join forever (it did once, in reset's
 * remove-etcd-member after a member restarted).
 */
export async function etcdCaller(config: KubebootConfig, host: Host, dialTimeout = 5000, callTimeoutMs = 15_000): Promise<EtcdCall> {
  const pki = host.path(join(config.cluster.certificatesDir, 'etcd'));
  const [ca, cert, key] = await Promise.all(['ca.crt', 'healthcheck-client.crt', 'healthcheck-client.key'].map((name) => readFile(join(pki, name))));
  const { Etcd3 } = await import('etcd3');
  quietGrpcServerNameWarning();
  return async (hosts, work) => {
    const client = new Etcd3({ hosts, credentials: { rootCertificate: ca!, certChain: cert!, privateKey: key! }, dialTimeout });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`etcd at ${hosts.join(', ')} did not answer within ${callTimeoutMs / 1000}s`)), callTimeoutMs);
    });
    try {
      return await Promise.race([work(client), deadline]);
    } finally {
      clearTimeout(timer);
      client.close(); // also ends the call that lost the race
    }
  };
}
