import { spawn } from 'node:child_process';
import { mkdir, open, readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { RECONCILER_LOGFILE as LOGFILE, RECONCILER_PIDFILE as PIDFILE } from '../util/constants.js';
import type { Host } from '../util/host.js';

/** Where a detached reconciler (no systemd, or a --rootfs) keeps its pid and log, under the rootfs. */
export { LOGFILE, PIDFILE };

export interface ReconcilerProcess {
  pid: number;
  reused: boolean;
  /** The log file on this machine. */
  logFile: string;
}

async function alive(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A recycled pid would be another program: check it is a kubeboot reconciler.
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return cmdline.split('\0').includes('kubelet');
}

/** The running reconciler the pidfile names, if it is still there and for this node. */
export async function runningReconciler(host: Host, node?: string): Promise<number | undefined> {
  const text = await host.read(PIDFILE).catch(() => undefined);
  const pid = Number(text?.trim());
  if (!Number.isInteger(pid) || pid <= 0 || !(await alive(pid))) return undefined;
  if (node) {
    const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0');
    const at = cmdline.indexOf('--hostname-override');
    if (at >= 0 && cmdline[at + 1] !== node) return undefined;
  }
  return pid;
}

export interface StartOptions {
  host: Host;
  node: string;
  /** The KubeletConfiguration as the system sees it (under --rootfs). */
  configPath: string;
  sandboxImage: string;
  /** The node's runtime flags (`container-runtime` → `process`, ...), passed on as they are. */
  runtimeFlags?: Record<string, string>;
}

/**
 * The command line of the reconciler init starts: the kubeboot that runs now, with the same Node.js
 * flags, so a source checkout works as the build does.
 */
export function reconcilerCommand(options: StartOptions): string[] {
  return [
    process.execPath,
    ...process.execArgv,
    resolve(process.argv[1]!),
    'kubelet',
    '--config', options.host.path(options.configPath),
    '--hostname-override', options.node,
    '--pod-infra-container-image', options.sandboxImage,
    ...Object.entries(options.runtimeFlags ?? {}).flatMap(([name, value]) => [`--${name}`, value]),
    ...(options.host.rootfs ? ['--rootfs', options.host.rootfs] : []),
  ];
}

/**
 * Starts `kubeboot kubelet` detached from this process, with a pidfile and a log file under the rootfs
 * (the kubeboot that runs now, with the same Node.js flags, so a source checkout works as the build does).
 * A reconciler the pidfile names that still runs for this node is reused.
 */
export async function startReconciler(options: StartOptions): Promise<ReconcilerProcess> {
  const logFile = options.host.path(LOGFILE);
  const existing = await runningReconciler(options.host, options.node);
  if (existing) return { pid: existing, reused: true, logFile };
  // The log says what every pod runs and why it failed: root's to read (0600 in a 0700 folder), as /var/log/pods is not the world's.
  await mkdir(dirname(logFile), { recursive: true, mode: 0o700 });
  const log = await open(logFile, 'a', 0o600);
  await log.chmod(0o600);
  const [command, ...args] = reconcilerCommand(options);
  const child = spawn(command!, args, { detached: true, stdio: ['ignore', log.fd, log.fd], env: process.env });
  await log.close();
  const pid = child.pid;
  if (!pid) throw new Error('the reconciler could not be started');
  child.unref();
  await options.host.write(PIDFILE, `${pid}\n`, { mode: 0o644, dirMode: 0o755 });
  return { pid, reused: false, logFile };
}

/** Stops the reconciler the pidfile names (SIGTERM; its pods keep running until reset removes them). */
export async function stopReconciler(host: Host): Promise<number | undefined> {
  const pid = await runningReconciler(host);
  if (pid) {
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 100 && (await alive(pid)); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    if (await alive(pid)) process.kill(pid, 'SIGKILL');
  }
  await host.remove(PIDFILE);
  return pid;
}
