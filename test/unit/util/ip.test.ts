import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cidrsOverlap, nthAddress, parseCidr } from '../../../src/util/ip.js';

test('nthAddress gives kubeadm’s API service VIP and DNS addresses', () => {
  assert.equal(nthAddress(parseCidr('10.96.0.0/12')!, 1), '10.96.0.1');
  assert.equal(nthAddress(parseCidr('10.96.0.0/12')!, 10), '10.96.0.10');
  assert.equal(nthAddress(parseCidr('10.100.5.7/16')!, 10), '10.100.0.10', 'host bits of the base are ignored');
  assert.equal(nthAddress(parseCidr('fd00:10:96::/112')!, 10), 'fd00:10:96::a');
  assert.throws(() => nthAddress(parseCidr('10.0.0.0/30')!, 10), RangeError);
});

test('parseCidr is strict', () => {
  assert.equal(parseCidr('10.96.0.0'), undefined);
  assert.equal(parseCidr('10.96.0/12'), undefined);
  assert.equal(parseCidr('10.96.0.0/33'), undefined);
  assert.equal(parseCidr('10.96.0.0/ 12'), undefined);
  assert.equal(parseCidr('fd00::/129'), undefined);
  assert.equal(parseCidr('fd00::/64')?.family, 6);
});

test('cidrsOverlap', () => {
  assert.equal(cidrsOverlap(parseCidr('10.96.0.0/12')!, parseCidr('10.100.0.0/16')!), true);
  assert.equal(cidrsOverlap(parseCidr('10.96.0.0/12')!, parseCidr('10.244.0.0/16')!), false);
  assert.equal(cidrsOverlap(parseCidr('10.96.0.0/12')!, parseCidr('fd00::/64')!), false);
});
