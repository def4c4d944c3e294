import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Listr, PRESET_TIMER, type ListrTask } from 'listr2';
import { controlPlaneImages, imageOf } from '../config/images.js';
import { toYamlDocuments } from '../config/serialize.js';
import type { KubebootConfig } from '../config/types.js';
import { ensureCertificates } from '../pki/certificates.js';
import { ensureKubeconfigs } from '../pki/kubeconfig.js';
import { hostView, KUBELET_CONFIG_PATH, writeKubeletConfiguration, writeStaticPods } from '../render/write-manifests.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { parseGoDuration } from '../util/duration.js';
import { KubebootError } from '../util/errors.js';
import { onHost } from '../util/rootfs.js';
import { componentEndpoints, kubeletHealthz, type ComponentName } from './endpoints.js';
import { diagnose, etcdProbe, httpProbe, httpsProbe, waitHealthy, type Probe } from './health.js';
import { pullImageForUser } from '../runtime/image-policy.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import { checks, ignored, type CheckResult, type PreflightContext } from './preflight.js';
import { LOGFILE, reconcilerCommand, startReconciler } from './reconciler-service.js';
import { installUnit, renderUnit, systemdRunsHost, UNIT_NAME } from './systemd-unit.js';

export const INIT_PHASES = ['preflight', 'certs', 'kubeconfig', 'etcd', 'control-plane', 'kubelet-start', 'wait-control-plane'] as const;
export type InitPhase = (typeof INIT_PHASES)[number];

/** What init leaves for `reset`: the configuration it used, fully defaulted. */
export const INIT_RECORD = '/etc/kubernetes/kubeboot-init.yaml';

export interface InitOptions {
  config: KubebootConfig;
  rootfs?: string;
  runtime: ContainerRuntime;
  /** Phases to run (default: all), minus `skipPhases`. */
  phases?: readonly InitPhase[];
  skipPhases?: readonly string[];
  ignorePreflightErrors?: readonly string[];
  dryRun?: boolean;
  verbose?: boolean;
}

export interface InitReport {
  node: string;
  rootfs?: string;
  phases: Array<{ name: InitPhase; ms: number; skipped?: boolean }>;
  warnings: CheckResult[];
  adminKubeconfig: string;
  reconciler?: { pid: number; reused: boolean; logFile: string };
  /** The systemd unit that runs the reconciler, when systemd runs the host. */
  unit?: string;
  /** With --dry-run: the throw-away folder the files were written to. */
  dryRunDir?: string;
}

interface Context {
  report: InitReport;
  missingImages: string[];
}

function timeoutOf(config: KubebootConfig): number {
  return parseGoDuration(config.init.timeouts.controlPlaneComponentHealthCheck) || 240_000;
}

/**
 * `kubeboot init`: kubeadm's phases in kubeadm's order, each a listr2 task with its sub-tasks and
 * timings. Nothing is left half done silently: a failing phase stops the run and says what to do.
 */
