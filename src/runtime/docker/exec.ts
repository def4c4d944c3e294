import type Docker from 'dockerode';
import type { ExecResult } from '../runtime.js';
import { frames } from './stream-frames.js';

/** Runs a command in a running container through the engine; ok when it exits 0 within the timeout. */
export async function execIn(docker: Docker, containerId: string, command: string[], timeoutMs: number): Promise<ExecResult> {
  const exec = await docker.getContainer(containerId).exec({ Cmd: command, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({});
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  const finished = new Promise<'done'>((resolve) => {
    stream.on('end', () => resolve('done'));
    stream.on('error', () => resolve('done'));
  });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
  const outcome = await Promise.race([finished, timedOut]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    stream.destroy();
    return { ok: false, message: `command timed out after ${timeoutMs} ms` };
  }
  const { ExitCode } = await exec.inspect();
  const output = Buffer.concat(frames(Buffer.concat(chunks)).map((f) => f.data)).toString().trim().slice(0, 200);
  return ExitCode === 0 ? { ok: true, message: output } : { ok: false, message: `command exited ${ExitCode}${output ? `: ${output}` : ''}` };
}
