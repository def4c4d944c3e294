import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as der from '../../../src/pki/der.js';

// Encodings from X.690's rules and the RFCs' well-known values, not from our own output.
const hex = (b: Buffer) => b.toString('hex');

test('DER: lengths in the shortest form, integers without redundant bytes, OIDs in base 128', () => {
  assert.equal(hex(der.tlv(0x04, Buffer.alloc(3))), '0403000000');
  assert.equal(hex(der.tlv(0x04, Buffer.alloc(200))).slice(0, 6), '0481c8');
  assert.equal(hex(der.tlv(0x04, Buffer.alloc(300))).slice(0, 8), '0482012c');
  assert.equal(hex(der.smallInteger(2)), '020102');
  assert.equal(hex(der.unsignedInteger(Uint8Array.of(0x80))), '02020080'); // 128: a leading zero keeps it positive
  assert.equal(hex(der.unsignedInteger(Uint8Array.of(0, 0, 0x7f))), '02017f');
  assert.equal(hex(der.unsignedInteger(Uint8Array.of(0, 0))), '020100');
  assert.equal(hex(der.objectIdentifier('1.2.840.113549')), '06062a864886f70d'); // X.690 8.19.5's example arcs
  assert.equal(hex(der.objectIdentifier('2.5.29.15')), '0603551d0f'); // id-ce-keyUsage
  assert.equal(hex(der.objectIdentifier('1.2.840.10045.4.3.2')), '06082a8648ce3d040302'); // ecdsa-with-SHA256
  assert.equal(hex(der.boolean(true)), '0101ff');
  assert.equal(hex(der.nullValue()), '0500');
});

test('DER: named bits drop trailing zero bits; Time is UTCTime through 2049 and GeneralizedTime after', () => {
  assert.equal(hex(der.namedBits([0, 5, 6])), '03020186'); // digitalSignature, keyCertSign, cRLSign: the usual CA key usage
  assert.equal(hex(der.namedBits([0, 2, 5])), '030202a4'); // kubeadm's CA: + keyEncipherment
  assert.equal(hex(der.namedBits([0, 2])), '030205a0'); // kubeadm's leaves
  assert.equal(hex(der.namedBits([8])), '0303070080'); // decipherOnly: bit 8, the top bit of a second byte
  assert.equal(der.time(new Date('2049-12-31T23:59:59Z')).toString('latin1'), '\x17\x0d491231235959Z');
  assert.equal(der.time(new Date('2050-01-01T00:00:00Z')).toString('latin1'), '\x18\x0f20500101000000Z');
  assert.equal(der.time(new Date('1999-02-03T04:05:06.789Z')).toString('latin1'), '\x17\x0d990203040506Z'); // whole seconds
});
