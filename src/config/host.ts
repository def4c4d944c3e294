import { readFile } from 'node:fs/promises';
import { hostname, networkInterfaces } from 'node:os';

/** What defaulting needs to know about the machine: injected so tests can fix it. */
export interface HostFacts {
  hostname: string;
  /** The address of the interface that holds the default route, as kube-apiserver picks it. */
  defaultAddress: string | undefined;
}

/** Reads the hostname and the default-route interface's address (IPv4 first, then IPv6). */
export async function detectHost(): Promise<HostFacts> {
  return { hostname: hostname(), defaultAddress: await defaultRouteAddress() };
}

async function defaultRouteAddress(): Promise<string | undefined> {
  const interfaces = networkInterfaces();
  const v4 = await defaultRouteInterface('/proc/net/route', (fields) => fields[1] === '00000000' && fields[7] === '00000000', 0);
  const v4Address = v4 && interfaces[v4]?.find((a) => a.family === 'IPv4' && !a.internal)?.address;
  if (v4Address) return v4Address;
  // /proc/net/ipv6_route: destination, prefix length, ..., interface name last.
  const v6 = await defaultRouteInterface('/proc/net/ipv6_route', (fields) => /^0+$/.test(fields[0] ?? '') && fields[1] === '00', 9);
  return (v6 && interfaces[v6]?.find((a) => a.family === 'IPv6' && !a.internal && !a.address.startsWith('fe80'))?.address) || undefined;
}

async function defaultRouteInterface(
  table: string,
  isDefault: (fields: string[]) => boolean,
  interfaceField: number,
): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(table, 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n').slice(table.endsWith('ipv6_route') ? 0 : 1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length > interfaceField && isDefault(fields)) return fields[interfaceField];
  }
  return undefined;
}
