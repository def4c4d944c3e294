import { BOOTSTRAP_TOKEN } from './bootstrap-token.js';
import { ALL_IN_FILE, ConfigError, show, type Problem } from './problems.js';
import { parseDocuments, readConfigText } from './read-file.js';
import { checkShape, isGoDuration, schemas } from './schema.js';
import { formatPath, type PathSegment } from './source.js';
import { KUBEADM_GROUP } from './types.js';
import { ipFamily } from '../util/ip.js';

/** The fields of a JoinConfiguration kubeboot's join uses (v1beta4, v1beta3 read alike). */
export interface JoinFileFields {
  endpoint?: string;
  discoveryFile?: string;
  token?: string;
  caCertHashes: string[];
  unsafeSkipCAVerification: boolean;
  certificateKey?: string;
  nodeName?: string;
  advertiseAddress?: string;
  bindPort?: number;
  patchesDirectory?: string;
  skipPhases: string[];
  ignorePreflightErrors: string[];
  discoveryTimeout?: string;
  /** The file's other timeouts (etcdAPICall, kubernetesAPICall, ...), as kubeadm's JoinConfiguration has them. */
  timeouts: Record<string, string>;
  dryRun: boolean;
}

type Raw = Record<string, unknown>;
const rec = (value: unknown): Raw => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Raw) : {});
const strs = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);
const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/**
 * Reads the JoinConfiguration of a `--config` file (kubeadm.k8s.io/v1beta4, or v1beta3), checking its
 * shape and the values join needs, every problem with its file:line:col; other kinds in the file are
 * ignored with a warning, as kubeadm join ignores the init kinds.
 */
