import type { Node, Taint as NodeTaint } from 'kubernetes-types/core/v1.js';
import { isDeepStrictEqual } from 'node:util';
import { parseGoDuration } from '../../util/duration.js';
import { KubebootError } from '../../util/errors.js';
import { ApiError } from '../../util/kube-api.js';
import type { Phase } from '../workflow.js';
import { apiFailure, clusterApi } from './cluster-api.js';
import type { InitData } from './data.js';

export const CONTROL_PLANE_LABELS = { 'node-role.kubernetes.io/control-plane': '', 'node.kubernetes.io/exclude-from-external-load-balancers': '' };

const sameTaint = (a: NodeTaint, b: NodeTaint) => a.key === b.key && (a.value ?? '') === (b.value ?? '') && a.effect === b.effect;

/** The Node with kubeadm's control-plane labels and the configured taints added; nothing it had is removed. */
export function markedNode(node: Node, taints: readonly NodeTaint[]): Node {
  const present = node.spec?.taints ?? [];
  const added = taints.filter((taint) => !present.some((p) => sameTaint(p, taint)));
  return {
    ...node,
    metadata: { ...node.metadata, labels: { ...node.metadata?.labels, ...CONTROL_PLANE_LABELS } },
    spec: { ...node.spec, ...(present.length + added.length > 0 ? { taints: [...present, ...added] } : {}) },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * kubeadm's mark-control-plane: labels the Node as a control-plane node and adds nodeRegistration.taints
 * (by default node-role.kubernetes.io/control-plane:NoSchedule), merged with what the reconciler registered.
 * Waits for the reconciler to register the Node, within timeouts.kubernetesAPICall; retries on a conflict.
 */
export const markControlPlanePhase: Phase<InitData> = {
  name: 'mark-control-plane',
  short: 'Label the node as a control-plane node and add its taints',
  examples: [['kubeboot init phase mark-control-plane --config kubeboot.yaml', 'label and taint this node']],
  run: async (data, task) => {
    const api = await clusterApi(data);
    const { name, taints } = data.config.init.nodeRegistration;
    const labels = Object.keys(CONTROL_PLANE_LABELS).map((label) => `${label}=""`).join(', ');
    const taintText = taints.map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`).join(', ') || 'none';
    if (data.dryRun) {
      task.output(`would label node ${name} with ${labels} and add the taints ${taintText}`);
      return;
    }
    const path = `/api/v1/nodes/${encodeURIComponent(name)}`;
    const deadline = Date.now() + (parseGoDuration(data.config.init.timeouts.kubernetesAPICall) || 60_000);
    for (;;) {
      let node: Node | undefined;
      try {
        node = await api.find<Node>(path);
      } catch (err) {
        if (Date.now() > deadline) throw apiFailure(err, api.server);
      }
      if (node) {
        const marked = markedNode(node, taints);
        if (isDeepStrictEqual(marked, node)) {
          task.output(`node ${name} already has ${labels} and the taints ${taintText}`);
          return;
        }
        try {
          await api.replace(marked);
          task.output(`labelled node ${name} with ${labels}; taints ${taintText}`);
          return;
        } catch (err) {
          if (!(err instanceof ApiError && err.code === 409) || Date.now() > deadline) throw apiFailure(err, api.server);
          continue; // the reconciler wrote the Node meanwhile: read it again
        }
      }
      if (Date.now() > deadline) {
        throw new KubebootError(`node ${name} was not registered within ${data.config.init.timeouts.kubernetesAPICall}`, { hint: 'The reconciler registers it: is it running? kubeboot ps; its log names the API server error' });
      }
      await sleep(500);
    }
  },
};