export async function runInit(options: InitOptions): Promise<InitReport> {
  const { config, runtime } = options;
  const skip = new Set(options.skipPhases ?? []);
  const unknown = [...skip].filter((name) => !(INIT_PHASES as readonly string[]).includes(name));
  if (unknown.length > 0) throw new KubebootError(`--skip-phases: unknown phase ${unknown.join(', ')}; the phases are ${INIT_PHASES.join(', ')}`);
  const wanted = (options.phases ?? INIT_PHASES).filter((phase) => !skip.has(phase));
  const dryRunDir = options.dryRun ? await mkdtemp(join(tmpdir(), 'kubeboot-init-dryrun-')) : undefined;
  // A dry run writes into a throw-away folder (kubeadm: /etc/kubernetes/tmp/kubeadm-init-dryrun*) and starts nothing.
  const rootfs = dryRunDir ?? options.rootfs;
  const node = config.init.nodeRegistration.name;
  const report: InitReport = {
    node,
    ...(options.rootfs ? { rootfs: options.rootfs } : {}),
    phases: [],
    warnings: [],
    adminKubeconfig: onHost(rootfs, join('/etc/kubernetes', 'admin.conf')),
    ...(dryRunDir ? { dryRunDir } : {}),
  };
  const write = rootfs ? { rootfs } : {};
  const timed = (name: InitPhase, task: ListrTask<Context>): ListrTask<Context> => ({
    ...task,
    title: name,
    enabled: () => wanted.includes(name),
    task: async (ctx, listrTask) => {
      const start = Date.now();
      try {
        return await (task.task as (c: Context, t: typeof listrTask) => unknown)(ctx, listrTask);
      } finally {
        ctx.report.phases.push({ name, ms: Date.now() - start });
      }
    },
  });

  const tasks: Array<ListrTask<Context>> = [
    timed('preflight', {
      task: async (ctx, task) => {
        const context: PreflightContext = { config, ...(options.rootfs ? { rootfs: options.rootfs } : {}), runtime };
        const results = (await Promise.all(checks.map((check) => check.run(context)))).flat();
        if (context.engine) task.output = context.engine;
        const ignore = [...config.init.nodeRegistration.ignorePreflightErrors, ...(options.ignorePreflightErrors ?? [])];
        const errors = results.filter((r) => r.severity === 'error' && !ignored(r.name, ignore));
        ctx.report.warnings.push(...results.filter((r) => r.severity === 'warning' || ignored(r.name, ignore)));
        if (errors.length > 0) {
          throw new KubebootError('[preflight] Some fatal errors occurred', {
            details: errors.map((e) => `\t[ERROR ${e.name}]: ${e.message}`),
            hint: `If you know what you are doing, you can make a check non-fatal with --ignore-preflight-errors=${errors.map((e) => e.name).join(',')}`,
          });
        }
        ctx.missingImages = context.missingImages ?? [];
        if (ctx.missingImages.length === 0 || options.dryRun) return;
        const failed: string[] = [];
        await task
          .newListr(
            ctx.missingImages.map((image) => ({
              title: `pull ${image}`,
              task: async (_, sub) => {
                try {
                  await pullImageForUser(runtime, image, (line) => (sub.output = line));
                } catch (err) {
                  failed.push(image);
                  throw err;
                }
              },
            })),
            { concurrent: !config.init.nodeRegistration.imagePullSerial, exitOnError: false },
          )
          .run()
          .catch(() => undefined);
        if (failed.length > 0 && !ignored('ImagePull', ignore)) {
          throw new KubebootError('[preflight] Some fatal errors occurred', {
            details: failed.map((image) => `\t[ERROR ImagePull]: ${image} is not on this machine and cannot be pulled`),
            hint: 'On an air-gapped node: on a machine that has the images, run `kubeboot images save -o bundle.tar --config <file>`, copy bundle.tar here, then `kubeboot images load bundle.tar`. Or pull them beforehand with `kubeboot config images pull`.',
          });
        }
      },
    }),
    timed('certs', {
      task: async (_, task) => {
        const results = await ensureCertificates(config, write);
        task.output = results.map((r) => `${r.action === 'created' ? 'Generated' : 'Using existing'} ${r.name}`).join('\n');
      },
    }),
    timed('kubeconfig', {
      task: async (_, task) => {
        const { results } = await ensureKubeconfigs(config, write);
        task.output = results.map((r) => `${r.action === 'created' ? 'Wrote' : 'Using existing'} ${r.file}`).join('\n');
      },
    }),
    timed('etcd', {
      skip: () => (config.cluster.etcd.external ? 'external etcd: no local etcd manifest' : false),
      task: async () => {
        await mkdir(onHost(rootfs, config.cluster.etcd.local!.dataDir), { recursive: true, mode: 0o700 });
        await writeStaticPods(config, ['etcd'], write);
      },
    }),
    timed('control-plane', {
      task: async () => {
        await writeStaticPods(config, ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'], write);
      },
    }),
    timed('kubelet-start', {
      task: async (ctx, task) => {
        await writeKubeletConfiguration(config, write);
        await writeFileAtomic(onHost(rootfs, INIT_RECORD), toYamlDocuments([config.init, config.cluster, config.kubelet]), { mode: 0o600, dirMode: 0o755 });
        if (options.dryRun) {
          task.output = 'dry run: the reconciler is not started';
          return;
        }
        const service = {
          ...(options.rootfs ? { rootfs: options.rootfs } : {}),
          node,
          configPath: KUBELET_CONFIG_PATH,
          sandboxImage: imageOf(config.cluster, 'pause') ?? 'registry.k8s.io/pause:3.10.1',
        };
        if (!options.rootfs && systemdRunsHost()) {
          const environment = process.env.DOCKER_HOST ? [`DOCKER_HOST=${process.env.DOCKER_HOST}`] : [];
          const unit = await installUnit(renderUnit({ node, command: reconcilerCommand(service), environment }));
          ctx.report.unit = UNIT_NAME;
          task.output = `${unit.reused ? 'Reusing the running' : 'Started the'} systemd unit ${UNIT_NAME} (journalctl -u ${UNIT_NAME})`;
          return;
        }
        const started = await startReconciler(service);
        ctx.report.reconciler = started;
        task.output = `${started.reused ? 'Reusing the running' : 'Started the'} reconciler (pid ${started.pid}, log ${started.logFile})`;
      },
    }),
    timed('wait-control-plane', {
      skip: () => (options.dryRun ? 'dry run: nothing runs to wait for' : false),
      task: async (_, task) => {
        const timeoutMs = timeoutOf(config);
        const checksToRun: Array<{ title: string; component?: ComponentName; probe: () => Promise<Probe> }> = [];
        const healthz = kubeletHealthz(config);
        if (healthz) checksToRun.push({ title: `kubelet at ${healthz.url}`, probe: async () => httpProbe(healthz.url) });
        const ca = onHost(rootfs, join(config.cluster.certificatesDir, 'ca.crt'));
        for (const endpoint of componentEndpoints(config, hostView(write))) {
          const probe =
            endpoint.component === 'etcd'
              ? () => etcdProbe(config, rootfs, endpoint.url)
              : endpoint.component === 'kube-apiserver'
                ? async () => httpsProbe(endpoint.url, await readFile(ca, 'utf8'))
                : async () => httpsProbe(endpoint.url);
          checksToRun.push({ title: `${endpoint.component} at ${endpoint.url}`, component: endpoint.component, probe });
        }
        const failures: string[] = [];
        return task.newListr(
          checksToRun.map((check) => ({
            title: check.title,
            task: async (_ctx, sub) => {
              const result = await waitHealthy(await check.probe(), timeoutMs);
              if (result.ok) {
                sub.title = `${check.title}: healthy after ${(result.elapsedMs / 1000).toFixed(1)}s`;
                return;
              }
              const why = check.component ? await diagnose(runtime, node, check.component) : `the reconciler does not answer; its log: ${onHost(rootfs, LOGFILE)}`;
              failures.push(`${check.component ?? 'kubelet'} is not healthy after ${(result.elapsedMs / 1000).toFixed(0)}s: ${result.problem}\n${why}`);
              throw new Error(`${check.component ?? 'kubelet'} is not healthy: ${result.problem}`);
            },
          })),
          {
            concurrent: true,
            exitOnError: false,
          },
        ).run().catch(() => undefined).then(() => {
          if (failures.length > 0) {
            throw new KubebootError(`the control plane did not become healthy within ${config.init.timeouts.controlPlaneComponentHealthCheck}`, {
              details: failures,
              hint: `The pods: kubeboot ps --node-name ${node}; a component's log: kubeboot logs <pod> [--previous]; undo with: kubeboot reset${options.rootfs ? ` --rootfs ${options.rootfs}` : ''}`,
            });
          }
        });
      },
    }),
  ];

  const list = new Listr<Context, 'default' | 'verbose', 'simple' | 'verbose'>(tasks, {
    renderer: options.verbose ? 'verbose' : 'default',
    fallbackRenderer: options.verbose ? 'verbose' : 'simple',
    rendererOptions: { timer: PRESET_TIMER, collapseSubtasks: false },
    fallbackRendererOptions: { timer: PRESET_TIMER },
    exitOnError: true,
    registerSignalListeners: false,
  });
  try {
    await list.run({ report, missingImages: [] });
  } finally {
    if (dryRunDir && !options.verbose) await rm(dryRunDir, { recursive: true, force: true }).catch(() => undefined);
  }
  return report;
}

/** The images this configuration runs, for `config images list/pull`. */
export function initImages(config: KubebootConfig): string[] {
  return controlPlaneImages(config.cluster).map((i) => i.image);
}
