import { Command } from 'commander';
import { withExamples } from './help.js';

export function kubeletCommand(): Command {
  const command = new Command('kubelet')
    .description("run the static pod reconciler in the foreground: the kubelet's static-pod job on the Docker engine (pods survive a restart of it)")
    .option('--config <file>', 'a KubeletConfiguration file (staticPodPath, fileCheckFrequency, ...)')
    .option('--pod-manifest-path <path>', 'the folder (or single file) of static pod manifests; overrides staticPodPath')
    .option('--hostname-override <name>', "this node's name (default: the hostname); pods are named <name>-<node>")
    .option('--rootfs <dir>', 'treat DIR as the root of the host filesystem (manifests, hostPath volumes)')
    .option('--root-dir <dir>', "the reconciler's state folder: emptyDir volumes and its status file (under --rootfs)", '/var/lib/kubelet')
    .option('--container-runtime-endpoint <endpoint>', 'the Docker engine, unix:///path/docker.sock (default: DOCKER_HOST, else /var/run/docker.sock)')
    .option('--pod-infra-container-image <image>', 'the sandbox image for pods that are not hostNetwork', 'registry.k8s.io/pause:3.10.1')
    .action(async (options: { config?: string; podManifestPath?: string; hostnameOverride?: string; rootfs?: string; containerRuntimeEndpoint?: string; podInfraContainerImage?: string; rootDir?: string }) => {
      const { startDaemon } = await import('../reconciler/daemon.js');
      const { lineLogger } = await import('../util/log.js');
      const log = lineLogger();
      const daemon = await startDaemon({ ...options, log });
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
  ]);
}
