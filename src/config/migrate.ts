import { parseDocuments, readConfigText } from './read-file.js';
import { toYamlDocuments } from './serialize.js';
import { KUBEADM_GROUP } from './types.js';
import { convertJoinV1beta3, convertToV1beta4 } from './v1beta3.js';

type Raw = Record<string, unknown>;

/**
 * `config migrate`: the file's documents with v1beta3 kubeadm documents converted to v1beta4. Unlike
 * kubeadm, what the user did not write is not filled in with defaults, so the result stays portable
 * (defaults that kubeadm resolves from this machine, such as the node name, are not baked in).
 * The caller validates the old file first.
 */
export async function migrateConfig(file: string): Promise<string> {
  const { documents } = parseDocuments(file, await readConfigText(file));
  const bodies = documents.map((document) => structuredClone(document.value) as Raw);
  const isKubeadm = (body: Raw, kind: string) => typeof body.apiVersion === 'string' && body.apiVersion.startsWith(`${KUBEADM_GROUP}/`) && body.kind === kind;
  const init = bodies.find((body) => isKubeadm(body, 'InitConfiguration'));
  const cluster = bodies.find((body) => isKubeadm(body, 'ClusterConfiguration'));
  const converted = convertToV1beta4(init, cluster);
  if (converted && !init) bodies.unshift(converted);
  const join = bodies.find((body) => isKubeadm(body, 'JoinConfiguration'));
  if (join?.apiVersion === 'kubeadm.k8s.io/v1beta3') convertJoinV1beta3(join);
  return toYamlDocuments(bodies);
}
