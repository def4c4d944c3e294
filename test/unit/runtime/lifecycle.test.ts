import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PodSpec } from 'kubernetes-types/core/v1.js';
import { decodeBackoff, encodeBackoff, RetryBackoff, restartDecision } from '../../../src/runtime/backoff.js';
import type { RuntimeContainer, RuntimePod } from '../../../src/runtime/runtime.js';
import { labels } from '../../../src/runtime/labels.js';
import { planPod } from '../../../src/runtime/pod-plan.js';
import { podRow } from '../../../src/runtime/pod-status.js';

const kubelet = { initialMs: 10_000, maxMs: 300_000 };
const NOW = 1_000_000_000;

function container(name: string, fields: Partial<RuntimeContainer> & { step?: number } = {}): RuntimeContainer {
  const { step = 0, ...rest } = fields;
  return {
    id: `${name}-${rest.attempt ?? 0}`.padEnd(64, '0'),
    name,
    dockerName: `k8s_${name}_p_default_uid_${rest.attempt ?? 0}`,
    state: 'running',
    running: true,
    attempt: 0,
    restartCount: 0,
    created: NOW - 60_000,
    image: 'img',
    labels: { [labels.backoff]: encodeBackoff({ step, ...kubelet }) },
    ...rest,
  };
}

const exited = (name: string, exitCode: number, fields: Partial<RuntimeContainer> & { step?: number } = {}) =>
  container(name, { state: 'exited', running: false, exitCode, startedAt: NOW - 5_000, finishedAt: NOW - 1_000, ...fields });

const spec = (extra: Partial<PodSpec> = {}): PodSpec => ({ containers: [{ name: 'main', image: 'img' }], restartPolicy: 'Always', ...extra });

describe('crash-loop back-off', () => {
  test('waits are 0, 10, 20, 40, 80, 160, 300, 300 s: the kubelet numbers', () => {
    const waits: number[] = [];
    let step = 0;
    for (let i = 0; i < 8; i++) {
      const decision = restartDecision({ step, ...kubelet }, NOW, NOW + 1000);
      waits.push(decision.delayMs / 1000);
      step = decision.nextStep;
    }
    assert.deepEqual(waits, [0, 10, 20, 40, 80, 160, 300, 300]);
  });

  test('a container that ran 10 minutes or more before dying is restarted at once and starts the sequence again', () => {
    const decision = restartDecision({ step: 6, ...kubelet }, NOW, NOW + 600_000);
    assert.deepEqual([decision.delayMs, decision.nextStep], [0, 1]);
    assert.equal(restartDecision({ step: 6, ...kubelet }, NOW, NOW + 599_000).delayMs, 300_000);
  });

  test('short periods (for tests) reset after twice the maximum', () => {
    const short = { initialMs: 1000, maxMs: 2000 };
    assert.equal(restartDecision({ step: 3, ...short }, NOW, NOW + 3_999).delayMs, 2000);
    assert.equal(restartDecision({ step: 3, ...short }, NOW, NOW + 4_000).delayMs, 0);
  });

  test('the label round-trips, and a missing or broken one means a first start with the defaults', () => {
    assert.deepEqual(decodeBackoff(encodeBackoff({ step: 4, initialMs: 500, maxMs: 8000 })), { step: 4, initialMs: 500, maxMs: 8000 });
    assert.deepEqual(decodeBackoff(undefined), { step: 0, ...kubelet });
    assert.deepEqual(decodeBackoff('step=x,initial=,max=-3'), { step: 0, ...kubelet });
  });

  test('image pulls back off per key and forget a pod', () => {
    const pulls = new RetryBackoff({ initialMs: 10, maxMs: 40 });
    pulls.failed('uid/a', 'no registry', 0);
    assert.equal(pulls.waiting('uid/a', 5)?.message, 'no registry');
    assert.equal(pulls.waiting('uid/a', 10), undefined);
    pulls.failed('uid/a', 'no registry', 10);
    assert.equal(pulls.waiting('uid/a', 29)?.notBefore, 30);
    pulls.forget('uid/');
    assert.equal(pulls.waiting('uid/a', 11), undefined);
  });
});

