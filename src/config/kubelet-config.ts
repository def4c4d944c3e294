import { DEFAULT_CRASH_BACKOFF, type BackoffSettings } from '../runtime/backoff.js';
import { KUBELET_HEALTHZ_PORT } from '../util/constants.js';
import { parseGoDuration } from '../util/duration.js';
import { ConfigError, show, type Problem } from './problems.js';
import { parseDocuments, readConfigText } from './read-file.js';
import { checkShape, schemas } from './schema.js';
import { formatPath } from './source.js';
import { KUBELET_V1BETA1 } from './types.js';
import { kubeletProblems } from './validate.js';

/** What the reconciler reads from a KubeletConfiguration, typed and defaulted the kubelet's way. */
export interface ReconcilerConfig {
  staticPodPath?: string;
  staticPodURL?: string;
  staticPodURLHeader: Record<string, string[]>;
  fileCheckFrequencyMs: number;
  httpCheckFrequencyMs: number;
  healthzPort: number;
  healthzBindAddress: string;
  /** crashLoopBackOff: the kubelet's maxContainerRestartPeriod, and kubeboot's initialContainerRestartPeriod (clamped to the maximum). */
  backoff: BackoffSettings;
}

/** The kubelet's defaults (pkg/kubelet/apis/config/v1beta1/defaults.go). */
const FILE_CHECK_MS = 20_000;
const HTTP_CHECK_MS = 20_000;

const ms = (value: unknown, fallback: number) => (typeof value === 'string' ? (parseGoDuration(value) ?? fallback) : fallback);

/** The typed view of an already checked KubeletConfiguration document. */
export function reconcilerConfig(kubelet: Record<string, unknown>): ReconcilerConfig {
  const backoff = (kubelet.crashLoopBackOff ?? {}) as Record<string, unknown>;
  const maxMs = ms(backoff.maxContainerRestartPeriod, DEFAULT_CRASH_BACKOFF.maxMs);
  const nonEmpty = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  const staticPodPath = nonEmpty(kubelet.staticPodPath);
  const staticPodURL = nonEmpty(kubelet.staticPodURL);
  return {
    ...(staticPodPath ? { staticPodPath } : {}),
    ...(staticPodURL ? { staticPodURL } : {}),
    staticPodURLHeader: structuredClone((kubelet.staticPodURLHeader ?? {}) as Record<string, string[]>),
    fileCheckFrequencyMs: ms(kubelet.fileCheckFrequency, FILE_CHECK_MS),
    httpCheckFrequencyMs: ms(kubelet.httpCheckFrequency, HTTP_CHECK_MS),
    healthzPort: typeof kubelet.healthzPort === 'number' ? kubelet.healthzPort : KUBELET_HEALTHZ_PORT,
    healthzBindAddress: nonEmpty(kubelet.healthzBindAddress) ?? '127.0.0.1',
    backoff: { initialMs: Math.min(ms(backoff.initialContainerRestartPeriod, DEFAULT_CRASH_BACKOFF.initialMs), maxMs), maxMs },
  };
}

/**
 * `kubeboot kubelet --config FILE`: the file's KubeletConfiguration document, checked with the same
 * schema and rules as `config validate` and `init` (every problem at once, as file:line:col), then typed.
 * Without a file, the kubelet's defaults.
 */
export async function loadKubeletConfigFile(file: string | undefined): Promise<{ config: ReconcilerConfig; warnings: Problem[] }> {
  if (!file) return { config: reconcilerConfig({}), warnings: [] };
  const parsed = parseDocuments(file, await readConfigText(file));
  const problems: Problem[] = [...parsed.problems];
  const document = parsed.documents.find((d) => {
    const value = d.value as Record<string, unknown> | null;
    return typeof value === 'object' && value !== null && value.kind === 'KubeletConfiguration';
  });
  if (!document) {
    if (!problems.some((p) => p.severity === 'error')) problems.push({ severity: 'error', origin: file, line: 1, col: 1, path: '', message: 'no KubeletConfiguration document; expected one with kind: KubeletConfiguration' });
    throw new ConfigError(file, problems);
  }
  const body = document.value as Record<string, unknown>;
  const at = (severity: Problem['severity'], path: Array<string | number>, message: string, where: 'key' | 'value' = 'value') =>
    problems.push({ severity, origin: file, ...document.source.position(path, where), path: formatPath(['KubeletConfiguration', ...path]), message });
  if (body.apiVersion !== KUBELET_V1BETA1) at('error', ['apiVersion'], `got ${show(body.apiVersion)}, expected ${KUBELET_V1BETA1}`);
  checkShape(body, schemas.KubeletConfiguration, [], (severity, path, message, where) => at(severity, path, message, where ?? 'value'));
  // The rules need the right types: a wrongly typed field is already reported above.
  if (!problems.some((p) => p.severity === 'error')) {
    for (const problem of kubeletProblems(body)) at(problem.severity, problem.path.slice(1), problem.message);
  }
  if (problems.some((p) => p.severity === 'error')) throw new ConfigError(file, problems);
  return { config: reconcilerConfig(body), warnings: problems };
}
