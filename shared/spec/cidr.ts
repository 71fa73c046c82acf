/** CIDR arithmetic for validation and firewall planning; IPv4 and IPv6 as bigints. */
import { isIPv4, isIPv6 } from '../validate';

export interface Cidr {
  family: 4 | 6;
  /** The network address (host bits cleared). */
  network: bigint;
  prefix: number;
  text: string;
}

function ipv4ToBigint(address: string): bigint {
  return address.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

function ipv6ToBigint(address: string): bigint {
  let text = address;
  // A trailing dotted quad (::ffff:1.2.3.4) becomes two hex groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4?.[1]) {
    const n = ipv4ToBigint(v4[1]);
    text = `${text.slice(0, -v4[1].length)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? 0 : 8 - headGroups.length - tailGroups.length;
  const groups = [...headGroups, ...Array<string>(zeros).fill('0'), ...tailGroups];
  return groups.reduce((acc, group) => (acc << 16n) | BigInt(parseInt(group, 16)), 0n);
}

export function ipToBigint(address: string): { family: 4 | 6; value: bigint } | null {
  if (isIPv4(address)) return { family: 4, value: ipv4ToBigint(address) };
  if (isIPv6(address)) return { family: 6, value: ipv6ToBigint(address) };
  return null;
}

/** Parses "10.42.0.0/16" or "fd00::/64"; null when it is not a CIDR. */
export function parseCidr(text: string): Cidr | null {
  const match = /^([^/]+)\/(\d{1,3})$/.exec(text);
  if (!match?.[1] || !match[2]) return null;
  const ip = ipToBigint(match[1]);
  const prefix = Number(match[2]);
  if (!ip) return null;
  const bits = ip.family === 4 ? 32 : 128;
  if (prefix > bits) return null;
  const hostBits = BigInt(bits - prefix);
  const network = (ip.value >> hostBits) << hostBits;
  return { family: ip.family, network, prefix, text };
}

/** True when `text` is a CIDR whose address has no host bits set (10.42.0.0/16, not 10.42.1.0/16). */
export function isCanonicalCidr(text: string): boolean {
  const cidr = parseCidr(text);
  const ip = cidr && ipToBigint(text.split('/')[0] ?? '');
  return cidr !== null && ip !== null && ip.value === cidr.network;
}

function hostBitsOf(cidr: Cidr): bigint {
  return BigInt((cidr.family === 4 ? 32 : 128) - cidr.prefix);
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  if (a.family !== b.family) return false;
  const shift = hostBitsOf(a.prefix <= b.prefix ? a : b);
  return a.network >> shift === b.network >> shift;
}

export function cidrContains(cidr: Cidr, address: string): boolean {
  const ip = ipToBigint(address);
  if (!ip || ip.family !== cidr.family) return false;
  const shift = hostBitsOf(cidr);
  return ip.value >> shift === cidr.network >> shift;
}

/** K3s takes dual-stack CIDRs as a comma-separated list: "10.42.0.0/16,fd42::/56". */
export function splitCidrList(text: string): string[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

export function isIP(value: string): boolean {
  return isIPv4(value) || isIPv6(value);
}
