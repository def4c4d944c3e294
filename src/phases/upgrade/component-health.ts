import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { listPodRows } from '../../runtime/pod-list.js';
import type { PodRow } from '../../runtime/pod-status.js';
import type { ContainerRuntime } from '../../runtime/runtime.js';
import type { Host } from '../../util/host.js';

const POLL_MS = 500;

export interface ComponentWatch {
  runtime: ContainerRuntime;
  host: Host;
  rootDir: string;
  node: string;
}

/**
 * The component's static pod as `kubeboot ps` shows it. While the reconciler replaces a pod, the old
 * one (stopping) and the new one are listed under one name: the one on `image` is the one that
 * matters, else the youngest.
 */
export async function componentRow(watch: ComponentWatch, component: string, image?: string): Promise<PodRow | undefined> {
  return pick(await componentRows(watch, component), image);
}

async function componentRows(watch: ComponentWatch, component: string): Promise<PodRow[]> {
  const rows = await listPodRows(watch.runtime, { node: watch.node, rootDir: watch.host.path(watch.rootDir) });
  return rows.filter((r) => r.namespace === 'kube-system' && r.name === `${component}-${watch.node}`);
}

function pick(rows: PodRow[], image: string | undefined): PodRow | undefined {
  const onImage = rows.filter((r) => image !== undefined && r.containers.some((c) => c.image === image));
  return [...(onImage.length > 0 ? onImage : rows)].sort((a, b) => a.ageMs - b.ageMs)[0];
}

/** Running, every container ready (its probes pass), on `image`, and not the container `notId`. */
export function healthyOn(row: PodRow | undefined, image: string, notId?: string): boolean {
  return row !== undefined && row.status === 'Running' && row.containers.length > 0 && row.containers.every((c) => c.state === 'running' && c.ready && c.image === image && c.id !== notId);
}

/**
 * Waits until the reconciler runs the component's pod on `image` with its probes passing (a new
 * container when `notId` names the old one). Resolves with the last row seen; `ok` false after the timeout.
 */
export async function waitHealthy(watch: ComponentWatch, component: string, image: string, timeoutMs: number, notId?: string): Promise<{ ok: boolean; row: PodRow | undefined }> {
  const deadline = Date.now() + timeoutMs;
  let row: PodRow | undefined;
  for (;;) {
    const rows = await componentRows(watch, component).catch(() => undefined);
    const healthy = rows?.find((r) => healthyOn(r, image, notId));
    if (healthy) return { ok: true, row: healthy };
    if (rows) row = pick(rows, image);
    if (Date.now() > deadline) return { ok: false, row };
    await sleep(POLL_MS);
  }
}

/** What a user needs to see of a component that did not come healthy: its state and its last log lines. */
export async function describeFailure(watch: ComponentWatch, component: string, row: PodRow | undefined): Promise<string[]> {
  if (!row) return [`${component}: no pod on this node`];
  const lines = [`${row.name}: ${row.status}, ready ${row.ready}, restarts ${row.restarts}`];
  for (const c of row.containers) lines.push(`  container ${c.name} (${c.image}): ${c.state}${c.reason ? ` ${c.reason}` : ''}${c.exitCode !== undefined ? `, exit code ${c.exitCode}` : ''}${c.message ? ` — ${c.message}` : ''}`);
  const pod = (await watch.runtime.listPods({ node: watch.node })).get(row.uid);
  const newest = pod?.containers.filter((c) => c.name !== 'POD').sort((a, b) => b.created - a.created)[0];
  if (newest) {
    let text = '';
    const sink = new Writable({ write: (chunk: Buffer, _e, done) => ((text += chunk.toString()), done()) });
    await watch.runtime.containerLogs(newest.id, { tail: 10 }, { stdout: sink, stderr: sink }).catch(() => undefined);
    if (text.trim()) lines.push('  last log lines:', ...text.trimEnd().split('\n').map((l) => `    ${l}`));
  }
  return lines;
}
