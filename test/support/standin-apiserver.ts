import { mkdir, symlink } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { ApiClient, readKubeconfig } from '../../src/util/kube-api.js';
import { eventually } from './docker.js';
import { tempDir } from './temp.js';

const STANDIN = new URL('../standins/standin.cjs', import.meta.url).pathname;

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * The kube-apiserver STAND-IN (test/standins, the same code as in the stand-in image) run as a host
 * process in front of a real etcd (Debian's, as a host process too), with the PKI of a kubeboot root
 * (`init phase certs` and `init phase kubeconfig super-admin` made it). Tests read what was stored through
 * the API as an admin (`admin`), with `etcdctl`, and the requests it served (`requests()`).
 */
export class StandinApiServer {
  private apiserver: ResultPromise | undefined;
  private readonly lines: string[] = [];
  admin!: ApiClient;

  private constructor(private readonly root: string, readonly port: number, private readonly etcd: ResultPromise, readonly etcdEndpoint: string, private readonly bin: string) {}

  /** etcd and the API server on 127.0.0.1:`port`, both answering. */
  static async start(root: string, port: number): Promise<StandinApiServer> {
    const pki = join(root, 'etc/kubernetes/pki');
    const [clientPort, peerPort] = [await freePort(), await freePort()];
    const data = await tempDir();
    const endpoint = `https://127.0.0.1:${clientPort}`;
    const etcd = execa('etcd', [
      '--name=standin', `--data-dir=${join(data, 'etcd')}`, `--listen-client-urls=${endpoint}`, `--advertise-client-urls=${endpoint}`,
      `--listen-peer-urls=http://127.0.0.1:${peerPort}`, `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`, `--initial-cluster=standin=http://127.0.0.1:${peerPort}`,
      `--cert-file=${pki}/etcd/server.crt`, `--key-file=${pki}/etcd/server.key`, `--trusted-ca-file=${pki}/etcd/ca.crt`, '--client-cert-auth=true',
    ], { reject: false, stdin: 'ignore', stdout: 'ignore', stderr: 'ignore', cleanup: true });
    const bin = join(data, 'bin');
    await mkdir(bin);
    await symlink(STANDIN, join(bin, 'kube-apiserver')); // the stand-in knows its part by the name it is run as
    const server = new StandinApiServer(root, port, etcd, endpoint, bin);
    await server.startApiServer();
    return server;
  }

  async startApiServer(): Promise<void> {
    const pki = join(this.root, 'etc/kubernetes/pki');
    this.apiserver = execa('node', [
      join(this.bin, 'kube-apiserver'), '--advertise-address=127.0.0.1', '--bind-address=127.0.0.1', `--secure-port=${this.port}`,
      `--tls-cert-file=${pki}/apiserver.crt`, `--tls-private-key-file=${pki}/apiserver.key`, `--client-ca-file=${pki}/ca.crt`,
      `--kubelet-client-certificate=${pki}/apiserver-kubelet-client.crt`, `--kubelet-client-key=${pki}/apiserver-kubelet-client.key`,
      `--proxy-client-cert-file=${pki}/front-proxy-client.crt`, `--proxy-client-key-file=${pki}/front-proxy-client.key`, `--requestheader-client-ca-file=${pki}/front-proxy-ca.crt`,
      `--etcd-servers=${this.etcdEndpoint}`, `--etcd-cafile=${pki}/etcd/ca.crt`, `--etcd-certfile=${pki}/apiserver-etcd-client.crt`, `--etcd-keyfile=${pki}/apiserver-etcd-client.key`,
      `--service-account-key-file=${pki}/sa.pub`, `--service-account-signing-key-file=${pki}/sa.key`, '--v=4',
    ], { reject: false, stdin: 'ignore', all: true, buffer: false, cleanup: true });
    this.apiserver.all?.on('data', (chunk: Buffer) => this.lines.push(...chunk.toString().split('\n').filter(Boolean)));
    this.admin = new ApiClient({ ...readKubeconfig(join(this.root, 'etc/kubernetes/super-admin.conf')), server: `https://127.0.0.1:${this.port}` });
    await eventually('the stand-in API server answers', async () => (await this.admin.find('/api/v1/namespaces/kube-system')) !== undefined || undefined, 60_000, 200).catch((err: Error) => {
      throw new Error(`${err.message}\n${this.log()}`);
    });
  }

  async stopApiServer(): Promise<void> {
    this.admin?.close();
    this.apiserver?.kill('SIGTERM');
    await this.apiserver;
  }

  log(): string {
    return this.lines.join('\n');
  }

  /** The requests served, as "<METHOD> <path> as <user>". */
  requests(): string[] {
    return this.lines.map((line) => /kube-apiserver \(kubeboot stand-in\): ((?:GET|POST|PUT|PATCH|DELETE) .*)$/.exec(line)?.[1]).filter((r): r is string => r !== undefined);
  }

  /** `etcdctl` against this etcd with the API server's etcd client certificate. */
  async etcdctl(...args: string[]): Promise<string> {
    const pki = join(this.root, 'etc/kubernetes/pki');
    const result = await execa('etcdctl', [`--endpoints=${this.etcdEndpoint}`, `--cacert=${pki}/etcd/ca.crt`, `--cert=${pki}/apiserver-etcd-client.crt`, `--key=${pki}/apiserver-etcd-client.key`, ...args], { env: { ETCDCTL_API: '3' } });
    return result.stdout;
  }

  async close(): Promise<void> {
    await this.stopApiServer();
    this.etcd.kill('SIGTERM');
    await this.etcd;
  }
}
