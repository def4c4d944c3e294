import { request as httpsRequest } from 'node:https';
import { PassThrough } from 'node:stream';
import type { KubebootConfig } from '../config/types.js';
import { containerLogs } from '../runtime/logs.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import { podRow } from '../runtime/pod-status.js';
import type { Host } from '../util/host.js';
import type { ComponentName } from './endpoints.js';
import { etcdCaller } from './etcd-client.js';

/** One try of a health check: undefined when healthy, else what is wrong. */
export type Probe = () => Promise<string | undefined>;

/** Tries `probe` every 500 ms (kubeadm's interval) until it passes or `timeoutMs` runs out. */
export async function waitHealthy(probe: Probe, timeoutMs: number, signal?: AbortSignal): Promise<{ ok: boolean; elapsedMs: number; problem?: string }> {
  const start = Date.now();
  let problem: string | undefined;
  for (;;) {
    problem = await probe().catch((err: Error) => err.message);
    if (problem === undefined) return { ok: true, elapsedMs: Date.now() - start };
    if (Date.now() - start >= timeoutMs || signal?.aborted) return { ok: false, elapsedMs: Date.now() - start, problem };
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** GET over HTTPS: 200 is healthy. With `ca`, the server's certificate is verified against it. */
export function httpsProbe(url: string, ca?: string): Probe {
  return () =>
    new Promise((resolve) => {
      const req = httpsRequest(url, { method: 'GET', timeout: 5000, ...(ca ? { ca } : { rejectUnauthorized: false }) }, (res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve(res.statusCode === 200 ? undefined : `${url} answered ${res.statusCode}: ${body.trim().slice(0, 200)}`));
      });
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', (err) => resolve(`${url}: ${err.message}`));
      req.end();
    });
}

export function httpProbe(url: string): Probe {
  return async () => {
    const response = await fetch(url, { signal: AbortSignal.timeout(5000) }).catch((err: Error & { cause?: Error }) => err.cause?.message ?? err.message);
    if (typeof response === 'string') return `${url}: ${response}`;
    const body = (await response.text()).trim();
    return response.status === 200 ? undefined : `${url} answered ${response.status}: ${body.slice(0, 200)}`;
  };
}

/** etcd's health over mTLS with the healthcheck-client certificate, as kubeadm's etcd client checks it (etcd3). */
export async function etcdProbe(config: KubebootConfig, host: Host, clientUrl: string): Promise<Probe> {
  const call = await etcdCaller(config, host, 3000);
  return () =>
    call([clientUrl], (client) => client.maintenance.status()).then(
      () => undefined,
      (err: Error) => `${clientUrl}: ${err.message}`,
    );
}

/**
 * What to tell a user whose component did not come up: its container's state and restart count and
 * the last lines of its log, from the engine — not a generic hint.
 */
export async function diagnose(runtime: ContainerRuntime, node: string, component: ComponentName, lines = 20): Promise<string> {
  const pods = await runtime.listPods({ node }).catch(() => undefined);
  const pod = [...(pods?.values() ?? [])].find((p) => p.name === `${component}-${node}`);
  if (!pod) return `no ${component} pod runs on node ${node}: is the reconciler running? (kubeboot ps --node-name ${node}; its log: /var/log/kubeboot/kubelet.log)`;
  const row = podRow(pod);
  const container = row.containers.find((c) => !c.init);
  const state = container ? `${container.state}${container.reason ? ` (${container.reason}${container.exitCode !== undefined ? `, exit code ${container.exitCode}` : ''})` : ''}` : 'no container';
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (chunk: Buffer) => chunks.push(chunk));
  await containerLogs(runtime, { pod: pod.name, node, tail: lines }, { stdout: out, stderr: out }).catch(() => undefined);
  let log = Buffer.concat(chunks).toString().trimEnd();
  if (!log && row.restarts > 0) {
    chunks.length = 0;
    await containerLogs(runtime, { pod: pod.name, node, tail: lines, previous: true }, { stdout: out, stderr: out }).catch(() => undefined);
    log = Buffer.concat(chunks).toString().trimEnd();
  }
  return `pod ${pod.name}: ${row.status}, container ${state}, ${row.restarts} restarts\n${log ? `last ${lines} log lines:\n${log.replace(/^/gm, '    ')}` : '(no log lines)'}\nMore: kubeboot logs ${pod.name} [--previous]`;
}