export async function loadJoinConfiguration(file: string): Promise<{ fields: JoinFileFields; warnings: Problem[] }> {
  const problems: Problem[] = [];
  const parsed = parseDocuments(file, await readConfigText(file));
  problems.push(...parsed.problems);
  let found: { body: Raw; at: (path: PathSegment[], message: string, severity?: Problem['severity']) => void } | undefined;
  for (const document of parsed.documents) {
    const at = (path: PathSegment[], message: string, severity: Problem['severity'] = 'error') =>
      problems.push({ severity, origin: file, ...document.source.position(path), path: formatPath(['JoinConfiguration', ...path]), message });
    const body = rec(document.value);
    const [group, version] = String(body.apiVersion ?? '').split('/');
    if (body.kind !== 'JoinConfiguration') {
      problems.push({ severity: 'warning', origin: file, ...document.source.position(['kind']), path: '', message: `${show(body.kind)} is not used by kubeboot join; the document is ignored` });
      continue;
    }
    if (group !== KUBEADM_GROUP || (version !== 'v1beta4' && version !== 'v1beta3')) {
      at(['apiVersion'], `got ${show(body.apiVersion)}, expected kubeadm.k8s.io/v1beta4 (or v1beta3)`);
      continue;
    }
    checkShape(body, schemas[`${version}/JoinConfiguration`], [], (severity, path, message) => problems.push({ severity, origin: file, ...document.source.position(path), path: formatPath(['JoinConfiguration', ...path]), message }));
    found = { body, at };
  }
  if (!found) {
    if (!problems.some((p) => p.severity === 'error')) problems.push({ severity: 'error', origin: file, line: 1, col: 1, path: '', message: 'no JoinConfiguration was found; expected a kubeadm.k8s.io/v1beta4 JoinConfiguration document' });
    throw new ConfigError(file, problems);
  }
  const { body, at } = found;
  const discovery = rec(body.discovery);
  const bootstrap = rec(discovery.bootstrapToken);
  const controlPlane = rec(body.controlPlane);
  const endpoint = rec(controlPlane.localAPIEndpoint);
  const registration = rec(body.nodeRegistration);
  const timeouts = rec(body.timeouts);
  const fields: JoinFileFields = {
    caCertHashes: strs(bootstrap.caCertHashes),
    unsafeSkipCAVerification: bootstrap.unsafeSkipCAVerification === true,
    skipPhases: strs(body.skipPhases),
    ignorePreflightErrors: strs(registration.ignorePreflightErrors),
    dryRun: body.dryRun === true,
    timeouts: Object.fromEntries(Object.entries(timeouts).filter((entry): entry is [string, string] => entry[0] !== 'discovery' && typeof entry[1] === 'string' && isGoDuration(entry[1]))),
  };
  const set = <K extends keyof JoinFileFields>(key: K, value: JoinFileFields[K] | undefined) => {
    if (value !== undefined) fields[key] = value;
  };
  set('endpoint', str(bootstrap.apiServerEndpoint));
  set('discoveryFile', str(rec(discovery.file).kubeConfigPath));
  set('token', str(bootstrap.token) ?? str(discovery.tlsBootstrapToken));
  set('certificateKey', str(controlPlane.certificateKey));
  set('nodeName', str(registration.name));
  set('advertiseAddress', str(endpoint.advertiseAddress));
  set('bindPort', typeof endpoint.bindPort === 'number' ? endpoint.bindPort : undefined);
  set('patchesDirectory', str(rec(body.patches).directory));
  set('discoveryTimeout', str(timeouts.discovery) ?? str(discovery.timeout));

  // What join needs, checked as kubeadm's ValidateJoinConfiguration does, all at once.
  const byFile = fields.discoveryFile !== undefined;
  if (byFile && Object.keys(bootstrap).length > 0) at(['discovery'], 'bootstrapToken and file are two ways of discovery: give one');
  if (!byFile && !fields.endpoint) at(['discovery', 'bootstrapToken', 'apiServerEndpoint'], 'the API server endpoint (host:port) is required');
  if (!byFile && !fields.token) at(['discovery', 'bootstrapToken', 'token'], 'the bootstrap token is required');
  else if (fields.token !== undefined && !BOOTSTRAP_TOKEN.test(fields.token)) at(['discovery', 'bootstrapToken', 'token'], `got ${show(fields.token)}, expected a token of the form "[a-z0-9]{6}.[a-z0-9]{16}"`);
  fields.caCertHashes.forEach((hash, i) => {
    if (!/^sha256:[0-9a-f]{64}$/i.test(hash)) at(['discovery', 'bootstrapToken', 'caCertHashes', i], `got ${show(hash)}, expected sha256:<64 hex digits>`);
  });
  if (!byFile && fields.caCertHashes.length === 0 && !fields.unsafeSkipCAVerification) {
    at(['discovery', 'bootstrapToken', 'caCertHashes'], 'using token-based discovery without caCertHashes can be unsafe. Set unsafeSkipCAVerification as true in your kubeadm config file or pass --discovery-token-unsafe-skip-ca-verification flag to continue');
  }
  if (Object.keys(controlPlane).length === 0) at(['controlPlane'], 'kubeboot join makes control-plane nodes: controlPlane is required (workers join with kubeadm join and the kubelet)');
  if (fields.certificateKey !== undefined && !/^[0-9a-fA-F]{64}$/.test(fields.certificateKey)) at(['controlPlane', 'certificateKey'], 'expected 64 hexadecimal characters (kubeboot certs certificate-key makes one)');
  if (fields.advertiseAddress !== undefined && ipFamily(fields.advertiseAddress) === undefined) at(['controlPlane', 'localAPIEndpoint', 'advertiseAddress'], `got ${show(fields.advertiseAddress)}, expected an IPv4 or IPv6 address`);
  if (fields.bindPort !== undefined && (fields.bindPort < 1 || fields.bindPort > 65535)) at(['controlPlane', 'localAPIEndpoint', 'bindPort'], `got ${fields.bindPort}, expected a port from 1 to 65535`);
  if (fields.discoveryTimeout !== undefined && !isGoDuration(fields.discoveryTimeout)) at(['timeouts', 'discovery'], `got ${show(fields.discoveryTimeout)}, expected a duration such as "5m0s"`);
  fields.ignorePreflightErrors.forEach((name, i) => {
    if (name.toLowerCase() === 'all') at(['nodeRegistration', 'ignorePreflightErrors', i], ALL_IN_FILE);
  });
  problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0));
  if (problems.some((p) => p.severity === 'error')) throw new ConfigError(file, problems);
  return { fields, warnings: problems };
}

/** `config print join-defaults`: kubeadm's placeholders, with the controlPlane section kubeboot's join needs. */
export function joinDefaultsDocument(): object {
  return {
    apiVersion: 'kubeadm.k8s.io/v1beta4',
    kind: 'JoinConfiguration',
    caCertPath: '/etc/kubernetes/pki/ca.crt',
    discovery: {
      bootstrapToken: { apiServerEndpoint: 'kube-apiserver:6443', token: 'abcdef.0123456789abcdef', unsafeSkipCAVerification: true },
      tlsBootstrapToken: 'abcdef.0123456789abcdef',
    },
    controlPlane: { localAPIEndpoint: { advertiseAddress: '1.2.3.4', bindPort: 6443 } },
    nodeRegistration: { criSocket: 'unix:///var/run/docker.sock', imagePullPolicy: 'IfNotPresent', imagePullSerial: true, name: 'node' },
    timeouts: { controlPlaneComponentHealthCheck: '4m0s', discovery: '5m0s', etcdAPICall: '2m0s', kubeletHealthCheck: '4m0s', kubernetesAPICall: '1m0s', tlsBootstrap: '5m0s', upgradeManifests: '5m0s' },
  };
}
