import { defaultClusterConfiguration, defaultInitConfiguration, defaultKubeletConfiguration } from './defaults.js';

/**
 * `config print init-defaults`: kubeadm prints placeholders rather than this machine's facts, so that
 * the output is a template that works anywhere.
 */
export function initDefaultsDocuments(componentConfigs: readonly string[]): object[] {
  const init = defaultInitConfiguration({}, { hostname: 'node', defaultAddress: '1.2.3.4' });
  init.bootstrapTokens = init.bootstrapTokens.map((token) => ({ token: 'abcdef.0123456789abcdef', ...token }));
  const cluster = defaultClusterConfiguration({});
  const documents: object[] = [init, cluster];
  if (componentConfigs.includes('KubeletConfiguration')) documents.push(defaultKubeletConfiguration({}, cluster));
  return documents;
}

export const COMPONENT_CONFIG_KINDS = ['KubeletConfiguration'] as const;
