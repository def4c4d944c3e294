import { request as httpRequest, type Agent } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import type { Container, HTTPGetAction } from 'kubernetes-types/core/v1.js';
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

/**
 * An HTTP(S) GET as the kubelet's prober makes it: HTTPS is not verified, 200–399 is success, and
 * redirects are not followed (a 3xx counts as success). Without `agent`, one connection that is closed
 * after the answer (the prober's DisableKeepAlives; Node's global agent would keep it, and a server
 * that shuts down gracefully waits for kept connections until the grace period's SIGKILL). With one,
 * the caller keeps the connection and must drop it before the container is stopped (ContainerProber);
 * a kept connection the server has closed meanwhile is retried once on a connection of its own, closed
 * after the answer (were the kept one dropped by the caller, a new one on its agent would outlive it).
 */
export function httpGetHandler(action: HTTPGetAction, host: string, port: number, timeoutMs: number, agent?: Agent): Promise<HandlerResult> {
  const https = action.scheme === 'HTTPS';
  const headers: Record<string, string> = { 'User-Agent': 'kube-probe/kubeboot', Accept: '*/*' };
  for (const header of action.httpHeaders ?? []) headers[header.name] = header.value;
  const path = action.path ? (action.path.startsWith('/') ? action.path : `/${action.path}`) : '/';
  const url = `${https ? 'https' : 'http'}://${action.host || host}:${port}${path}`;
  const send = https ? httpsRequest : httpRequest;
  const attempt = (kept: Agent | undefined): Promise<HandlerResult> =>
    new Promise((resolve) => {
      const options = { host: action.host || host, port, path, method: 'GET', headers: kept ? headers : { ...headers, Connection: 'close' }, agent: kept ?? false, timeout: timeoutMs };
      const req = send({ ...options, ...(https ? { rejectUnauthorized: false } : {}) }, (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        resolve(status >= 200 && status < 400 ? { ok: true, message: `HTTP ${status}` } : { ok: false, message: `HTTP probe failed with statuscode: ${status}` });
      });
      req.on('timeout', () => {
        req.destroy();
        resolve({ ok: false, message: `Get ${url}: timed out after ${timeoutMs} ms` });
      });
      req.on('error', (err) => {
        if (kept && req.reusedSocket) resolve(attempt(undefined));
        else resolve({ ok: false, message: `Get ${url}: ${err.message}` });
      });
      req.end();
    });
  return attempt(agent);
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
