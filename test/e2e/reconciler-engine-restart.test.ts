import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { listPods } from '../support/docker.js';
import { eventually, images, newTestRun } from '../support/docker.js';
import { busyboxPod } from '../support/manifests.js';
import { KubeletProcess } from '../support/kubelet-process.js';
import { tempDir } from '../support/temp.js';
import { ThrowawayEngine } from '../support/throwaway-engine.js';

const node = `e-${newTestRun()}`.toLowerCase().slice(0, 40);
let dockerd: ThrowawayEngine;
let kubelet: KubeletProcess | undefined;

const sleeper = (name: string) => busyboxPod(name);

/** Running containers by pod name, and how many containers each pod has in all. */
async function snapshot(): Promise<Record<string, { running: number; total: number }>> {
  const result: Record<string, { running: number; total: number }> = {};
  for (const pod of (await listPods(dockerd.docker, node)).values()) {
    result[pod.name] = { running: pod.containers.filter((c) => c.running).length, total: pod.containers.length };
  }
  return result;
}

before(async () => {
  dockerd = new ThrowawayEngine();
  await dockerd.start();
  await dockerd.loadFrom([images.busybox]);
});

after(async () => {
  await kubelet?.kill('SIGKILL');
  await dockerd?.destroy();
});

test('dockerd restarted under a running reconciler: it reconnects, restarts the pods, duplicates nothing', async () => {
  const dir = await tempDir({ 'a.yaml': sleeper('a'), 'b.yaml': sleeper('b') });
  const env = { ...process.env, DOCKER_HOST: dockerd.host };
  kubelet = new KubeletProcess(['--pod-manifest-path', dir, '--hostname-override', node], { env });
  const fail = (err: Error) => kubelet!.withLog(Promise.reject(err));
  const both = (s: Record<string, { running: number; total: number }>) => s[`a-${node}`]?.running === 1 && s[`b-${node}`]?.running === 1;
  await eventually('both pods running', async () => (both(await snapshot()) ? true : undefined), 20_000, 100).catch(fail);

  await dockerd.stop(); // stops every container with it
  await eventually('the reconciler noticed', async () => (/lost the container engine event stream/.test(kubelet!.log()) ? true : undefined), 10_000, 100).catch(fail);
  await new Promise((resolve) => setTimeout(resolve, 1500)); // a relist or two while the engine is away
  await dockerd.start();

  const after = await eventually('both pods running again', async () => {
    const s = await snapshot();
    return both(s) ? s : undefined;
  }, 30_000, 100).catch(fail);
  await new Promise((resolve) => setTimeout(resolve, 2000)); // nothing more may appear
  assert.deepEqual(await snapshot(), after);
  for (const pod of Object.values(after)) assert.ok(pod.total <= 2, `one running container and at most the previous one: ${JSON.stringify(after)}`);
  assert.match(kubelet.log(), /container engine event stream is back/);
  assert.equal((kubelet.log().match(/lost the container engine event stream/g) ?? []).length, 1, 'one log line for the outage, not a flood');
  await writeFile(join(dir, 'c.yaml'), sleeper('c'));
  await eventually('a new manifest still runs', async () => ((await snapshot())[`c-${node}`]?.running === 1 ? true : undefined), 20_000, 100).catch(fail);
});