describe('planPod: what the reconciler does with a pod now', () => {
  test('a new pod: every container is started', () => {
    const plan = planPod(spec({ containers: [{ name: 'a' }, { name: 'b' }] }), [], NOW);
    assert.deepEqual(plan.start.map((s) => [s.container.name, s.step, s.previous]), [['a', 0, undefined], ['b', 0, undefined]]);
  });

  test('a running container is left alone', () => {
    assert.deepEqual(planPod(spec(), [container('main')], NOW), { start: [], waits: [] });
  });

  test('the first crash restarts at once; the next waits in back-off', () => {
    const first = planPod(spec(), [exited('main', 1, { step: 0 })], NOW);
    assert.deepEqual(first.start.map((s) => [s.container.name, s.step, s.previous?.exitCode]), [['main', 1, 1]]);
    const second = planPod(spec(), [exited('main', 1, { step: 1, attempt: 1 })], NOW);
    assert.deepEqual(second.start, []);
    assert.deepEqual(second.waits.map((w) => [w.name, w.reason, w.delayMs, w.notBefore]), [['main', 'CrashLoopBackOff', 10_000, NOW - 1_000 + 10_000]]);
  });

  test('restartPolicy: OnFailure leaves exit 0 down and restarts a failure; Never restarts nothing', () => {
    assert.equal(planPod(spec({ restartPolicy: 'OnFailure' }), [exited('main', 0)], NOW).start.length, 0);
    assert.equal(planPod(spec({ restartPolicy: 'OnFailure' }), [exited('main', 2)], NOW).start.length, 1);
    assert.equal(planPod(spec({ restartPolicy: 'Never' }), [exited('main', 2)], NOW).start.length, 0);
    assert.equal(planPod(spec({ restartPolicy: 'Always' }), [exited('main', 0)], NOW).start.length, 1);
  });

  test('a created container that never started is started, not duplicated, whatever the policy', () => {
    const created = container('main', { state: 'created', running: false });
    const plan = planPod(spec({ restartPolicy: 'Never' }), [created], NOW);
    assert.equal(plan.start[0]?.existing, created);
  });

  test('the newest attempt decides, older exited containers do not', () => {
    const plan = planPod(spec(), [exited('main', 1, { attempt: 0 }), container('main', { attempt: 1 })], NOW);
    assert.deepEqual(plan, { start: [], waits: [] });
  });

  test('init containers run one at a time, in order, before the app containers', () => {
    const pod = spec({ initContainers: [{ name: 'i1' }, { name: 'i2' }] });
    assert.deepEqual(planPod(pod, [], NOW).start.map((s) => [s.container.name, s.init]), [['i1', true]]);
    assert.deepEqual(planPod(pod, [container('i1')], NOW).start, []);
    assert.deepEqual(planPod(pod, [exited('i1', 0)], NOW).start.map((s) => s.container.name), ['i2']);
    assert.deepEqual(planPod(pod, [exited('i1', 0), exited('i2', 0)], NOW).start.map((s) => s.container.name), ['main']);
  });

  test('a failed init container is restarted with back-off and blocks the app containers; under Never the pod fails', () => {
    const pod = spec({ initContainers: [{ name: 'i1' }] });
    assert.deepEqual(planPod(pod, [exited('i1', 1)], NOW).start.map((s) => [s.container.name, s.step]), [['i1', 1]]);
    const waiting = planPod(pod, [exited('i1', 1, { step: 2 })], NOW);
    assert.deepEqual([waiting.start.length, waiting.waits.map((w) => [w.name, w.init])], [0, [['i1', true]]]);
    const never = planPod({ ...pod, restartPolicy: 'Never' }, [exited('i1', 1)], NOW);
    assert.match(never.failed ?? '', /init container i1 failed \(exit code 1\)/);
    assert.equal(never.start.length, 0);
  });

  test('once an app container exists, init containers are not run again', () => {
    const pod = spec({ initContainers: [{ name: 'i1' }] });
    assert.deepEqual(planPod(pod, [exited('main', 1, { step: 1 })], NOW).start, []);
    assert.equal(planPod(pod, [exited('main', 1, { step: 1 })], NOW).waits[0]?.name, 'main');
  });
});

