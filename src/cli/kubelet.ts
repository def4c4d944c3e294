import { Command } from 'commander';
import { UsageError } from '../util/errors.js';
import { withExamples } from './help.js';
import { addRuntimeOptions, type RuntimeFlags } from './runtime-options.js';

export function kubeletCommand(): Command {
  const command = new Command('kubelet')
    .description("run the static pod reconciler in the foreground: the kubelet's static-pod job, on the Docker engine or as host processes (pods survive a restart of it)")
    .option('--config <file>', 'a KubeletConfiguration file (staticPodPath, fileCheckFrequency, ...)')
    .option('--pod-manifest-path <path>', 'the folder (or single file) of static pod manifests; overrides staticPodPath')
    .option('--hostname-override <name>', "this node's name (default: the hostname); pods are named <name>-<node>")
    .option('--rootfs <dir>', 'treat DIR as the root of the host filesystem (manifests, hostPath volumes)')
    .option('--root-dir <dir>', "the reconciler's state folder: emptyDir volumes and its status file (under --rootfs)", '/var/lib/kubelet')
    .option('--manifest-url <url>', 'also run the pods a URL serves (a Pod or a PodList), polled every --http-check-frequency')
    .option('--manifest-url-header <name:value>', 'a header for the --manifest-url request (repeatable)', (value: string, previous: string[] = []) => [...previous, value])
    .option('--http-check-frequency <duration>', 'how often the URL is read (default 20s, or httpCheckFrequency)')
    .option('--kubeconfig <file>', 'the node\'s kubeconfig, for mirror pods and the Node on the API server (default: /etc/kubernetes/kubelet.conf under --rootfs, when it exists)')
    .option('--healthz-port <port>', 'the port of /healthz and /pods (default 10248, or healthzPort; 0 turns them off)')
    .option('--healthz-bind-address <ip>', 'the address of /healthz and /pods (default 127.0.0.1, or healthzBindAddress)')
    .option('--pod-infra-container-image <image>', 'the sandbox image for pods that are not hostNetwork', 'registry.k8s.io/pause:3.10.1');
  addRuntimeOptions(command, 'docker')
    .action(async (options: RuntimeFlags & { config?: string; podManifestPath?: string; hostnameOverride?: string; rootfs?: string; containerRuntimeEndpoint?: string; podInfraContainerImage?: string; rootDir?: string; manifestUrl?: string; manifestUrlHeader?: string[]; httpCheckFrequency?: string; healthzPort?: string; healthzBindAddress?: string; kubeconfig?: string }) => {
      const { startDaemon } = await import('../reconciler/daemon.js');
      const { lineLogger } = await import('../util/log.js');
      const log = lineLogger();
      const { healthzPort, ...rest } = options;
      if (healthzPort !== undefined && !(/^\d+$/.test(healthzPort) && Number(healthzPort) <= 65535)) throw new UsageError(`--healthz-port: got ${JSON.stringify(healthzPort)}, expected a port number from 0 to 65535 (0 turns /healthz off)`);
      const daemon = await startDaemon({ ...rest, ...(healthzPort !== undefined ? { healthzPort: Number(healthzPort) } : {}), log });
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          log('info', 'stopping; the pods keep running', { signal });
          void daemon.stop().finally(resolve);
        };
        process.once('SIGTERM', () => stop('SIGTERM'));
        process.once('SIGINT', () => stop('SIGINT'));
      });
    });
  return withExamples(command, [
    ['kubeboot kubelet --pod-manifest-path /etc/kubernetes/manifests --hostname-override n1', 'run the pods of a folder as node n1'],
    ['kubeboot kubelet --config /var/lib/kubelet/config.yaml --rootfs /tmp/node1', 'the KubeletConfiguration init wrote, in a throw-away root'],
    ['kubeboot kubelet --manifest-url https://10.0.0.1/pods.yaml --manifest-url-header "Authorization:Bearer x"', 'pods served over HTTP(S)'],
    ['kubeboot kubelet --pod-manifest-path /etc/kubernetes/manifests --container-runtime process', 'no container engine: each container a host process, binaries from /usr/local/bin'],
    ['curl 127.0.0.1:10248/healthz; curl 127.0.0.1:10248/pods', 'is it alive; the static pods with their status'],
  ]);
}
