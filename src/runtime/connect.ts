import { DockerRuntime } from './docker/docker-runtime.js';
import type { ContainerRuntime } from './runtime.js';

/**
 * The container runtime at `endpoint` (the kubelet's --container-runtime-endpoint, `unix:///path`;
 * default DOCKER_HOST, else /var/run/docker.sock). The one place that picks an implementation.
 */
export function containerRuntime(endpoint?: string): ContainerRuntime {
  return new DockerRuntime(endpoint);
}

/** The runtime, once it has answered; otherwise one error naming the endpoint and what to do. */
export async function connectRuntime(endpoint?: string): Promise<ContainerRuntime> {
  const runtime = containerRuntime(endpoint);
  await runtime.connect();
  return runtime;
}
