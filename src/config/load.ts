import { defaultClusterConfiguration, defaultInitConfiguration, defaultKubeletConfiguration } from './defaults.js';
import { detectHost, type HostFacts } from './host.js';
import { applyInitFlags, type InitFlags } from './init-flags.js';
import { ALL_IN_FILE, ConfigError, show, type Problem } from './problems.js';
import { parseDocuments, readConfigText, type RawDocument } from './read-file.js';
import { checkShape, schemas, type Schema, type ShapeReport } from './schema.js';
import { formatPath, type PathSegment, type SourceDocument } from './source.js';
import { KUBEADM_GROUP, KUBELET_V1BETA1, type KubebootConfig, type PassthroughDocument } from './types.js';
import { convertToV1beta4 } from './v1beta3.js';
import { validateConfig } from './validate.js';

export interface LoadOptions {
  /** The --config file; without it, kubeadm's defaults (and the flags) are the configuration. */
  file?: string;
  /** Or documents from elsewhere (a joining node's: the cluster's kubeadm-config), named by `origin`. */
  text?: { origin: string; content: string };
  flags?: InitFlags;
  /**
   * Return the configuration even when it has errors (they are in `warnings`, as errors): for `config
   * validate` and init, which add the checks that need a configuration and then report all at once.
   */
  keepErrors?: boolean;
  /** The machine's facts for defaulting; detected when not given. */
  host?: HostFacts;
}

export interface LoadedConfig {
  config: KubebootConfig;
  /** Problems that do not stop the command: unknown fields, ignored documents (and the errors, with keepErrors). */
  warnings: Problem[];
  /** Where a field of the configuration came from (file:line:col, or the flag that set it), as a problem to report. */
  locate: (path: readonly PathSegment[], severity: Problem['severity'], message: string) => Problem;
  /** The file (or `the flags`) the configuration was read from. */
  origin: string;
  /** The kubeadm API version each kubeadm document was written in, e.g. { ClusterConfiguration: 'v1beta3' }. */
  versions: Partial<Record<'InitConfiguration' | 'ClusterConfiguration', 'v1beta3' | 'v1beta4'>>;
}

type Raw = Record<string, unknown>;
type UsedKind = 'InitConfiguration' | 'ClusterConfiguration' | 'KubeletConfiguration';

interface Classified {
  kind: UsedKind;
  version: 'v1beta3' | 'v1beta4' | 'v1beta1';
  body: Raw;
  source: SourceDocument;
}

/** Documents of other tools that kubeadm also reads: kept and passed through, with a warning. */
const PASSTHROUGH_KINDS = new Map([['kubeproxy.config.k8s.io', 'KubeProxyConfiguration']]);
const PASSTHROUGH_COMPONENTS = new Map([['KubeProxyConfiguration', 'kube-proxy']]);
/** Kinds kubeadm knows, with the apiVersions they exist in: any other version of them is refused. */
const KNOWN_VERSIONS = new Map([
  ['KubeletConfiguration', KUBELET_V1BETA1],
  ['KubeProxyConfiguration', 'kubeproxy.config.k8s.io/v1alpha1'],
]);
/** kubeadm kinds that exist but that `init` does not read. */
const OTHER_KUBEADM_KINDS = ['JoinConfiguration', 'ResetConfiguration', 'UpgradeConfiguration'];

/**
 * Reads, converts, defaults and validates a kubeadm-format configuration. Every problem is collected;
 * if any is an error, a ConfigError carrying all of them is thrown and nothing else happens.
 */
