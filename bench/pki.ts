import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { loadConfig } from '../src/config/load.js';
import { ensureCertificates } from '../src/pki/certificates.js';
import { Host } from '../src/util/host.js';
import { row, type Row } from './support.js';

const CAS = ['ca', 'front-proxy-ca', 'etcd-ca'];
const LEAVES: Array<[string, string]> = [
  ['apiserver', 'ca'], ['apiserver-kubelet-client', 'ca'], ['front-proxy-client', 'front-proxy-ca'], ['etcd-server', 'etcd-ca'],
  ['etcd-peer', 'etcd-ca'], ['etcd-healthcheck-client', 'etcd-ca'], ['apiserver-etcd-client', 'etcd-ca'],
];

/** The same keys and certificates made by openssl, one after another: 3 CAs, 7 signed certificates, the sa key pair. */
function opensslScript(algorithm: 'RSA-2048' | 'ECDSA-P256'): string {
  const key = algorithm === 'RSA-2048' ? '-newkey rsa:2048' : '-newkey ec -pkeyopt ec_paramgen_curve:P-256';
  const sa = algorithm === 'RSA-2048' ? 'openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out sa.key' : 'openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out sa.key';
  return [
    'set -e',
    ...CAS.map((ca) => `openssl req -x509 ${key} -nodes -keyout ${ca}.key -out ${ca}.crt -subj /CN=${ca} -days 3650 2>/dev/null`),
    ...LEAVES.map(([leaf, ca]) => `openssl req ${key} -nodes -keyout ${leaf}.key -out ${leaf}.csr -subj /CN=${leaf} 2>/dev/null && openssl x509 -req -in ${leaf}.csr -CA ${ca}.crt -CAkey ${ca}.key -CAcreateserial -out ${leaf}.crt -days 365 2>/dev/null`),
    `${sa} && openssl pkey -in sa.key -pubout -out sa.pub`,
  ].join('\n');
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Row 1: the full kubeadm certificate set, kubeboot against openssl in sequence. */
export async function pkiRows(runs: number): Promise<Row[]> {
  const rows: Row[] = [];
  for (const algorithm of ['ECDSA-P256', 'RSA-2048'] as const) {
    const ours: number[] = [];
    const openssl: number[] = [];
    for (let i = 0; i <= runs; i++) {
      const dir = await mkdtemp(join(tmpdir(), 'kubeboot-bench-pki-'));
      try {
        await writeFile(join(dir, 'config.yaml'), `apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\nnodeRegistration: {name: bench}\nlocalAPIEndpoint: {advertiseAddress: 10.0.0.10}\n---\napiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nencryptionAlgorithm: ${algorithm}\n`);
        const { config } = await loadConfig({ file: join(dir, 'config.yaml') });
        const ms = await timed(() => ensureCertificates(config, Host.scratch(join(dir, 'root'))));
        const shell = await timed(() => execa('bash', ['-c', opensslScript(algorithm)], { cwd: dir }));
        if (i > 0) {
          // the first round warms up (module loading, page cache)
          ours.push(ms);
          openssl.push(shell);
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
    rows.push(row(`PKI, full kubeadm set, ${algorithm}`, ours, 'ms', { name: 'openssl, one after another', values: openssl }, {
      target: algorithm === 'ECDSA-P256' ? '≤ 100 ms' : 'ratio ≤ 1.0',
    }));
  }
  return rows;
}
