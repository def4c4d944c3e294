import { request } from 'node:http';

/**
 * The engine's read calls that `kubeboot ps`, `kubeboot logs` and the reconciler's relist make (ping,
 * list, inspect, logs without follow), as plain GETs over its unix socket. dockerode does them too, but
 * loading it was 70 of the 300 ms a `kubeboot ps` took (CPU profile on this project's machine; the
 * "CLI" rows of `npm run bench`), so these calls do not load it; everything else still goes through
 * dockerode (docker-runtime.ts), loaded on first use.
 */
export class EngineReads {
  constructor(private readonly socketPath: string) {}

  /** The body of a GET; an answer of 400 or more rejects with its statusCode, as dockerode's errors carry it. */
  get(path: string): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const req = request({ socketPath: this.socketPath, path, method: 'GET', headers: { Host: 'docker' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          const status = res.statusCode ?? 0;
          if (status < 400) return resolve(body);
          let message = body.toString().trim();
          try {
            message = (JSON.parse(message) as { message?: string }).message ?? message;
          } catch {
            // a plain-text answer: kept as it is
          }
          reject(Object.assign(new Error(`(HTTP code ${status}) ${message}`), { statusCode: status }));
        });
      });
      req.on('error', reject);
      req.end();
    });
  }

  async json<T>(path: string): Promise<T> {
    return JSON.parse((await this.get(path)).toString()) as T;
  }
}

/** A query string as the engine reads it: objects (filters) as JSON. */
export function query(values: Record<string, string | number | boolean | object | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) continue;
    params.set(key, typeof value === 'object' ? JSON.stringify(value) : String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** The socket an endpoint names: `unix:///path` (the kubelet flag), DOCKER_HOST, else the standard one; undefined for tcp:// and the like. */
export function socketOf(endpoint: string | undefined): string | undefined {
  const value = endpoint ?? process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
  return value.startsWith('unix://') ? value.slice('unix://'.length) : undefined;
}
