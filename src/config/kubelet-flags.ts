import { KubebootError } from '../util/errors.js';
import type { Host } from '../util/host.js';

/**
 * kubeadm's /var/lib/kubelet/kubeadm-flags.env: the node's own kubelet flags that have no place in the
 * KubeletConfiguration (kubeadm: --container-runtime-endpoint, --pod-infra-container-image), read by the
 * kubelet's systemd drop-in. kubeboot writes its runtime flags there too, and `ps`, `logs` and `reset`
 * read them back, so that they find the containers of a node that runs the process runtime without flags.
 */
export const KUBELET_FLAGS_FILE = '/var/lib/kubelet/kubeadm-flags.env';

/** The file's text: `KUBELET_KUBEADM_ARGS="--name=value ..."`, as kubeadm writes it. */
export function renderKubeletFlags(flags: Record<string, string>): string {
  const parts = Object.entries(flags).map(([name, value]) => {
    // The systemd drop-in splits the variable at spaces and takes quotes literally: such a value cannot be kept.
    if (/[\s"'\\$`]/.test(value)) throw new KubebootError(`--${name}: ${JSON.stringify(value)} cannot be kept in ${KUBELET_FLAGS_FILE} (no spaces, quotes, backslashes, $ or \`)`);
    return `--${name}=${value}`;
  });
  return `KUBELET_KUBEADM_ARGS="${parts.join(' ')}"\n`;
}

/** The flags of the file, by name (empty when there is no file). */
export function parseKubeletFlags(text: string): Record<string, string> {
  const line = /^KUBELET_KUBEADM_ARGS="([^"]*)"\s*$/m.exec(text)?.[1] ?? '';
  const flags: Record<string, string> = {};
  for (const part of line.split(/\s+/)) {
    const match = /^--([^=]+)=(.*)$/.exec(part);
    if (match) flags[match[1]!] = match[2]!;
  }
  return flags;
}

export async function readKubeletFlags(host: Host): Promise<Record<string, string>> {
  return parseKubeletFlags((await host.read(KUBELET_FLAGS_FILE).catch(() => undefined)) ?? '');
}