export async function loadConfig(options: LoadOptions = {}): Promise<LoadedConfig> {
  const origin = options.file ?? options.text?.origin ?? 'the flags';
  const problems: Problem[] = [];
  const documents = options.file ? await readDocuments(options.file, problems) : options.text ? parsedDocuments(options.text.origin, options.text.content, problems) : [];

  const used = new Map<UsedKind, Classified>();
  const passthrough: PassthroughDocument[] = [];
  const seenKinds = new Map<string, SourceDocument>();

  for (const document of documents) {
    const at = (path: PathSegment[], severity: Problem['severity'], message: string, where: 'key' | 'value' = 'value') =>
      problems.push({ severity, origin: document.source.origin, ...document.source.position(path, where), path: formatPath(path), message });
    // Shape problems name the field from the kind down; the position is looked up within the document.
    const shapeReport =
      (kind: string): ShapeReport =>
      (severity, path, message, where) =>
        problems.push({ severity, origin: document.source.origin, ...document.source.position(path, where), path: formatPath([kind, ...path]), message });
    const value = document.value;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      at([], 'error', `document ${document.index + 1} is ${show(value)}, expected a mapping with apiVersion and kind`);
      continue;
    }
    const body = value as Raw;
    const { apiVersion, kind } = body;
    if (typeof apiVersion !== 'string' || typeof kind !== 'string' || !apiVersion || !kind) {
      const missing = [typeof apiVersion === 'string' && apiVersion ? '' : 'apiVersion', typeof kind === 'string' && kind ? '' : 'kind'].filter(Boolean);
      at([], 'error', `document ${document.index + 1} has no ${missing.join(' and ')}; every document needs both (e.g. apiVersion: kubeadm.k8s.io/v1beta4, kind: ClusterConfiguration)`);
      continue;
    }
    if (seenKinds.has(kind)) {
      at(['kind'], 'error', `kind ${show(kind)} is specified twice in the file; expected each kind once`);
      continue;
    }
    seenKinds.set(kind, document.source);
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/', 2) : ['', apiVersion];

    if (group === KUBEADM_GROUP) {
      if (kind === 'InitConfiguration' || kind === 'ClusterConfiguration') {
        if (version !== 'v1beta4' && version !== 'v1beta3') {
          at(['apiVersion'], 'error', `got ${show(apiVersion)}, expected kubeadm.k8s.io/v1beta4 (or v1beta3, which is converted)`);
          continue;
        }
        const schema: Schema = schemas[`${version}/${kind}`];
        checkShape(body, schema, [], shapeReport(kind));
        const ignore = (body.nodeRegistration as Raw | undefined)?.ignorePreflightErrors;
        if (kind === 'InitConfiguration' && Array.isArray(ignore)) {
          ignore.forEach((name, i) => {
            if (typeof name === 'string' && name.toLowerCase() === 'all') shapeReport(kind)('error', ['nodeRegistration', 'ignorePreflightErrors', i], ALL_IN_FILE);
          });
        }
        used.set(kind, { kind, version, body: structuredClone(body), source: document.source });
      } else if (OTHER_KUBEADM_KINDS.includes(kind)) {
        if (version !== 'v1beta4' && version !== 'v1beta3') at(['apiVersion'], 'error', `got ${show(apiVersion)}, expected kubeadm.k8s.io/v1beta4 (or v1beta3) for kind ${kind}`);
        else at(['kind'], 'warning', `${kind} is not used by kubeboot init; the document is ignored`);
      } else {
        at(['kind'], 'error', `got ${show(kind)}, expected InitConfiguration or ClusterConfiguration`);
      }
    } else if (apiVersion === KUBELET_V1BETA1 && kind === 'KubeletConfiguration') {
      checkShape(body, schemas.KubeletConfiguration, [], shapeReport(kind));
      used.set(kind, { kind, version: 'v1beta1', body: structuredClone(body), source: document.source });
    } else if (kind === 'InitConfiguration' || kind === 'ClusterConfiguration' || OTHER_KUBEADM_KINDS.includes(kind)) {
      // kubeadm's kind in another group: kubeadm refuses it ("no kind is registered for the version").
      at(['apiVersion'], 'error', `got ${show(apiVersion)}, expected kubeadm.k8s.io/v1beta4 (or v1beta3) for kind ${kind}`);
    } else if (KNOWN_VERSIONS.has(kind) && KNOWN_VERSIONS.get(kind) !== apiVersion) {
      // A kind kubeadm reads, under a version that does not exist: kubeadm refuses it ("no kind is registered").
      at(['apiVersion'], 'error', `got ${show(apiVersion)}, expected ${KNOWN_VERSIONS.get(kind)} for kind ${kind}`);
    } else if (PASSTHROUGH_KINDS.get(group ?? '') === kind) {
      at(['kind'], 'warning', `${kind} is kept but not used: kubeboot does not run ${PASSTHROUGH_COMPONENTS.get(kind) ?? kind}`);
      const { apiVersion: _a, kind: _k, ...rest } = body;
      passthrough.push({ apiVersion, kind, body: rest });
    } else {
      at(['kind'], 'warning', `ignored configuration document with apiVersion ${show(apiVersion)} and kind ${show(kind)}`);
    }
  }

  if (options.file && documents.length > 0 && !used.has('InitConfiguration') && !used.has('ClusterConfiguration')) {
    problems.push({
      severity: 'error',
      origin,
      line: 1,
      col: 1,
      path: '',
      message: 'no InitConfiguration or ClusterConfiguration was found; expected at least one kubeadm.k8s.io document',
    });
  } else if (options.file && documents.length === 0 && problems.every((p) => p.severity !== 'error')) {
    problems.push({ severity: 'error', origin, line: 1, col: 1, path: '', message: 'the file has no YAML documents; expected kubeadm configuration documents' });
  }

  const init = used.get('InitConfiguration');
  const cluster = used.get('ClusterConfiguration');
  const kubelet = used.get('KubeletConfiguration');
  const raw = {
    InitConfiguration: convertToV1beta4(init?.body, cluster?.body) ?? {},
    ClusterConfiguration: cluster?.body ?? {},
  };
  const flagOrigins = applyInitFlags(raw, options.flags ?? {});

  const host = options.host ?? (await detectHost());
  const clusterConfig = defaultClusterConfiguration(raw.ClusterConfiguration);
  const config: KubebootConfig = {
    init: defaultInitConfiguration(raw.InitConfiguration, host),
    cluster: clusterConfig,
    kubelet: defaultKubeletConfiguration(kubelet?.body, clusterConfig),
    passthrough,
  };

  // Semantic rules only make sense once the shapes are right; shape errors already name their fields.
  const sources: Record<string, SourceDocument | undefined> = {
    InitConfiguration: init?.source,
    ClusterConfiguration: cluster?.source,
    KubeletConfiguration: kubelet?.source,
  };
  const locate = (path: readonly PathSegment[], severity: Problem['severity'], message: string): Problem => {
    const dotted = formatPath(path);
    const flag = [...flagOrigins].find(([set]) => dotted === set || dotted.startsWith(`${set}.`) || dotted.startsWith(`${set}[`))?.[1];
    const [kind, ...fields] = path;
    const source = sources[String(kind)];
    if (flag) return { severity, origin: `flag ${flag}`, path: dotted, message };
    if (source) return { severity, origin: source.origin, ...source.position(fields), path: dotted, message };
    return { severity, origin, path: dotted, message };
  };
  for (const problem of validateConfig(config)) problems.push(locate(problem.path, problem.severity, problem.message));

  const errors = problems.filter((p) => p.severity === 'error');
  if (errors.length > 0 && !options.keepErrors) throw new ConfigError(origin, sortProblems(problems));
  return {
    config,
    locate,
    origin,
    warnings: sortProblems(problems),
    versions: {
      ...(init ? { InitConfiguration: init.version as 'v1beta3' | 'v1beta4' } : {}),
      ...(cluster ? { ClusterConfiguration: cluster.version as 'v1beta3' | 'v1beta4' } : {}),
    },
  };
}

async function readDocuments(file: string, problems: Problem[]): Promise<RawDocument[]> {
  return parsedDocuments(file, await readConfigText(file), problems);
}

function parsedDocuments(origin: string, text: string, problems: Problem[]): RawDocument[] {
  const parsed = parseDocuments(origin, text);
  problems.push(...parsed.problems);
  return parsed.documents;
}

/** In file order (flags after the file), so that a reader can walk the file top to bottom. */
function sortProblems(problems: Problem[]): Problem[] {
  return [...problems].sort((a, b) => {
    if (a.origin !== b.origin) return a.origin.startsWith('flag ') ? 1 : b.origin.startsWith('flag ') ? -1 : 0;
    return (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0);
  });
}
