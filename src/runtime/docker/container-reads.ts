import type Docker from 'dockerode';
import { query, type EngineReads } from './engine-reads.js';

/** The engine's read calls the Docker runtime makes most (every relist, `ps`, `logs`). */
export interface ContainerReads {
  ping(): Promise<void>;
  listContainers(filters: Record<string, string[]>): Promise<Docker.ContainerInfo[]>;
  inspect(id: string): Promise<Docker.ContainerInspectInfo>;
  /** The multiplexed log stream, whole (no follow). */
  logs(id: string, options: { stdout: boolean; stderr: boolean; timestamps: boolean; tail?: number }): Promise<Buffer>;
}

/** The read calls as plain GETs on the engine's unix socket. */
export function socketReads(engine: EngineReads): ContainerReads {
  const container = (id: string) => `/containers/${encodeURIComponent(id)}`;
  return {
    ping: async () => void (await engine.get('/_ping')),
    listContainers: (filters) => engine.json(`/containers/json${query({ all: true, filters })}`),
    inspect: (id) => engine.json(`${container(id)}/json`),
    logs: (id, options) => engine.get(`${container(id)}/logs${query({ ...options, follow: false })}`),
  };
}

/** The same through dockerode: an engine that is not a unix socket (DOCKER_HOST=tcp://…). */
export function dockerodeReads(docker: () => Docker): ContainerReads {
  return {
    ping: async () => void (await docker().ping()),
    listContainers: (filters) => docker().listContainers({ all: true, filters }),
    inspect: (id) => docker().getContainer(id).inspect(),
    logs: (id, options) => docker().getContainer(id).logs({ ...options, follow: false }),
  };
}
