import type { KubebootConfig } from '../config/types.js';
import { KUBELET_HEALTHZ_PORT, type ComponentName } from '../util/constants.js';
import { componentPods, type ComponentPod, type HostView } from '../render/components.js';
import { applyPatches, type PatchSet } from '../render/patches.js';
import { renderPodDocument } from '../render/render.js';
import { hostView } from '../render/write-manifests.js';
import type { Host } from '../util/host.js';
import { join } from 'node:path';
import { parse } from 'yaml';

export type { ComponentName };

export interface ComponentEndpoint {
  component: ComponentName;
  /** The health URL kubeadm's control-plane-check polls (etcd: its client URL). */
  url: string;
  /** Every TCP port the component listens on (for preflight). */
  ports: number[];
}

/** `--name=value` flags of a command line. */
export function flagsOf(command: readonly string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (const part of command) {
    const match = /^--([^=]+)=(.*)$/s.exec(part);
    if (match) flags.set(match[1]!, match[2]!);
  }
  return flags;
}

const bracket = (host: string) => (host.includes(':') ? `[${host}]` : host);

function portsOfUrls(list: string | undefined): number[] {
  return (list ?? '')
    .split(',')
    .filter(Boolean)
    .map((url) => Number(new URL(url).port))
    .filter((port) => port > 0);
}

function endpointOf(component: ComponentName, command: readonly string[]): ComponentEndpoint {
  const flags = flagsOf(command);
  switch (component) {
    case 'etcd': {
      const client = (flags.get('advertise-client-urls') ?? 'https://127.0.0.1:2379').split(',')[0]!;
      const ports = [...new Set([...portsOfUrls(flags.get('listen-client-urls')), ...portsOfUrls(flags.get('listen-peer-urls')), ...portsOfUrls(flags.get('listen-metrics-urls'))])];
      return { component: 'etcd', url: client, ports };
    }
    case 'kube-apiserver': {
      const port = Number(flags.get('secure-port') ?? 6443);
      return { component: 'kube-apiserver', url: `https://${bracket(flags.get('advertise-address') ?? '127.0.0.1')}:${port}/livez`, ports: [port] };
    }
    case 'kube-controller-manager': {
      const port = Number(flags.get('secure-port') ?? 10257);
      return { component: 'kube-controller-manager', url: `https://${bracket(flags.get('bind-address') ?? '127.0.0.1')}:${port}/healthz`, ports: [port] };
    }
    case 'kube-scheduler': {
      const port = Number(flags.get('secure-port') ?? 10259);
      return { component: 'kube-scheduler', url: `https://${bracket(flags.get('bind-address') ?? '127.0.0.1')}:${port}/livez`, ports: [port] };
    }
  }
}

/**
 * Where each control-plane component listens and answers, read from the command lines init renders (as
 * kubeadm does) — after the user's patches, which may move an address or a port.
 */
export function componentEndpoints(config: KubebootConfig, host: HostView, patches?: PatchSet): ComponentEndpoint[] {
  return componentPods(config, host).map((pod: ComponentPod) => {
    if (!patches) return endpointOf(pod.component, pod.command);
    const patched = applyPatches(patches, pod.component, renderPodDocument(pod)).object as { spec?: { containers?: Array<{ command?: string[] }> } };
    return endpointOf(pod.component, patched.spec?.containers?.[0]?.command ?? pod.command);
  });
}

/**
 * The endpoints of the manifests as written (what the reconciler runs: patched, a joining etcd's flags
 * included); a component whose manifest is not there is rendered, as componentEndpoints does.
 */
export async function writtenComponentEndpoints(config: KubebootConfig, host: Host, patches?: PatchSet): Promise<ComponentEndpoint[]> {
  const pods = componentPods(config, hostView(host));
  const written = await Promise.all(pods.map((pod) => host.read(join(config.kubelet.staticPodPath, `${pod.component}.yaml`)).catch(() => undefined)));
  const commandOf = (text: string | undefined) => {
    try {
      const command = text === undefined ? undefined : (parse(text) as { spec?: { containers?: Array<{ command?: unknown }> } }).spec?.containers?.[0]?.command;
      return Array.isArray(command) ? (command as string[]) : undefined;
    } catch {
      return undefined;
    }
  };
  const commands = written.map(commandOf);
  const rendered = commands.some((c) => c === undefined) ? componentEndpoints(config, hostView(host), patches) : [];
  return pods.map((pod, i) => (commands[i] ? endpointOf(pod.component, commands[i]!) : rendered[i]!));
}

/** The reconciler's /healthz, from the KubeletConfiguration (port 0: off). */
export function kubeletHealthz(config: KubebootConfig): { url: string; port: number } | undefined {
  const port = typeof config.kubelet.healthzPort === 'number' ? config.kubelet.healthzPort : KUBELET_HEALTHZ_PORT;
  const address = typeof config.kubelet.healthzBindAddress === 'string' && config.kubelet.healthzBindAddress ? config.kubelet.healthzBindAddress : '127.0.0.1';
  return port > 0 ? { url: `http://${bracket(address)}:${port}/healthz`, port } : undefined;
}
