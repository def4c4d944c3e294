import { parseCidr } from '../util/ip.js';
import { argValue } from '../render/arguments.js';
import { CERTIFICATE_KEY } from '../pki/certs-upload.js';
import { parseGoDuration } from '../util/duration.js';
import { BOOTSTRAP_GROUP, BOOTSTRAP_TOKEN, TOKEN_USAGES } from './bootstrap-token.js';
import { show } from './problems.js';
import type { PathSegment } from './source.js';
import type { KubebootConfig } from './types.js';

type Report = (path: PathSegment[], message: string, severity?: 'error' | 'warning') => void;

/** kubeadm's own feature gates (InitFeatureGates) in the versions kubeboot supports. */
const FEATURE_GATES = ['ControlPlaneKubeletLocalMode', 'EtcdLearnerMode', 'NodeLocalCRISocket', 'PublicKeysECDSA', 'RootlessControlPlane', 'WaitForAllControlPlaneComponents'];
/** An image reference's parts (distribution/reference): a registry/repository path and a tag. */
const REPOSITORY = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::\d+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
/** The controller-manager's default node mask sizes (--node-cidr-mask-size-ipv4/-ipv6). */
const NODE_MASK = { 4: 24, 6: 64 } as const;
/** kubeadm's PodSubnetNodeMaskMaxDiff. */
const MAX_NODE_MASK_DIFF = 16;

/** What kubeadm refuses that the other rules do not cover: tokens, gates, the CRI socket, images, masks, preflight names. */
export function validateReferences(config: KubebootConfig, report: Report): void {
  const init = (...path: PathSegment[]) => ['InitConfiguration', ...path];
  const cluster = (...path: PathSegment[]) => ['ClusterConfiguration', ...path];
  config.init.bootstrapTokens.forEach((token, i) => {
    if (token.token !== undefined && !BOOTSTRAP_TOKEN.test(token.token)) report(init('bootstrapTokens', i, 'token'), `got ${show(token.token)}, expected a token of the form "[a-z0-9]{6}.[a-z0-9]{16}" such as "abcdef.0123456789abcdef"`);
    token.usages.forEach((usage, j) => {
      if (!TOKEN_USAGES.includes(usage)) report(init('bootstrapTokens', i, 'usages', j), `got ${show(usage)}, expected one of ${TOKEN_USAGES.join(', ')}`);
    });
    token.groups.forEach((group, j) => {
      if (!BOOTSTRAP_GROUP.test(group)) report(init('bootstrapTokens', i, 'groups', j), `got ${show(group)}, expected a group matching ${BOOTSTRAP_GROUP.source}`);
    });
    if (token.groups.length > 0 && !token.usages.includes('authentication')) report(init('bootstrapTokens', i, 'groups'), 'groups are given, so the token needs the "authentication" usage');
    const ttl = parseGoDuration(token.ttl);
    if (ttl === undefined || ttl < 0) report(init('bootstrapTokens', i, 'ttl'), `got ${show(token.ttl)}, expected a duration such as "24h0m0s" (0 never expires)`);
    if (token.expires !== undefined && Number.isNaN(Date.parse(token.expires))) report(init('bootstrapTokens', i, 'expires'), `got ${show(token.expires)}, expected an RFC 3339 time such as "2026-12-31T00:00:00Z"`);
  });
  const key = config.init.certificateKey;
  if (key !== undefined && !CERTIFICATE_KEY.test(key)) report(init('certificateKey'), `got a key of ${key.length} characters, expected 64 hexadecimal characters (32 bytes; kubeboot certs certificate-key makes one)`);
  const socket = config.init.nodeRegistration.criSocket;
  if (!/^unix:\/\/\/./.test(socket)) report(init('nodeRegistration', 'criSocket'), `got ${show(socket)}, expected a unix socket URL such as "unix:///var/run/docker.sock"`);
  const ignore = config.init.nodeRegistration.ignorePreflightErrors;
  if (ignore.some((name) => name.toLowerCase() === 'all') && ignore.length > 1) {
    report(init('nodeRegistration', 'ignorePreflightErrors'), `got ${show(ignore)}: "all" ignores every check; expected it alone, without individual checks`);
  }
  for (const gate of Object.keys(config.cluster.featureGates)) {
    if (!FEATURE_GATES.includes(gate)) report(cluster('featureGates', gate), `${gate} is not a valid feature name; kubeadm's gates are ${FEATURE_GATES.join(', ')}`);
  }
  type ImageField = [PathSegment[], string, 'repository' | 'tag'];
  const images: ImageField[] = [
    [cluster('imageRepository'), config.cluster.imageRepository, 'repository'],
    [cluster('dns', 'imageRepository'), config.cluster.dns.imageRepository, 'repository'],
    [cluster('dns', 'imageTag'), config.cluster.dns.imageTag, 'tag'],
  ];
  const local = config.cluster.etcd.local;
  if (local) images.push([cluster('etcd', 'local', 'imageRepository'), local.imageRepository, 'repository'], [cluster('etcd', 'local', 'imageTag'), local.imageTag, 'tag']);
  for (const [path, value, kind] of images) {
    if (value === '') continue; // the default applies
    // distribution/reference: a whole name is at most 255 characters (NameTotalLengthMax).
    if (kind === 'repository' && value.length > 255) report(path, `got a repository of ${value.length} characters, expected at most 255`);
    else if (!(kind === 'tag' ? TAG : REPOSITORY).test(value)) report(path, `got ${show(value)}, expected an image ${kind === 'tag' ? 'tag such as "3.6.5-0"' : 'repository such as "registry.k8s.io" or "registry.example:5000/k8s"'}`);
  }
  // kubeadm's ValidatePodSubnetNodeMask: each node gets a /24 (IPv4) or /64 (IPv6) of the pod subnet,
  // or what --node-cidr-mask-size-ipv4/-ipv6 say; the subnet must hold one, and at most 2^16 of them.
  for (const part of config.cluster.networking.podSubnet?.split(',') ?? []) {
    const cidr = parseCidr(part.trim());
    if (!cidr) continue; // reported by the subnet rules
    const flag = cidr.family === 4 ? 'node-cidr-mask-size-ipv4' : 'node-cidr-mask-size-ipv6';
    const given = argValue(config.cluster.controllerManager.extraArgs, flag);
    const mask = given ? Number(given) : NODE_MASK[cidr.family];
    if (!Number.isInteger(mask)) report(cluster('controllerManager', 'extraArgs'), `${flag}: got ${show(given)}, expected an integer`);
    else if (cidr.prefix > mask) report(cluster('networking', 'podSubnet'), `${cidr.text}: the size of pod subnet with mask ${cidr.prefix} is smaller than the size of node subnet with mask ${mask} (the controller-manager's ${flag})`);
    else if (mask - cidr.prefix > MAX_NODE_MASK_DIFF) report(cluster('networking', 'podSubnet'), `${cidr.text}: pod subnet mask (${cidr.prefix}) and node-mask (${mask}) difference is greater than ${MAX_NODE_MASK_DIFF}`);
  }
}
