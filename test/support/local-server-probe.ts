// Run inside a network namespace the test made (see local-server.test.ts): starts the reconciler's
// local server on the given address and asks it for /healthz and /pods, printing what came back as JSON.
import { request } from 'node:http';
import { startLocalServer } from '../../src/reconciler/local-server.js';

const address = process.argv[2]!;
const get = (port: number, path: string) =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ host: address, port, path, localAddress: address }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk)).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject).end();
  });
const { server, port } = await startLocalServer({ address, port: 0, health: () => undefined, pods: async () => [{ metadata: { name: 'secret-bearer' }, spec: { containers: [{ name: 'c', env: [{ name: 'TOKEN', value: 's3cret' }] }] } }] });
const result = { healthz: await get(port, '/healthz'), pods: await get(port, '/pods') };
server.close();
process.stdout.write(JSON.stringify(result));
