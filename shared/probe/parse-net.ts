/** Addresses, default route and listeners from `ip`, `ss` and /proc/net output. */
import type { Listener, NetAddress } from '../facts';
import { isIPv4, isIPv6 } from '../validate';
import { PROBED_PORTS } from './script';
import { lines, text, toInt, type Sections } from './sections';

/** `ip -o addr show` lines: "2: eth0    inet 10.0.0.5/24 brd … scope global eth0\ …". */
export function parseAddresses(sections: Sections): NetAddress[] {
  const out: NetAddress[] = [];
  for (const line of lines(sections, 'addr')) {
    const m = /^\d+:\s+([^\s:@]+)(?:@\S+)?:?\s+(inet6?)\s+([0-9a-fA-F.:]+)\/(\d+)(.*)$/.exec(line);
    if (!m) continue;
    const [, iface = '', family, address = '', prefix, rest = ''] = m;
    if (iface === 'lo' || /scope (host|link)/.test(rest)) continue;
    const v4 = family === 'inet';
    if (v4 ? !isIPv4(address) : !isIPv6(address)) continue;
    const prefixLength = toInt(prefix, 0, v4 ? 32 : 128);
    if (prefixLength === null) continue;
    out.push({ iface, address, family: v4 ? 4 : 6, prefixLength });
  }
  return out;
}

/** The default-route interface: from `ip route`, else from /proc/net/route. */
export function parseDefaultInterface(sections: Sections): string | null {
  for (const line of lines(sections, 'route')) {
    const m = /^default\b.*\bdev\s+(\S+)/.exec(line);
    if (m?.[1]) return m[1];
  }
  for (const line of lines(sections, 'proc-route').slice(1)) {
    const [iface, destination, , , , , , mask] = line.split(/\s+/);
    if (iface && destination === '00000000' && (mask === undefined || mask === '00000000')) return iface;
  }
  return null;
}

const PORTS = new Set<number>(PROBED_PORTS);

function splitHostPort(value: string): { address: string; port: number } | null {
  const m = /^(.*):(\d+)$/.exec(value);
  if (!m) return null;
  const port = toInt(m[2], 1, 65535);
  if (port === null) return null;
  return { address: (m[1] ?? '').replace(/^\[|\]$/g, '').replace(/%\S+$/, ''), port };
}

function hexAddress(hex: string): string {
  if (hex.length === 8) {
    // /proc/net/tcp stores IPv4 in host byte order (little-endian on every arch K3s runs on).
    return [6, 4, 2, 0].map((i) => parseInt(hex.slice(i, i + 2), 16)).join('.');
  }
  if (/^0+$/.test(hex)) return '::';
  return hex.length === 32 ? `v6:${hex}` : hex;
}

/** `ss -lntup` lines, or /proc/net/{tcp,udp}[6] lines prefixed with the file name. */
export function parseListeners(sections: Sections): Listener[] {
  const out: Listener[] = [];
  const seen = new Set<string>();
  const add = (listener: Listener): void => {
    const key = `${listener.proto}/${listener.address}/${listener.port}`;
    if (!PORTS.has(listener.port) || seen.has(key)) return;
    seen.add(key);
    out.push(listener);
  };
  for (const line of (text(sections, 'listeners') ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)) {
    const fields = line.split(/\s+/);
    if ((fields[0] === 'tcp' || fields[0] === 'udp') && !/^\d+:$/.test(fields[1] ?? '')) {
      // ss: Netid State Recv-Q Send-Q Local:Port Peer:Port [users:(("name",pid=…))]
      const local = splitHostPort(fields[4] ?? '');
      if (!local) continue;
      const proc = /users:\(\("([^"]+)"/.exec(line)?.[1] ?? null;
      add({ proto: fields[0], address: local.address, port: local.port, process: proc });
      continue;
    }
    const proc = /^(tcp|udp)6?$/.exec(fields[0] ?? '');
    if (proc?.[1]) {
      // /proc/net/tcp: sl local_address rem_address st …; 0A = LISTEN (tcp), 07 = unconnected (udp)
      const [, , localHex, , state] = fields;
      const [addressHex = '', portHex = ''] = (localHex ?? '').split(':');
      const port = parseInt(portHex, 16);
      const listening = proc[1] === 'tcp' ? state === '0A' : state === '07';
      if (!listening || !Number.isInteger(port)) continue;
      add({ proto: proc[1] as 'tcp' | 'udp', address: hexAddress(addressHex), port, process: null });
    }
  }
  return out;
}

/** `$SSH_CONNECTION`: "client_ip client_port server_ip server_port". */
export function parseSshConnection(sections: Sections): {
  clientAddress: string | null;
  serverAddress: string | null;
  serverPort: number | null;
} {
  const [client, , server, port] = (lines(sections, 'ssh-connection')[0] ?? '').split(/\s+/);
  const valid = (a: string | undefined): string | null => (a && (isIPv4(a) || isIPv6(a)) ? a : null);
  return { clientAddress: valid(client), serverAddress: valid(server), serverPort: toInt(port, 1, 65535) };
}
