import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import Docker from 'dockerode';
import { engine } from './docker.js';

/**
 * A dockerd of a test's own — its own data, exec root, socket and network namespace — for tests that
 * restart the engine: restarting the shared one would stop containers the test did not create. The
 * network namespace keeps its default bridge apart from the shared engine's docker0 (a dockerd started
 * in the host's namespace with --bridge=none deletes docker0). Host-network containers only (they share
 * that namespace). Needs root, as the private engine does.
 */
export class ThrowawayEngine {
  readonly socket: string;
  readonly host: string;
  private readonly dataRoot: string;
  private readonly execRoot: string;
  private child: ChildProcess | undefined;
  private output = '';

  constructor() {
    const id = randomBytes(3).toString('hex');
    // /run keeps the unix socket paths short (108 bytes at most, containerd's included). The engine's
    // folders are its own, removed by destroy() once it has stopped (not by the temp-folder cleanup,
    // which would run while dockerd still holds them).
    this.execRoot = `/run/kbt-${id}`;
    this.socket = join(this.execRoot, 'd.sock');
    this.host = `unix://${this.socket}`;
    this.dataRoot = `/var/tmp/kubeboot-test-engine-${id}`;
  }

  get docker(): Docker {
    return new Docker({ socketPath: this.socket });
  }

  async start(): Promise<void> {
    await mkdir(this.execRoot, { recursive: true });
    await mkdir(this.dataRoot, { recursive: true });
    const args = ['--data-root', this.dataRoot, '--exec-root', join(this.execRoot, 'x'), '-H', this.host, '--pidfile', join(this.execRoot, 'd.pid'), '--iptables=false', '--ip-masq=false'];
    const child = spawn('unshare', ['--net', 'dockerd', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (c: Buffer) => (this.output += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (this.output += c.toString()));
    const failed = new Promise<never>((_, reject) => {
      child.once('error', (err) => reject(new Error(`dockerd could not be started (${err.message}); install docker.io`)));
      child.once('exit', (code) => reject(new Error(`dockerd exited with ${code} while starting:\n${this.output.slice(-2000)}`)));
    });
    this.child = child;
    const deadline = Date.now() + 30_000;
    for (;;) {
      const up = await Promise.race([this.docker.ping().then(() => true, () => false), failed]);
      if (up) return;
      if (Date.now() > deadline) throw new Error(`dockerd did not answer on ${this.host} in 30 s:\n${this.output.slice(-2000)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Stops dockerd as a service manager would (SIGTERM: it stops its containers first). */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
    this.child = undefined;
  }

  /** Copies images from the shared test engine (docker save | docker load). */
  async loadFrom(images: string[]): Promise<void> {
    const source = await engine();
    for (const image of images) {
      const tar = await source.getImage(image).get();
      const stream = await this.docker.loadImage(tar);
      await new Promise<void>((resolve, reject) => this.docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())));
    }
  }

  /** Stops the engine and removes everything it kept. */
  async destroy(): Promise<void> {
    if (this.child) {
      await this.docker
        .listContainers({ all: true })
        .then((list) => Promise.all(list.map((c) => this.docker.getContainer(c.Id).remove({ force: true }))))
        .catch(() => undefined);
    }
    await this.stop();
    // A container's containerd-shim can outlive the engine that started it (seen once in three suite
    // runs: a shim with no container left). Only shims of this engine are ended: theirs is the address
    // under this engine's own exec root.
    await execa('pkill', ['-KILL', '-f', `^/usr/bin/containerd-shim-runc-v2 .*-address ${this.execRoot}/`], { reject: false });
    // dockerd leaves its network namespace mounts behind.
    const mounts = (await readFile('/proc/mounts', 'utf8')).split('\n').map((line) => line.split(' ')[1] ?? '');
    for (const mount of mounts.filter((m) => m.startsWith(`${this.execRoot}/`) || m.startsWith(`${this.dataRoot}/`)).reverse()) {
      await execa('umount', ['-l', mount], { reject: false });
    }
    await rm(this.dataRoot, { recursive: true, force: true });
    await rm(this.execRoot, { recursive: true, force: true });
  }
}
