import { kubeletStartPhase } from '../init/kubelet-start.js';
import { markControlPlanePhase } from '../init/mark-control-plane.js';
import { waitControlPlanePhase } from '../init/wait-control-plane.js';
import type { Phase } from '../workflow.js';
import { controlPlanePreparePhase } from './control-plane-prepare.js';
import type { JoinData } from './data.js';
import { etcdJoinPhase } from './etcd-join.js';
import { joinPreflightPhase } from './preflight.js';

/** The control-plane part of mark-control-plane, kept under kubeadm's control-plane-join group. */
const controlPlaneJoinPhase: Phase<JoinData> = {
  name: 'control-plane-join',
  short: 'Join the node as a control-plane instance: mark it',
  phases: [{ name: 'mark-control-plane', short: markControlPlanePhase.short }],
  run: (data, task) => markControlPlanePhase.run!(data, task, []),
};

/**
 * `kubeboot join --control-plane`'s phases, in kubeadm's order (v1.34, ControlPlaneKubeletLocalMode):
 * the node's files first, then the reconciler, then the etcd member, the marks, the wait. Discovery and
 * the cluster's configuration come before them: nothing is written until the cluster is trusted.
 */
export const joinPhases: ReadonlyArray<Phase<JoinData>> = [
  joinPreflightPhase,
  controlPlanePreparePhase,
  kubeletStartPhase as Phase<JoinData>,
  etcdJoinPhase,
  controlPlaneJoinPhase,
  waitControlPlanePhase as Phase<JoinData>,
];
