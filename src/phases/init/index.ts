import type { Phase } from '../workflow.js';
import { certsPhase } from './certs.js';
import { controlPlanePhase } from './control-plane.js';
import type { InitData } from './data.js';
import { etcdPhase } from './etcd.js';
import { kubeconfigPhase } from './kubeconfig.js';
import { kubeletStartPhase } from './kubelet-start.js';
import { preflightPhase } from './preflight.js';
import { waitControlPlanePhase } from './wait-control-plane.js';
import { uploadConfigPhase } from './upload-config.js';
import { uploadCertsPhase } from './upload-certs.js';
import { markControlPlanePhase } from './mark-control-plane.js';
import { bootstrapTokenPhase } from './bootstrap-token.js';
import { kubeletFinalizePhase } from './kubelet-finalize.js';
import { addonPhase } from './addon.js';
import { showJoinCommandPhase } from './show-join-command.js';

/** `kubeboot init`'s phases, in kubeadm's order: this one list drives `init`, `init phase <name>`, `--skip-phases` and the help. */
export const initPhases: ReadonlyArray<Phase<InitData>> = [
  preflightPhase,
  certsPhase,
  kubeconfigPhase,
  etcdPhase,
  controlPlanePhase,
  kubeletStartPhase,
  waitControlPlanePhase,
  uploadConfigPhase,
  uploadCertsPhase,
  markControlPlanePhase,
  bootstrapTokenPhase,
  kubeletFinalizePhase,
  addonPhase,
  showJoinCommandPhase,
];
