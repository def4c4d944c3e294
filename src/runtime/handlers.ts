import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import type { Container, HTTPGetAction } from 'kubernetes-types/core/v1.js';
import { requestHead, StaleConnection, type KeptHttpConnection } from './kept-http.js';
import type { ExecResult } from './runtime.js';

/** The outcome of a probe or hook: success, with a line for logs when it failed. */
export type HandlerResult = ExecResult;

/** A port given by number or by the name of one of the container's ports. */
export function resolvePort(port: number | string | undefined, container: Container): number | undefined {
  if (typeof port === 'number') return port;
  if (port === undefined) return undefined;
  if (/^\d+$/.test(port)) return Number(port);
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

/** Where a caller keeps connections for repeated HTTP probes (one per scheme, host and port). */
export interface KeptConnections {
  for(https: boolean, host: string, port: number): KeptHttpConnection;
}

/**
 * An HTTP(S) GET as the kubelet's prober makes it: HTTPS is not verified, 200–399 is success, and
 * redirects are not followed (a 3xx counts as success). Without `kept`, one connection that is closed
 * after the answer (the prober's DisableKeepAlives; a server that shuts down gracefully waits for kept
 * connections until the grace period's SIGKILL). With it, the caller keeps the connection and must close
 * it before the container is stopped (ContainerProber); a kept connection the server has closed
 * meanwhile is retried once on a connection of its own, closed after the answer.
 */
export async function httpGetHandler(action: HTTPGetAction, host: string, port: number, timeoutMs: number, kept?: KeptConnections): Promise<HandlerResult> {
  const https = action.scheme === 'HTTPS';
  const target = action.host || host;
  const path = action.path ? (action.path.startsWith('/') ? action.path : `/${action.path}`) : '/';
  const url = `${https ? 'https' : 'http'}://${target}:${port}${path}`;
  const verdict = (status: number): HandlerResult => (status >= 200 && status < 400 ? { ok: true, message: `HTTP ${status}` } : { ok: false, message: `HTTP probe failed with statuscode: ${status}` });
  if (kept) {
    try {
      const head = requestHead(target, port, path, (action.httpHeaders ?? []).map((h) => [h.name, h.value]));
      return verdict(await kept.for(https, target, port).get(head, timeoutMs));
    } catch (err) {
      if (!(err instanceof StaleConnection)) return { ok: false, message: `Get ${url}: ${(err as Error).message}` };
    }
  }
  const headers: Record<string, string> = { 'User-Agent': 'kube-probe/kubeboot', Accept: '*/*' };
  for (const header of action.httpHeaders ?? []) headers[header.name] = header.value;
  headers.Connection = 'close';
  const send = https ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const options = { host: target, port, path, method: 'GET', headers, agent: false, timeout: timeoutMs };
    try {
      const req = send({ ...options, ...(https ? { rejectUnauthorized: false } : {}) }, (res) => {
        res.resume();
        resolve(verdict(res.statusCode ?? 0));
      });
      req.on('timeout', () => {
        req.destroy();
        resolve({ ok: false, message: `Get ${url}: timed out after ${timeoutMs} ms` });
      });
      req.on('error', (err) => resolve({ ok: false, message: `Get ${url}: ${err.message}` }));
      req.end();
    } catch (err) {
      resolve({ ok: false, message: `Get ${url}: ${(err as Error).message}` }); // a header or path Node refuses
    }
  });
}

/** A TCP connect within the timeout. */
export function tcpHandler(host: string, port: number, timeoutMs: number): Promise<HandlerResult> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    socket.once('connect', () => {
      socket.destroy();
      resolve({ ok: true, message: 'connected' });
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve({ ok: false, message: `dial tcp ${host}:${port}: timed out after ${timeoutMs} ms` });
    });
    socket.once('error', (err) => resolve({ ok: false, message: `dial tcp ${host}:${port}: ${err.message}` }));
  });
}
