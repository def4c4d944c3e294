import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

export type IpFamily = 4 | 6;

export interface Cidr {
  text: string;
  family: IpFamily;
  address: ipaddr.IPv4 | ipaddr.IPv6;
  prefix: number;
}

/** Parses `a.b.c.d/n` or `x::/n` strictly (no shorthand IPv4 forms); undefined when invalid. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const family = isIP(text.slice(0, slash));
  if (family !== 4 && family !== 6) return undefined;
  if (!/^\d{1,3}$/.test(text.slice(slash + 1))) return undefined;
  try {
    const [address, prefix] = ipaddr.parseCIDR(text);
    return { text, family, address, prefix };
  } catch {
    return undefined;
  }
}

/** The family of an IP address, or undefined when `text` is not one. */
export function ipFamily(text: string): IpFamily | undefined {
  // Node's isIP takes an IPv6 zone ("fe80::1%eth0"); Go's net.ParseIP, which kubeadm and the API server use, does not.
  if (text.includes('%')) return undefined;
  const family = isIP(text);
  return family === 4 || family === 6 ? family : undefined;
}

export function ipRange(text: string): string {
  return ipaddr.parse(text).range();
}

function toBigInt(address: ipaddr.IPv4 | ipaddr.IPv6): bigint {
  return address.toByteArray().reduce((acc, byte) => (acc << 8n) | BigInt(byte), 0n);
}

function fromBigInt(value: bigint, family: IpFamily): string {
  const length = family === 4 ? 4 : 16;
  const bytes: number[] = [];
  for (let i = 0; i < length; i++) {
    bytes.unshift(Number(value & 0xffn));
    value >>= 8n;
  }
  return ipaddr.fromByteArray(bytes).toString();
}

/** The n-th address of a subnet (n = 1: the API server's service VIP, n = 10: the cluster DNS IP). */
export function nthAddress(cidr: Cidr, n: number): string {
  const bits = cidr.family === 4 ? 32 : 128;
  const hostBits = BigInt(bits - cidr.prefix);
  const network = (toBigInt(cidr.address) >> hostBits) << hostBits;
  if (BigInt(n) >= 1n << hostBits) throw new RangeError(`${cidr.text} has no address number ${n}`);
  return fromBigInt(network + BigInt(n), cidr.family);
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  if (a.family !== b.family) return false;
  return a.address.match(b.address, b.prefix) || b.address.match(a.address, a.prefix);
}
