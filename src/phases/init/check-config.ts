import type { LoadedConfig } from '../../config/load.js';
import { ConfigError, type Problem } from '../../config/problems.js';
import { checkShape, schemas } from '../../config/schema.js';
import { formatPath } from '../../config/source.js';
import { kubeletProblems } from '../../config/validate.js';
import { componentPods, type Component } from '../../render/components.js';
import { applyPatches, readPatches, type PatchSet } from '../../render/patches.js';
import { renderKubeletConfigurationDocument } from '../../render/render.js';
import { hostView, renderStaticPods } from '../../render/write-manifests.js';
import { KubebootError } from '../../util/errors.js';
import type { Host } from '../../util/host.js';

const COMPONENT_FIELDS = [
  ['apiServer', 'kube-apiserver'],
  ['controllerManager', 'kube-controller-manager'],
  ['scheduler', 'kube-scheduler'],
] as const;

/**
 * What init would refuse of a configuration before it writes anything, beyond the configuration's own
 * rules (those are loadConfig's): the phases skipPhases names, the patches folder and its files, the
 * extraVolumes against kubeadm's own mounts, and the manifests and the KubeletConfiguration rendered in
 * memory with the patches applied, checked as the API server and the kubelet check them. `init` and
 * `config validate` both call this, so a file validate passes is one init takes.
 */
export async function checkInitConfiguration(loaded: LoadedConfig, host: Host): Promise<{ patches: PatchSet | undefined; problems: Problem[] }> {
  const { config, locate } = loaded;
  // The file's own problems first (loaded with keepErrors), then these: reported together.
  const problems: Problem[] = [...loaded.warnings];
  if (config.init.skipPhases.length > 0) {
    // The phase list loads every phase (etcd, x509, listr2: ~0.3 s): only when there are names to check.
    const [{ initPhases }, { flatten }] = await Promise.all([import('./index.js'), import('../workflow.js')]);
    const known = flatten(initPhases).map((phase) => phase.path);
    config.init.skipPhases.forEach((name, i) => {
      if (!known.includes(name)) problems.push(locate(['InitConfiguration', 'skipPhases', i], 'error', `got ${JSON.stringify(name)}, expected a phase of init: ${known.join(', ')}`));
    });
  }

  let patches: PatchSet | undefined;
  const directory = config.init.patches?.directory;
  if (directory) {
    try {
      patches = await readPatches(directory);
    } catch (err) {
      if (!(err instanceof KubebootError)) throw err;
      const details = err.details.length > 0 ? `: ${err.details.join('; ')}` : '';
      problems.push(locate(['InitConfiguration', 'patches', 'directory'], 'error', `${err.message}${details}`));
    }
  }

  const view = hostView(host);
  // With errors in the file the pods may not render at all (a relative certificatesDir): those errors are reported already.
  const fileHasErrors = loaded.warnings.some((problem) => problem.severity === 'error');
  let pods: ReturnType<typeof componentPods> = [];
  try {
    pods = componentPods(config, view);
  } catch (err) {
    if (!fileHasErrors) throw err;
  }
  for (const [field, component] of COMPONENT_FIELDS) {
    const mounts = pods.find((pod) => pod.component === component)?.volumeMounts ?? [];
    config.cluster[field].extraVolumes.forEach((extra, i) => {
      const clash = mounts.find((mount) => mount.name !== extra.name && mount.mountPath === extra.mountPath);
      if (clash) {
        problems.push(locate(['ClusterConfiguration', field, 'extraVolumes', i, 'mountPath'], 'error', `${JSON.stringify(extra.mountPath)} is where ${component}'s volume ${JSON.stringify(clash.name)} is mounted; expected a path of its own (or name this volume ${JSON.stringify(clash.name)} to replace that one)`));
      }
    });
  }
  if (problems.some((problem) => problem.severity === 'error')) return { patches, problems: inFileOrder(problems) };

  // Rendered as init would write them, patched, then checked: what a patch breaks is named with the patch folder.
  const origin = patches ? `${loaded.origin} with the patches in ${patches.directory}` : loaded.origin;
  const components: Component[] = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', ...(config.cluster.etcd.local && !config.cluster.etcd.external ? (['etcd'] as const) : [])];
  for (const component of components) {
    try {
      renderStaticPods(config, host, [component], patches ? { patches } : {});
    } catch (err) {
      if (!(err instanceof KubebootError)) throw err;
      for (const detail of err.details.length > 0 ? err.details : [err.message]) problems.push({ severity: 'error', origin, path: `${component} manifest`, message: detail.replace(`${component}: `, '') });
    }
  }
  if (patches) {
    const { object } = applyPatches(patches, 'kubeletconfiguration', renderKubeletConfigurationDocument(config.kubelet));
    const report = (severity: 'error' | 'warning', path: Array<string | number>, message: string) =>
      problems.push({ severity, origin, path: formatPath(['KubeletConfiguration', ...path]), message: `after patching: ${message}` });
    checkShape(object, schemas.KubeletConfiguration, [], (severity, path, message) => report(severity, path, message));
    for (const problem of kubeletProblems(object as Record<string, unknown>)) report(problem.severity, problem.path.slice(1), problem.message);
  }
  return { patches, problems: inFileOrder(problems) };
}

/** In file order (flags and patches after the file), so that a reader can walk the file top to bottom. */
function inFileOrder(problems: Problem[]): Problem[] {
  const rank = (problem: Problem) => (problem.line === undefined ? 1 : 0);
  return [...problems].sort((a, b) => (a.origin === b.origin ? rank(a) - rank(b) || (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0) : 0));
}

/** Throws the problems as one ConfigError when any is an error (warnings are the caller's to print). */
export function refuseProblems(loaded: LoadedConfig, problems: Problem[]): void {
  if (problems.some((problem) => problem.severity === 'error')) throw new ConfigError(loaded.origin, problems);
}
