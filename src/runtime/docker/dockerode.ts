import Module, { createRequire } from 'node:module';
import type DockerodeClass from 'dockerode';

const require = createRequire(import.meta.url);

/**
 * Packages dockerode and docker-modem load at start-up for features kubeboot never uses: gRPC and its
 * proto loader for BuildKit sessions (`buildImage` with version 2), ssh2 for `ssh://` engines, tar-fs
 * and dockerignore for build contexts. They were ~140 of dockerode's 190 ms of loading and 10 MiB of
 * the reconciler's memory (measured on the project's machine; `npm run bench` has the CLI rows). Each
 * is left as a stand-in that loads the real package the first time it is used, so every dockerode
 * feature still works.
 */
const DEFERRED: ReadonlyArray<readonly [from: 'dockerode' | 'docker-modem', name: string]> = [
  ['dockerode', '@grpc/grpc-js'],
  ['dockerode', '@grpc/proto-loader'],
  ['dockerode', 'tar-fs'],
  ['dockerode', '@balena/dockerignore'],
  ['docker-modem', 'ssh2'],
];

type Loaded = Record<string | symbol, unknown> & ((...args: unknown[]) => unknown);

/**
 * A module that loads `path` on its first use: read, called or constructed. `Client`, which
 * docker-modem reads from ssh2 as it loads, is a class that loads ssh2 when one is made.
 */
function deferred(path: string): unknown {
  let real: Loaded | undefined;
  const load = (): Loaded => {
    // Used while dockerode is still loading: the stand-in must leave the cache for the real one to load.
    if (!real && require.cache[path]?.exports === standIn) delete require.cache[path];
    return (real ??= require(path) as Loaded);
  };
  const Client = function (...args: unknown[]) {
    return Reflect.construct(load().Client as new (...a: unknown[]) => object, args);
  };
  const standIn: unknown = new Proxy(function stand() {}, {
    get: (_, key) => (key === 'Client' && !real ? Client : load()[key]),
    apply: (_, self, args) => Reflect.apply(load(), self, args),
    construct: (_, args) => Reflect.construct(load() as unknown as new (...a: unknown[]) => object, args),
  });
  return standIn;
}

let loaded: typeof DockerodeClass | undefined;

/** dockerode's class, loaded once, without the packages above until they are needed. */
export function dockerode(): typeof DockerodeClass {
  if (loaded) return loaded;
  const cache = require.cache;
  const seeded: string[] = [];
  for (const [from, name] of DEFERRED) {
    try {
      // As dockerode (and the docker-modem it uses) would resolve them.
      const ofDockerode = createRequire(require.resolve('dockerode'));
      const path = createRequire(from === 'dockerode' ? require.resolve('dockerode') : ofDockerode.resolve('docker-modem')).resolve(name);
      if (cache[path]) continue; // already loaded for real
      const stand = new Module(path);
      stand.exports = deferred(path);
      stand.loaded = true;
      cache[path] = stand;
      seeded.push(path);
    } catch {
      // a layout this does not know: dockerode loads it as usual
    }
  }
  try {
    loaded = require('dockerode') as typeof DockerodeClass;
  } finally {
    // From now on a require of these names loads the real package (the stand-ins' first use does).
    for (const path of seeded) delete cache[path];
  }
  return loaded;
}
