import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { KubebootError } from '../util/errors.js';

export interface LocalServerOptions {
  address: string;
  port: number;
  /** undefined when healthy, else why not. */
  health: () => string | undefined;
  pods: () => Promise<Pod[]>;
}

/**
 * The kubelet's local endpoints: `/healthz` (what kubeadm's kubelet-check polls on 127.0.0.1:10248) and
 * `/pods` (the read-only PodList of the static pods with their status). Bound to loopback unless the
 * KubeletConfiguration's healthzBindAddress says otherwise; `/pods` answers loopback clients only.
 */
export async function startLocalServer(options: LocalServerOptions): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/healthz') {
      const problem = options.health();
      res.writeHead(problem ? 500 : 200, { 'Content-Type': 'text/plain; charset=utf-8' }).end(problem ? `${problem}\n` : 'ok');
      return;
    }
    if (path === '/pods' || path === '/pods/') {
      // Pod specs carry commands and environment: the kubelet serves them only on its authenticated port.
      // Here they go to this machine's own clients only, whatever healthzBindAddress opens /healthz to.
      if (!isLoopback(req.socket.remoteAddress)) {
        res.writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8' }).end('forbidden: /pods is served to loopback clients only\n');
        return;
      }
      options
        .pods()
        .then((items) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: {}, items })))
        .catch((err: Error) => res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`${err.message}\n`));
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('404 page not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new KubebootError(`cannot serve /healthz on ${options.address}:${options.port} (${err.code ?? err.message})`, { hint: err.code === 'EADDRINUSE' ? 'Another kubelet (or kubeboot kubelet) uses that port: stop it, or set healthzPort in the KubeletConfiguration (0 turns the endpoint off).' : undefined })),
    );
    server.listen(options.port, options.address, () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}

/** 127.0.0.0/8, ::1, and IPv4 loopback as an IPv6-mapped address (a dual-stack socket's view of it). */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4.startsWith('127.') || address === '::1';
}
