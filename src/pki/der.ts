/*
 * DER (ITU-T X.690) for the few ASN.1 types a certificate's body uses, written here for a reason
 * measured: encoding the ten certificates of `init` through @peculiar/asn1-x509 (on asn1js) took
 * ~12 ms of a ~35 ms certificate set warm, and more cold, each certificate being made once. The x509
 * library still makes the parts with subtle rules (names and their string types, key identifiers) and
 * parses certificates; test/unit/pki/certificate-der.test.ts holds our bytes to its generator's.
 */

function lengthOctets(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** A tag, the contents' length in the shortest form, the contents. */
export function tlv(tag: number, ...contents: Uint8Array[]): Buffer {
  const body = Buffer.concat(contents);
  return Buffer.concat([Buffer.from([tag]), lengthOctets(body.length), body]);
}

export const sequence = (...items: Uint8Array[]): Buffer => tlv(0x30, ...items);

/** [n] EXPLICIT: the context-specific constructed tag around a whole encoding. */
export const explicit = (n: number, ...items: Uint8Array[]): Buffer => tlv(0xa0 | n, ...items);

/** [n] IMPLICIT of a primitive type: the context-specific tag in place of the type's own. */
export const implicitPrimitive = (n: number, contents: Uint8Array): Buffer => tlv(0x80 | n, contents);

export const boolean = (value: boolean): Buffer => tlv(0x01, Uint8Array.of(value ? 0xff : 0x00));

export const nullValue = (): Buffer => Buffer.from([0x05, 0x00]);

export const octetString = (contents: Uint8Array): Buffer => tlv(0x04, contents);

/** A non-negative INTEGER from its big-endian bytes: no redundant leading zeros, a zero first where the top bit is set. */
export function unsignedInteger(bytes: Uint8Array): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  return tlv(0x02, (trimmed[0] ?? 0) & 0x80 ? Buffer.concat([Uint8Array.of(0), trimmed]) : trimmed.length ? trimmed : Uint8Array.of(0));
}

export const smallInteger = (value: number): Buffer => unsignedInteger(Uint8Array.of(value));

/** An OBJECT IDENTIFIER from its dotted form. */
export function objectIdentifier(dotted: string): Buffer {
  const arcs = dotted.split('.').map(Number);
  const values = [arcs[0]! * 40 + arcs[1]!, ...arcs.slice(2)];
  const bytes: number[] = [];
  for (const value of values) {
    const base128: number[] = [value % 128];
    for (let rest = Math.floor(value / 128); rest > 0; rest = Math.floor(rest / 128)) base128.unshift(0x80 | rest % 128);
    bytes.push(...base128);
  }
  return tlv(0x06, Uint8Array.from(bytes));
}

/** A BIT STRING of whole bytes (a signature, a public key). */
export const bitString = (bytes: Uint8Array): Buffer => tlv(0x03, Uint8Array.of(0), bytes);

/** A BIT STRING of named bits (bit 0 is the first byte's top bit), trailing zero bits dropped as DER asks. */
export function namedBits(bits: number[]): Buffer {
  if (bits.length === 0) return tlv(0x03, Uint8Array.of(0));
  const last = Math.max(...bits);
  const bytes = new Uint8Array(Math.floor(last / 8) + 1);
  for (const bit of bits) bytes[Math.floor(bit / 8)]! |= 0x80 >> bit % 8;
  return tlv(0x03, Uint8Array.of(7 - (last % 8)), bytes);
}

const two = (n: number) => String(n).padStart(2, '0');

/** RFC 5280's Time: UTCTime through 2049, GeneralizedTime from 2050, in whole seconds, UTC. */
export function time(date: Date): Buffer {
  const year = date.getUTCFullYear();
  const rest = `${two(date.getUTCMonth() + 1)}${two(date.getUTCDate())}${two(date.getUTCHours())}${two(date.getUTCMinutes())}${two(date.getUTCSeconds())}Z`;
  if (year >= 1950 && year < 2050) return tlv(0x17, Buffer.from(`${two(year % 100)}${rest}`, 'latin1'));
  return tlv(0x18, Buffer.from(`${String(year).padStart(4, '0')}${rest}`, 'latin1'));
}
