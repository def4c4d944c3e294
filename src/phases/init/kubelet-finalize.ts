import type { Phase } from '../workflow.js';
import type { InitData } from './data.js';

const WHY = "kubeboot's reconciler authenticates with the client certificate embedded in kubelet.conf and does not rotate it (kubeboot certs renew kubelet.conf does): there is no kubelet-client-current.pem to point kubelet.conf at";

/**
 * kubeadm's kubelet-finalize points kubelet.conf at the kubelet's rotated client certificate
 * (/var/lib/kubelet/pki/kubelet-client-current.pem) once TLS bootstrap made one. kubeboot's reconciler is
 * not a TLS-bootstrapped kubelet: the phase is kept so that phase names and --skip-phases match
 * kubeadm's, and says why it does nothing.
 */
export const kubeletFinalizePhase: Phase<InitData> = {
  name: 'kubelet-finalize',
  short: "Update kubelet.conf for the kubelet's rotated client certificate (nothing to do for kubeboot's reconciler)",
  phases: [{ name: 'enable-client-cert-rotation', short: 'Point kubelet.conf at kubelet-client-current.pem' }],
  skipIf: () => WHY,
};
