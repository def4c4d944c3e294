import { fileURLToPath } from 'node:url';
import { execa, type Options, type ResultPromise } from 'execa';
import { images } from './docker.js';

const entry = fileURLToPath(new URL('./kubeboot-from-source.ts', import.meta.url));

/** `kubeboot kubelet` as a child process (with the local pause image), its log lines collected. */
export class KubeletProcess {
  readonly lines: string[] = [];
  private readonly child: ResultPromise;

  constructor(args: string[], options: Pick<Options, 'env' | 'extendEnv'> = {}) {
    this.child = execa('node', ['--import', 'tsx', entry, 'kubelet', '--pod-infra-container-image', images.pause, ...args], { ...options, reject: false, stdin: 'ignore', all: true, buffer: false });
    this.child.all?.on('data', (chunk: Buffer) => this.lines.push(...chunk.toString().split('\n').filter(Boolean)));
  }

  log(): string {
    return this.lines.join('\n');
  }

  async kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    this.child.kill(signal);
    await this.child;
  }
}
