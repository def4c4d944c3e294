import { ensureCertificates } from '../../pki/certificates.js';
import { certificateSpecs } from '../../pki/spec.js';
import { CERTIFICATE_NAMES } from '../../util/constants.js';
import type { Phase } from '../workflow.js';
import type { InitData } from './data.js';

const SHORT: Record<(typeof CERTIFICATE_NAMES)[number], string> = {
  ca: 'the self-signed Kubernetes CA',
  apiserver: 'the certificate for serving the Kubernetes API',
  'apiserver-kubelet-client': 'the certificate for the API server to connect to kubelets',
  'front-proxy-ca': 'the self-signed CA for the front proxy',
  'front-proxy-client': 'the certificate for the front proxy client',
  'etcd-ca': 'the self-signed CA for etcd',
  'etcd-server': 'the certificate for serving etcd',
  'etcd-peer': 'the certificate for etcd nodes to talk to each other',
  'etcd-healthcheck-client': 'the certificate for liveness probes to check etcd',
  'apiserver-etcd-client': 'the certificate the API server uses to reach etcd',
  sa: 'the key pair that signs service account tokens',
};

/**
 * kubeadm's certs phase. Its children name the files; the phase handles the selected ones at once, so
 * that every existing file is checked before anything is written.
 */
export const certsPhase: Phase<InitData> = {
  name: 'certs',
  short: 'Certificate generation (existing valid ones are kept)',
  phases: CERTIFICATE_NAMES.map((name) => ({ name, short: `Generate ${SHORT[name]}` })),
  examples: [
    ['kubeboot init phase certs --config kubeboot.yaml', 'every certificate'],
    ['kubeboot init phase certs apiserver --apiserver-cert-extra-sans lb.example.com', 'only the API server certificate (its CA must exist)'],
  ],
  run: async (data, task, selected) => {
    // With external etcd, etcd's certificates are not kubeboot's to make.
    const applicable = new Set([...certificateSpecs(data.config).map((spec) => spec.name), 'sa']);
    const only = selected.filter((name) => applicable.has(name));
    const results = await ensureCertificates(data.config, data.host, { only });
    task.output(
      [`Using certificateDir folder "${data.config.cluster.certificatesDir}"`, ...results.map((r) => {
        const what = r.name === 'sa' ? '"sa" key and public key' : `"${r.name}" certificate and key`;
        return `${{ created: 'Generating', reused: 'Using existing', external: 'Using existing externally managed' }[r.action]} ${what}`;
      })].join('\n'),
    );
  },
};
