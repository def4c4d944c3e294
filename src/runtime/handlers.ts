import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import type Docker from 'dockerode';
import type { Container, HTTPGetAction } from 'kubernetes-types/core/v1.js';

/** The outcome of a probe or hook: success, with a line for logs when it failed. */
export interface HandlerResult {
  ok: boolean;
  message: string;
}

/** A port given by number or by the name of one of the container's ports. */
export function resolvePort(port: number | string | undefined, container: Container): number | undefined {
  if (typeof port === 'number') return port;
  if (port === undefined) return undefined;
  if (/^\d+$/.test(port)) return Number(port);
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

/** Runs a command in a running container through the engine; ok when it exits 0 within the timeout. */
export async function execHandler(docker: Docker, containerId: string, command: string[], timeoutMs: number): Promise<HandlerResult> {
  const exec = await docker.getContainer(containerId).exec({ Cmd: command, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({});
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  const finished = new Promise<'done'>((resolve) => {
    stream.on('end', () => resolve('done'));
    stream.on('error', () => resolve('done'));
  });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
  const outcome = await Promise.race([finished, timedOut]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    stream.destroy();
    return { ok: false, message: `command timed out after ${timeoutMs} ms` };
  }
  const { ExitCode } = await exec.inspect();
  // Drop the engine's 8-byte frame headers to keep the text.
  const raw = Buffer.concat(chunks);
  const text: Buffer[] = [];
  for (let i = 0; i + 8 <= raw.length; i += 8 + raw.readUInt32BE(i + 4)) text.push(raw.subarray(i + 8, i + 8 + raw.readUInt32BE(i + 4)));
  const output = Buffer.concat(text).toString().trim().slice(0, 200);
  return ExitCode === 0 ? { ok: true, message: output } : { ok: false, message: `command exited ${ExitCode}${output ? `: ${output}` : ''}` };
}

/**
 * An HTTP(S) GET as the kubelet's prober makes it: HTTPS is not verified, 200–399 is success,
 * redirects are not followed (a 3xx counts as success).
 */
export function httpGetHandler(action: HTTPGetAction, host: string, port: number, timeoutMs: number): Promise<HandlerResult> {
  const https = action.scheme === 'HTTPS';
  const headers: Record<string, string> = { 'User-Agent': 'kube-probe/kubeboot', Accept: '*/*' };
  for (const header of action.httpHeaders ?? []) headers[header.name] = header.value;
  const path = action.path ? (action.path.startsWith('/') ? action.path : `/${action.path}`) : '/';
  const send = https ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const req = send({ host: action.host || host, port, path, method: 'GET', headers, timeout: timeoutMs, ...(https ? { rejectUnauthorized: false } : {}) }, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      resolve(status >= 200 && status < 400 ? { ok: true, message: `HTTP ${status}` } : { ok: false, message: `HTTP probe failed with statuscode: ${status}` });
    });
    req.on('timeout', () => {
      req.destroy();
      resolve({ ok: false, message: `Get ${https ? 'https' : 'http'}://${action.host || host}:${port}${path}: timed out after ${timeoutMs} ms` });
    });
    req.on('error', (err) => resolve({ ok: false, message: `Get ${https ? 'https' : 'http'}://${action.host || host}:${port}${path}: ${err.message}` }));
    req.end();
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
