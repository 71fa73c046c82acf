/**
 * What people paste to add several machines at once: one per line (or separated by commas or
 * spaces) as `address`, `user@address`, `address:port`, `user@[v6]:port`, or an IPv4 range
 * `192.168.1.10-15` / `192.168.1.10-192.168.1.15`. Every problem is reported with its line.
 */
import { addressProblem, isIPv4, portProblem, userProblem } from './validate';

export interface ListedHost {
  address: string;
  port?: number;
  user?: string;
}

export interface HostListResult {
  hosts: ListedHost[];
  problems: { line: number; text: string; message: string }[];
}

/** A range may not add more machines than this at once: a typo like .1-254 is caught. */
export const MAX_RANGE = 64;

function ipv4Range(text: string): string[] | string | null {
  const m = /^(\d+\.\d+\.\d+)\.(\d+)-(?:(\d+\.\d+\.\d+)\.)?(\d+)$/.exec(text);
  if (!m) return null;
  const [, prefix, fromText, otherPrefix, toText] = m as unknown as [
    string,
    string,
    string,
    string | undefined,
    string,
  ];
  if (otherPrefix !== undefined && otherPrefix !== prefix)
    return 'A range must stay within one /24, e.g. 192.168.1.10-20.';
  const from = Number(fromText);
  const to = Number(toText);
  if (!isIPv4(`${prefix}.${from}`) || !isIPv4(`${prefix}.${to}`))
    return `“${text}” is not a range of IPv4 addresses.`;
  if (to < from) return `The range ${text} runs backwards: write the lower address first.`;
  if (to - from + 1 > MAX_RANGE)
    return `The range ${text} has ${to - from + 1} addresses; at most ${MAX_RANGE} at once.`;
  return Array.from({ length: to - from + 1 }, (_, i) => `${prefix}.${from + i}`);
}

function parseEntry(entry: string): ListedHost[] | string {
  let rest = entry;
  let user: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    user = rest.slice(0, at);
    rest = rest.slice(at + 1);
    const problem = userProblem(user);
    if (problem) return problem;
  }
  let port: number | undefined;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  if (bracket) {
    rest = bracket[1] ?? '';
    if (bracket[2] !== undefined) port = Number(bracket[2]);
  } else if ((rest.match(/:/g) ?? []).length === 1) {
    const [host, portText] = rest.split(':') as [string, string];
    rest = host;
    port = /^\d+$/.test(portText) ? Number(portText) : NaN;
  }
  if (port !== undefined) {
    const problem = portProblem(port);
    if (problem) return problem;
  }
  const range = ipv4Range(rest);
  if (typeof range === 'string') return range;
  const addresses = range ?? [rest];
  for (const address of addresses) {
    const problem = addressProblem(address);
    if (problem) return problem;
  }
  return addresses.map((address) => ({
    address,
    ...(port !== undefined ? { port } : {}),
    ...(user ? { user } : {}),
  }));
}

export function parseHostList(text: string): HostListResult {
  const result: HostListResult = { hosts: [], problems: [] };
  const seen = new Set<string>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/#.*$/, '').trim();
    for (const entry of line.split(/[\s,;]+/).filter(Boolean)) {
      const parsed = parseEntry(entry);
      if (typeof parsed === 'string') {
        result.problems.push({ line: index + 1, text: entry, message: parsed });
        continue;
      }
      for (const host of parsed) {
        const key = `${host.user ?? ''}@${host.address}:${host.port ?? ''}`;
        if (seen.has(key)) continue;
        seen.add(key);
        result.hosts.push(host);
      }
    }
  });
  return result;
}
