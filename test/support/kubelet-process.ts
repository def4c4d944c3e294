import { execa, type Options, type ResultPromise } from 'execa';
import { images } from './docker.js';
import { tempDirSync } from './temp.js';
import { kubebootCommand } from './kubeboot-command.js';


let sharedRootDir: string | undefined;

/**
 * The --root-dir the test reconcilers of one test file share (emptyDirs, status files), so that
 * nothing is written to the real /var/lib/kubelet; pass it to `kubeboot ps --root-dir`.
 */
export function testRootDir(): string {
  sharedRootDir ??= tempDirSync();
  return sharedRootDir;
}

/**
 * `kubeboot kubelet` as a child process (with the local pause image, /healthz off and, unless --rootfs or
 * --root-dir is given, the test root dir), its log lines collected.
 */
export class KubeletProcess {
  readonly lines: string[] = [];
  private readonly child: ResultPromise;

  constructor(args: string[], options: Pick<Options, 'env' | 'extendEnv'> = {}) {
    const rootDir = args.includes('--rootfs') || args.includes('--root-dir') ? [] : ['--root-dir', testRootDir()];
    // Reconcilers run side by side in the tests: /healthz is off unless a test asks for a port.
    const healthz = args.includes('--healthz-port') ? [] : ['--healthz-port', '0'];
    this.child = execa('node', [...kubebootCommand(), 'kubelet', '--pod-infra-container-image', images.pause, ...rootDir, ...healthz, ...args], { ...options, reject: false, stdin: 'ignore', all: true, buffer: false });
    this.child.all?.on('data', (chunk: Buffer) => this.lines.push(...chunk.toString().split('\n').filter(Boolean)));
  }

  log(): string {
    return this.lines.join('\n');
  }

  /** The promise, whose failure carries this reconciler's log (what a test failure needs to be read). */
  withLog<T>(promise: Promise<T>, more = ''): Promise<T> {
    return promise.catch((err: Error) => Promise.reject(new Error(`${err.message}\nreconciler log:\n${this.log()}${more}`)));
  }

  async kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    this.child.kill(signal);
    await this.child;
  }
}
