import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../util/atomic-write.js';
import type { ResultPromise } from 'execa';
import type { ProcessRecord } from './records.js';

/**
 * The launcher: a POSIX shell script run by `unshare --mount --propagation private`, so that it and the
 * container's process live in a mount namespace of their own. Its arguments, never its text, carry the
 * container's values (nothing is quoted into a script):
 *   $1 container folder   $2 exit-code file   $3 cgroup files to join (space-separated, made by kubeboot)
 *   $4 number of mounts, then per mount: source target mode (ro | rw | tmpfs:<options>)
 *   --, the working directory, the command line.
 * The root the process sees is an overlay of the host's `/` with a tmpfs on top: the folders that mount
 * targets need are made there, never on the host, and what the process writes outside its volumes goes
 * with it (as a container's writable layer does). The shell stays as the parent to write the exit code
 * (it ignores SIGTERM only while it waits: the trap is reset for the process it starts).
 */
export const LAUNCHER = `set -eu
dir=$1 exitfile=$2 cgroups=$3 mounts=$4
shift 4
for file in $cgroups; do echo $$ > "$file"; done
container_path=\${PATH-}
PATH=/usr/sbin:/usr/bin:/sbin:/bin
root=$dir/root
mkdir -p "$root"
mount -t tmpfs -o mode=0755 kubeboot-process "$root"
mkdir "$root/upper" "$root/work" "$root/merged"
mount -t overlay kubeboot-process -o "lowerdir=/,upperdir=$root/upper,workdir=$root/work" "$root/merged"
top=$root/merged
for sys in /proc /sys /dev; do mount --rbind "$sys" "$top$sys"; done
while [ "$mounts" -gt 0 ]; do
  source=$1 target=$2 mode=$3
  shift 3
  mounts=$((mounts - 1))
  case $mode in
    tmpfs:*) mkdir -p "$top$target"; mount -t tmpfs -o "\${mode#tmpfs:}" tmpfs "$top$target"; continue ;;
  esac
  if [ -d "$source" ]; then mkdir -p "$top$target"; else mkdir -p "$(dirname "$top$target")"; [ -e "$top$target" ] || : > "$top$target"; fi
  mount --bind "$source" "$top$target"
  if [ "$mode" = ro ]; then mount -o remount,bind,ro "$top$target"; fi
done
[ "$1" = -- ] && shift
workdir=$1
shift
PATH=$container_path
trap : TERM INT HUP
set +e
chroot "$top" /bin/sh -c 'cd "$1" && shift && exec "$@"' launch "$workdir" "$@"
code=$?
echo "$code" > "$exitfile"
exit "$code"
`;

/** The host's tools the launcher and exec use, found once (util-linux's unshare and nsenter, coreutils' chroot). */
export interface HostTools {
  unshare: string;
  nsenter: string;
  chroot: string;
}

/** The launcher's argument list for a record: see LAUNCHER for their order. */
export function launcherArgs(record: ProcessRecord, dir: string, exitFile: string, cgroupFiles: string[]): string[] {
  const { launch } = record;
  const mounts = [
    ...launch.binds.flatMap((b) => [b.source, b.target, b.readOnly ? 'ro' : 'rw']),
    ...Object.entries(launch.tmpfs).flatMap(([target, options]) => ['tmpfs', target, `tmpfs:${options}`]),
  ];
  return [dir, exitFile, cgroupFiles.join(' '), String(mounts.length / 3), ...mounts, '--', launch.workingDir, ...launch.argv];
}

/** Writes the launcher where the state is (`ps` on the host then shows `/bin/sh .../launch.sh <container folder> ...`). */
export async function writeLauncher(stateDir: string): Promise<string> {
  const file = join(stateDir, 'launch.sh');
  if ((await readFile(file, 'utf8').catch(() => undefined)) !== LAUNCHER) await writeFileAtomic(file, LAUNCHER, { mode: 0o755, dirMode: 0o700 });
  return file;
}

/**
 * Starts a record's process in its own session and process group (signals go to the group), its output
 * appended to the log file, detached from this process so that it outlives the reconciler.
 */
export async function spawnProcess(tools: HostTools, launcher: string, args: string[], env: Record<string, string>, logFile: string): Promise<{ child: ResultPromise }> {
  const { execa } = await import('execa'); // loaded when a process starts: `ps` and `logs` never need it
  const log = await open(logFile, 'a', 0o640);
  try {
    const child = execa(tools.unshare, ['--mount', '--propagation', 'private', '--', '/bin/sh', launcher, ...args], {
      env,
      extendEnv: false,
      detached: true,
      cleanup: false,
      reject: false,
      buffer: false,
      stdin: 'ignore',
      // The log file's descriptor is handed to the process itself: its output never passes through kubeboot.
      // (execa takes any open descriptor; its types spell out only 3 to 9.)
      stdout: log.fd as 3,
      stderr: log.fd as 3,
    });
    // A launch that fails before the process exists (no unshare) shows as an exit, as any other.
    child.catch(() => undefined);
    child.unref();
    // Wrapped: a bare subprocess is a promise, and returning it would wait for the process to end.
    return { child };
  } finally {
    await log.close();
  }
}

/** Runs a command in a running process's mount namespace and root (exec probes, preStop): ok when it exits 0 in time. */
export async function execInProcess(tools: HostTools, record: ProcessRecord, root: string, command: string[], timeoutMs: number): Promise<{ ok: boolean; message: string }> {
  const { execa } = await import('execa');
  const result = await execa(tools.nsenter, ['--target', String(record.pid), '--mount', '--', tools.chroot, root, ...command], {
    env: record.launch.env,
    extendEnv: false,
    reject: false,
    timeout: timeoutMs,
    all: true,
    stdin: 'ignore',
  });
  const output = (result.all ?? '').toString().trim();
  if (result.timedOut) return { ok: false, message: `command timed out after ${timeoutMs} ms` };
  if (result.exitCode === 0) return { ok: true, message: output };
  return { ok: false, message: `command ${JSON.stringify(command)} exited with ${result.exitCode ?? result.signal}${output ? `: ${output}` : ''}` };
}
