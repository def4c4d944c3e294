import { execa, type Options } from 'execa';
import { kubebootCommand } from './kubeboot-command.js';


export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs `kubeboot <args>` in a child process, as a user would, and never throws on a non-zero exit. */
export async function kubeboot(args: string[], options: Options = {}): Promise<CliResult> {
  const result = await execa('node', [...kubebootCommand(), ...args], {
    reject: false,
    stdin: 'ignore',
    ...options,
  });
  return {
    exitCode: result.exitCode ?? -1,
    stdout: String(result.stdout ?? ''),
    stderr: String(result.stderr ?? ''),
  };
}
