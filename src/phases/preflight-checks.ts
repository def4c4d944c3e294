import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { controlPlaneImages } from '../config/images.js';
import type { KubebootConfig } from '../config/types.js';
import { hostView } from '../render/write-manifests.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import { COMPONENTS } from '../util/constants.js';
import type { Host } from '../util/host.js';
import { componentEndpoints, kubeletHealthz } from './endpoints.js';

export interface CheckResult {
  /** kubeadm's check name, as --ignore-preflight-errors matches it. */
  name: string;
  severity: 'error' | 'warning';
  message: string;
}

export interface PreflightContext {
  config: KubebootConfig;
  /** The machine (under --rootfs): what exists there already. */
  host: Host;
  runtime: ContainerRuntime;
  /** The images init needs that the engine does not have (filled by the ImagePull check). */
  missingImages?: string[];
  /** What the CRI check found: the engine and its version. */
  engine?: string;
}

export interface Check {
  name: string;
  run: (context: PreflightContext) => Promise<CheckResult[]>;
}

const error = (name: string, message: string): CheckResult => ({ name, severity: 'error', message });
const warning = (name: string, message: string): CheckResult => ({ name, severity: 'warning', message });

/** Whether something already listens on the port (on any address). */
function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'EADDRINUSE' || err.code === 'EACCES'));
    server.listen({ port, host: '::', ipv6Only: false, exclusive: true }, () => server.close(() => resolve(false)));
  });
}

/** The ports init's components and reconciler will listen on: the ones the configuration moved, too. */
export function controlPlanePorts(config: KubebootConfig, host: Host): number[] {
  const ports = componentEndpoints(config, hostView(host)).flatMap((e) => e.ports);
  const healthz = kubeletHealthz(config);
  if (healthz) ports.push(healthz.port);
  return [...new Set(ports)].sort((a, b) => a - b);
}

/** kubeadm's checks for `init` on a control-plane node, as kubeboot runs them (checks.go, section f of the reference). */
export const checks: Check[] = [
  {
    name: 'IsPrivilegedUser',
    run: async ({ host }) => (host.rootfs || process.getuid?.() === 0 ? [] : [error('IsPrivilegedUser', 'user is not running as root; run as root, or try kubeboot in a throw-away folder with --rootfs DIR')]),
  },
  {
    name: 'CRI',
    run: async (context) => {
      try {
        await context.runtime.connect();
        context.engine = await context.runtime.describe();
        return [];
      } catch (err) {
        const { message, hint } = err as { message: string; hint?: string };
        return [error('CRI', hint ? `${message}; ${hint}` : `no container engine answers at ${context.runtime.endpoint} (${message}); start Docker or set DOCKER_HOST`)];
      }
    },
  },
  {
    name: 'Port',
    run: async ({ config, host }) => {
      const results: CheckResult[] = [];
      for (const port of controlPlanePorts(config, host)) {
        if (await portInUse(port)) results.push(error(`Port-${port}`, `Port ${port} is in use`));
      }
      return results;
    },
  },
  {
    name: 'FileAvailable',
    run: async ({ config, host }) => {
      const results: CheckResult[] = [];
      for (const component of COMPONENTS) {
        const path = join(config.kubelet.staticPodPath, `${component}.yaml`);
        const exists = await host.exists(path);
        if (exists) results.push(error(`FileAvailable-${path.replace(/\//g, '-')}`, `${path} already exists: run kubeboot reset to undo an earlier init`));
      }
      return results;
    },
  },
  {
    name: 'DirAvailable',
    run: async ({ config, host }) => {
      const dataDir = config.cluster.etcd.external ? undefined : config.cluster.etcd.local?.dataDir;
      if (!dataDir) return [];
      const entries = await host.list(dataDir);
      return entries.length > 0 ? [error(`DirAvailable-${dataDir.replace(/\//g, '-')}`, `${dataDir} is not empty: run kubeboot reset to undo an earlier init`)] : [];
    },
  },
  {
    name: 'ImagePull',
    run: async (context) => {
      const missing: string[] = [];
      for (const { component, image } of controlPlaneImages(context.config.cluster)) {
        if (component === 'pause' && !context.runtime.usesSandboxImage) continue;
        const present = await context.runtime.imagePresent(image);
        if (!present) missing.push(image);
      }
      context.missingImages = missing;
      return [];
    },
  },
  {
    name: 'Swap',
    run: async () => {
      const swaps = await readFile('/proc/swaps', 'utf8').catch(() => '');
      return swaps.trim().split('\n').length > 1 ? [warning('Swap', 'swap is on: the kubelet expects it off unless failSwapOn is false; kubeboot runs regardless')] : [];
    },
  },
  {
    name: 'Mem',
    run: async () => {
      const mb = Math.floor(totalmem() / 1024 / 1024);
      return mb < 1700 ? [error('Mem', `the system RAM (${mb} MB) is less than the minimum 1700 MB`)] : [];
    },
  },
  {
    name: 'NumCPU',
    run: async () => (cpus().length < 2 ? [error('NumCPU', `the number of available CPUs ${cpus().length} is less than the required 2`)] : []),
  },
];

/** Whether `--ignore-preflight-errors` (names, case-insensitive, or `all`) covers a check. */
export function ignored(name: string, ignore: readonly string[]): boolean {
  const list = ignore.map((item) => item.toLowerCase());
  return list.includes('all') || list.includes(name.toLowerCase());
}
