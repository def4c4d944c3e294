import { images } from './docker.js';

export interface BusyboxPodOptions {
  /** The container's command: a string runs under `sh -c`, a list runs as it is. Default: sleep 3600. */
  command?: string | string[];
  namespace?: string;
  labels?: Record<string, string>;
  /** Default true: most tests need no sandbox. */
  hostNetwork?: boolean;
  /** terminationGracePeriodSeconds; default 2, so that stops are quick. */
  grace?: number;
  /** More YAML under `spec:` (volumes, initContainers...), indented by two spaces. */
  spec?: string;
  /** More YAML under the container, indented by four spaces. */
  container?: string;
}

/** A static pod manifest with one busybox container named `main`, as the e2e tests write them. */
export function busyboxPod(name: string, options: BusyboxPodOptions = {}): string {
  const command = options.command ?? ['sleep', '3600'];
  const metadata = { name, ...(options.namespace ? { namespace: options.namespace } : {}), ...(options.labels ? { labels: options.labels } : {}) };
  return [
    'apiVersion: v1',
    'kind: Pod',
    `metadata: ${JSON.stringify(metadata)}`,
    'spec:',
    ...(options.hostNetwork === false ? [] : ['  hostNetwork: true']),
    `  terminationGracePeriodSeconds: ${options.grace ?? 2}`,
    '  containers:',
    '  - name: main',
    `    image: ${images.busybox}`,
    `    command: ${JSON.stringify(typeof command === 'string' ? ['sh', '-c', command] : command)}`,
    ...(options.container ? [options.container.replace(/\n$/, '')] : []),
    ...(options.spec ? [options.spec.replace(/\n$/, '')] : []),
    '',
  ].join('\n');
}
