import { KubebootError } from '../../util/errors.js';
import { AIR_GAPPED_HINT, pullImageForUser } from '../../runtime/image-policy.js';
import { checks, ignored, type PreflightContext } from '../preflight-checks.js';
import type { Phase } from '../workflow.js';
import type { InitData } from './data.js';

/** kubeadm's preflight: every check at once under kubeadm's names, then the missing images pulled. */
export const preflightPhase: Phase<InitData> = {
  name: 'preflight',
  short: 'Run pre-flight checks (ports, manifests, etcd data, engine, images, memory, CPU); pull missing images',
  examples: [['kubeboot init phase preflight --config kubeboot.yaml', 'is this node ready for init?']],
  run: async (data, task) => {
    const { config, runtime } = data;
    const context: PreflightContext = { config, host: data.machine, runtime };
    const results = (await Promise.all(checks.map((check) => check.run(context)))).flat();
    if (context.engine) task.output(context.engine);
    const ignore = data.ignorePreflightErrors;
    const errors = results.filter((r) => r.severity === 'error' && !ignored(r.name, ignore));
    data.warnings.push(...results.filter((r) => r.severity === 'warning' || ignored(r.name, ignore)));
    if (errors.length > 0) {
      throw new KubebootError('[preflight] Some fatal errors occurred', {
        details: errors.map((e) => `\t[ERROR ${e.name}]: ${e.message}`),
        hint: `If you know what you are doing, you can make a check non-fatal with --ignore-preflight-errors=${errors.map((e) => e.name).join(',')}`,
      });
    }
    data.missingImages = context.missingImages ?? [];
    if (data.missingImages.length === 0 || data.dryRun) return;
    const failed: string[] = [];
    // What to do comes from the runtime's own error (a registry's way around, or the process runtime's folder).
    const hints = new Set<string>();
    await task.steps(
      data.missingImages.map((image) => ({
        title: `pull ${image}`,
        run: async (step) => {
          try {
            await pullImageForUser(runtime, image, (line) => step.output(line));
          } catch (err) {
            failed.push(image);
            hints.add((err as KubebootError).hint ?? AIR_GAPPED_HINT);
            throw err;
          }
        },
      })),
      { concurrent: !config.init.nodeRegistration.imagePullSerial },
    );
    if (failed.length > 0 && !ignored('ImagePull', ignore)) {
      const hint = [...hints].map((h) => (h === AIR_GAPPED_HINT ? `${AIR_GAPPED_HINT} Or pull them beforehand with \`kubeboot config images pull\`.` : h)).join(' ');
      throw new KubebootError('[preflight] Some fatal errors occurred', {
        details: failed.map((image) => `\t[ERROR ImagePull]: ${image} is not on this machine and cannot be pulled`),
        hint,
      });
    }
  },
};
