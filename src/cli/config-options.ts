import { Command, Option } from 'commander';
import type { InitFlags } from '../config/init-flags.js';
import type { LoadedConfig } from '../config/load.js';
import { UsageError } from '../util/errors.js';
import { printConfigWarnings } from './config-warnings.js';

export interface ConfigOptions extends InitFlags {
  config?: string;
  rootfs?: string;
}

export const list = (value: string, previous: string[] = []): string[] => [
  ...previous,
  ...value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean),
];

export function port(value: string): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || parsed < 1 || parsed > 65535) throw new UsageError(`--apiserver-bind-port: got ${JSON.stringify(value)}, expected a port from 1 to 65535`);
  return parsed;
}

/** --config and --rootfs, which every command that reads the configuration or writes the host takes. */
export function addConfigFileOptions(command: Command): Command {
  return command
    .option('--config <file>', 'a kubeadm-format configuration file (InitConfiguration, ClusterConfiguration, KubeletConfiguration)')
    .option('--rootfs <dir>', 'treat DIR as the root of the host filesystem: every system path is written under it');
}

/** kubeadm init's flags that set configuration fields; a flag wins over --config. */
export function addInitConfigFlags(command: Command): Command {
  return command
    .option('--apiserver-advertise-address <ip>', 'the IP address the API server advertises (default: the default-route interface address)')
    .addOption(new Option('--apiserver-bind-port <port>', 'the port the API server binds to (default 6443)').argParser(port))
    .option('--apiserver-cert-extra-sans <sans>', 'extra SANs (IPs or DNS names) for the API server certificate, comma-separated', list)
    .option('--kubernetes-version <version>', 'the Kubernetes version of the control plane')
    .option('--pod-network-cidr <cidr>', 'the pod network range(s); sets the controller-manager to allocate node CIDRs')
    .option('--service-cidr <cidr>', 'the service virtual IP range(s) (default 10.96.0.0/12)')
    .option('--service-dns-domain <domain>', 'the cluster DNS domain (default cluster.local)')
    .option('--node-name <name>', "this node's name (default: the hostname, lower-cased)")
    .option('--cert-dir <dir>', 'where certificates are kept (default /etc/kubernetes/pki)')
    .option('--image-repository <repository>', 'the registry to take control-plane images from (default registry.k8s.io)')
    .option('--control-plane-endpoint <host[:port]>', 'a stable address for the control plane (a load balancer or DNS name)')
    .option('--patches <dir>', 'a folder of kubeadm patch files (target[suffix][+strategic|merge|json].yaml) applied to the manifests and the KubeletConfiguration');
}

/** kubeadm's ValidateMixedArguments: beside --config, only these flags (and --skip-*) may be given. */
const ALLOWED_WITH_CONFIG = new Set(['ignorePreflightErrors', 'dryRun', 'kubeconfig', 'nodeName', 'uploadCerts', 'printJoinCommand', 'verbose', 'output', 'force']);

/** Loads the configuration named by the options, prints its warnings, and returns it. */
export async function loadConfigFromOptions(options: ConfigOptions, keepErrors = false): Promise<LoadedConfig> {
  const { loadConfig } = await import('../config/load.js');
  const { config: file, rootfs: _rootfs, ...flags } = options;
  if (file) {
    const mixed = Object.entries(flags)
      .filter(([name, value]) => value !== undefined && !ALLOWED_WITH_CONFIG.has(name) && !name.startsWith('skip'))
      .map(([name]) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`))
      .sort();
    if (mixed.length > 0) {
      throw new UsageError(`can not mix '--config' with arguments [${mixed.join(' ')}]`, { hint: 'Set these in the configuration file instead (kubeadm allows only --node-name, --ignore-preflight-errors, --dry-run, --skip-phases and --rootfs beside --config).' });
    }
  }
  const loaded = await loadConfig({ ...(file ? { file } : {}), flags, keepErrors });
  // With keepErrors the caller reports them, with its own checks' problems.
  if (!keepErrors) printConfigWarnings(loaded.warnings);
  return loaded;
}
