import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { reportError } from '../../src/cli/report-error.js';
import { KubebootError, UsageError } from '../../src/util/errors.js';

function capture(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

test('a KubebootError prints its message and hint and exits 1', () => {
  const out = capture();
  const code = reportError(new KubebootError('etcd did not become healthy', { hint: 'kubeboot logs etcd-n1' }), out.stream);
  assert.equal(code, 1);
  assert.equal(out.text(), 'error: etcd did not become healthy\n  kubeboot logs etcd-n1\n');
});

test('a UsageError exits 2', () => {
  const out = capture();
  assert.equal(reportError(new UsageError('--force and --dry-run exclude each other'), out.stream), 2);
});

test('an unexpected error gets no stack trace but a way to see it', () => {
  const out = capture();
  const code = reportError(new TypeError('cannot read x of undefined'), out.stream);
  assert.equal(code, 1);
  assert.match(out.text(), /^error: cannot read x of undefined\n/);
  assert.match(out.text(), /KUBEBOOT_DEBUG=1/);
  assert.doesNotMatch(out.text(), /\n\s+at /);
});