describe('podRow: what kubectl get pods would print', () => {
  const pod = (podSpec: PodSpec, containers: RuntimeContainer[]): RuntimePod => {
    const podLabel = JSON.stringify({ metadata: { name: 'web-n1', namespace: 'default' }, spec: podSpec });
    return { uid: 'uid', name: 'web-n1', namespace: 'default', source: '/m/web.yaml', containers: containers.map((c) => ({ ...c, labels: { ...c.labels, [labels.podSpec]: podLabel, [labels.node]: 'n1' } })) };
  };

  test('running, with restarts counted and the last one dated', () => {
    const row = podRow(pod(spec(), [container('main', { restartCount: 2, attempt: 2, created: NOW - 30_000 })]), undefined, NOW);
    assert.deepEqual([row.ready, row.status, row.restarts, row.lastRestart], ['1/1', 'Running', 2, NOW - 30_000]);
  });

  test('a crash loop shows CrashLoopBackOff and when the next try is', () => {
    const row = podRow(pod(spec(), [exited('main', 1, { step: 2, restartCount: 2, attempt: 2 })]), undefined, NOW);
    assert.deepEqual([row.ready, row.status, row.restarts, row.nextTry], ['0/1', 'CrashLoopBackOff', 2, NOW - 1_000 + 20_000]);
    assert.equal(row.containers[0]!.exitCode, 1);
  });

  test('exit 0 under OnFailure is Completed; a failure under Never is Error; OOM is OOMKilled', () => {
    assert.equal(podRow(pod(spec({ restartPolicy: 'OnFailure' }), [exited('main', 0)]), undefined, NOW).status, 'Completed');
    assert.equal(podRow(pod(spec({ restartPolicy: 'Never' }), [exited('main', 3)]), undefined, NOW).status, 'Error');
    assert.equal(podRow(pod(spec({ restartPolicy: 'Never' }), [exited('main', 137, { oomKilled: true })]), undefined, NOW).status, 'OOMKilled');
  });

  test('a readiness probe: not ready until the reconciler says so', () => {
    const probed = spec({ containers: [{ name: 'main', readinessProbe: { exec: { command: ['true'] } } }] });
    const c = container('main');
    assert.deepEqual([podRow(pod(probed, [c]), undefined, NOW).ready], ['0/1']);
    const notes = { node: 'n1', pid: 1, updated: '', containers: { [c.id]: { ready: true, started: true } }, waiting: {} };
    assert.deepEqual([podRow(pod(probed, [c]), notes, NOW).ready, podRow(pod(probed, [c]), notes, NOW).status], ['1/1', 'Running']);
  });

  test('init containers: Init:n/m while they run, Init:CrashLoopBackOff when one fails', () => {
    const withInit = spec({ initContainers: [{ name: 'i1' }, { name: 'i2' }] });
    assert.equal(podRow(pod(withInit, [exited('i1', 0), container('i2')]), undefined, NOW).status, 'Init:1/2');
    assert.equal(podRow(pod(withInit, [exited('i1', 1, { step: 1 })]), undefined, NOW).status, 'Init:CrashLoopBackOff');
    assert.equal(podRow(pod({ ...withInit, restartPolicy: 'Never' }, [exited('i1', 1)]), undefined, NOW).status, 'Init:Error');
  });

  test('an image that cannot be pulled, from the reconciler’s notes', () => {
    const sandboxOnly = pod(spec(), [{ ...container('POD'), name: 'POD' }]);
    const notes = { node: 'n1', pid: 1, updated: '', containers: {}, waiting: { 'uid/main': { reason: 'ImagePullBackOff', message: 'Back-off pulling image' } } };
    assert.deepEqual([podRow(sandboxOnly, notes, NOW).status, podRow(sandboxOnly, notes, NOW).ready], ['ImagePullBackOff', '0/1']);
  });
});
