/**
 * Real connectivity tests between nodes, over the existing SSH sessions: a short-lived
 * listener on the target (it binds only for the test and exits by itself), then a probe from
 * each source carrying a token the listener reports back. A firewall that would break the
 * cluster is found before anything is installed.
 */
import { randomBytes } from 'node:crypto';
import pLimit from 'p-limit';
import {
  requiredPaths,
  type ConnectivityNode,
  type ConnectivityResult,
  type ConnectivityShape,
  type PortPath,
  type Proto,
} from '../../shared/checks/connectivity';
import { AppError } from '../../shared/errors';
import { shJoin } from '../../shared/shell';
import type { PoolTarget, SessionPool } from '../ssh/pool';
import type { SshSession } from '../ssh/session';

export interface TestNode extends ConnectivityNode {
  target: PoolTarget;
  /** The address the other nodes use for this one (its default-route address). */
  address: string;
}

export interface ConnectivityOptions extends ConnectivityShape {
  pool: SessionPool;
  nodes: TestNode[];
  /** The paths to test; by default every path of the flow table between `nodes`. */
  paths?: PortPath[];
  /** How many listeners at once (default 6); each holds an SSH channel, as each probe does. */
  concurrency?: number;
  /** How long a listener stays bound at most, in ms (default 8 s). */
  windowMs?: number;
  signal?: AbortSignal;
}

// Binds, says "ready" (or "in-use"), reports each token received, exits when all expected
// tokens arrived or the window closed, or as soon as its SSH channel is gone: it writes an empty
// line every quarter second, and a write to a closed channel ends it (nothing stays bound after
// the test stops it). IPv6 dual-stack when possible, else IPv4.
const LISTENER = `
import select, socket, sys, time
proto, port, window, expected = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), set(sys.argv[4:])
kind = socket.SOCK_STREAM if proto == 'tcp' else socket.SOCK_DGRAM
try:
    s = socket.socket(socket.AF_INET6, kind); s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0); addr = ('::', port)
except OSError:
    s = socket.socket(socket.AF_INET, kind); addr = ('0.0.0.0', port)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(addr)
except OSError as e:
    print('in-use' if e.errno == 98 else 'bind-error %d' % e.errno, flush=True); sys.exit(0)
if proto == 'tcp': s.listen(32)
print('ready', flush=True)
end = time.time() + window
while expected and time.time() < end:
    r, _, _ = select.select([s], [], [], max(0.0, min(0.25, end - time.time())))
    try:
        sys.stdout.write('\\n'); sys.stdout.flush()
    except OSError:
        sys.exit(0)
    if not r: continue
    try:
        if proto == 'tcp':
            c, a = s.accept(); c.settimeout(1.0); d = c.recv(64); c.close()
        else:
            d, a = s.recvfrom(64)
    except OSError:
        continue
    token = d.decode('ascii', 'replace').strip()
    if token in expected:
        expected.discard(token); print('got ' + token, flush=True)
`;

const TCP_PROBE = `
import socket, sys
try:
    c = socket.create_connection((sys.argv[1], int(sys.argv[2])), 3); c.sendall(sys.argv[3].encode()); c.close(); print('connected')
except socket.timeout: print('timed out')
except ConnectionRefusedError: print('refused')
except OSError as e: print('rejected (%s)' % e.strerror)
`;

const UDP_PROBE = `
import socket, sys, time
fam = socket.AF_INET6 if ':' in sys.argv[1] else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
for _ in range(4):
    s.sendto(sys.argv[3].encode(), (sys.argv[1], int(sys.argv[2]))); time.sleep(0.25)
print('sent')
`;

interface Tools {
  python3: boolean;
  nc: boolean;
}

async function detectTools(session: SshSession): Promise<Tools> {
  const r = await session.exec('for t in python3 nc; do command -v "$t" >/dev/null 2>&1 && echo "$t"; done', {
    step: 'connectivity: tools',
    timeoutMs: 20_000,
  });
  const found = r.stdout.split(/\s+/);
  return { python3: found.includes('python3'), nc: found.includes('nc') };
}

/** Probe from a source; resolves with what the source saw. */
async function probeFrom(
  session: SshSession,
  tools: Tools,
  to: string,
  port: number,
  proto: Proto,
  token: string,
): Promise<string> {
  const step = `connectivity: probe ${to}:${port}/${proto}`;
  if (tools.python3) {
    const r = await session.exec(
      shJoin(['python3', '-c', proto === 'tcp' ? TCP_PROBE : UDP_PROBE, to, String(port), token]),
      { step, timeoutMs: 20_000 },
    );
    return r.stdout.trim() || `probe failed (${r.stderr.trim().split('\n').at(-1) ?? 'no output'})`;
  }
  if (tools.nc) {
    const flags = proto === 'udp' ? ['-u', '-w1'] : ['-w3'];
    const r = await session.exec(
      `printf %s ${shJoin([token])} | ${shJoin(['nc', ...flags, to, String(port)])}`,
      { step, timeoutMs: 20_000 },
    );
    return proto === 'udp' ? 'sent' : r.code === 0 ? 'connected' : 'refused or timed out';
  }
  return 'no python3 or nc on the source';
}

interface Group {
  to: TestNode;
  port: number;
  proto: Proto;
  paths: PortPath[];
}

async function testGroup(
  group: Group,
  ctx: {
    pool: SessionPool;
    nodes: Map<string, TestNode>;
    tools: (node: TestNode) => Promise<Tools>;
    windowMs: number;
    signal?: AbortSignal;
  },
): Promise<ConnectivityResult[]> {
  const { to, port, proto } = group;
  const result = (
    path: PortPath,
    status: ConnectivityResult['status'],
    detail: string,
  ): ConnectivityResult => ({ ...path, status, detail });
  const targetTools = await ctx.tools(to);
  if (!targetTools.python3)
    return group.paths.map((p) => result(p, 'unknown', `no python3 on ${to.id} to listen with`));
  const tokens = new Map(group.paths.map((p) => [p.from, `k3sw-${randomBytes(6).toString('hex')}`]));
  const session = await ctx.pool.session(to.target);
  const stopListener = new AbortController();
  let ready!: (line: string) => void;
  const readyLine = new Promise<string>((resolve) => (ready = resolve));
  let buffer = '';
  const listener = session
    .exec(
      shJoin([
        'python3',
        '-c',
        LISTENER,
        proto,
        String(port),
        String(ctx.windowMs / 1000),
        ...tokens.values(),
      ]),
      {
        step: `connectivity: listen ${port}/${proto}`,
        timeoutMs: ctx.windowMs + 30_000,
        onStdout: (chunk) => {
          buffer += chunk;
          const first = buffer.split('\n')[0];
          if (buffer.includes('\n') && first !== undefined) ready(first.trim());
        },
        signal: ctx.signal ? AbortSignal.any([ctx.signal, stopListener.signal]) : stopListener.signal,
      },
    )
    .finally(() => ready('exited'));
  const state = await readyLine;
  if (state !== 'ready' && !(state === 'in-use' && proto === 'tcp')) {
    await listener.catch(() => undefined);
    const why =
      state === 'in-use'
        ? `${port}/udp is already in use on ${to.id}, so it cannot be tested`
        : `the listener on ${to.id} did not start (${state})`;
    return group.paths.map((p) => result(p, 'unknown', why));
  }
  // An in-use TCP port (K3s already there) is tested against the program already listening.
  const seen = await Promise.all(
    group.paths.map(async (path) => {
      const from = ctx.nodes.get(path.from);
      if (!from) return 'unknown source';
      const source = await ctx.pool.session(from.target);
      return probeFrom(source, await ctx.tools(from), to.address, port, proto, tokens.get(path.from) ?? '');
    }),
  );
  // TCP answers at the source (connected, refused, no answer): the listener's window is not
  // waited out, it is stopped (it exits by itself anyway). UDP needs the listener's word.
  if (proto === 'tcp') stopListener.abort();
  const output =
    state === 'ready' && proto === 'udp' ? (await listener).stdout : (await listener.catch(() => null), '');
  return group.paths.map((path, i) => {
    const got = output.includes(`got ${tokens.get(path.from) ?? '-'}`);
    const saw = seen[i] ?? '';
    if (got || (proto === 'tcp' && saw === 'connected'))
      return result(path, 'open', proto === 'tcp' ? 'connected' : 'datagram received');
    if (saw.startsWith('no python3')) return result(path, 'unknown', `${saw} (${path.from})`);
    return result(path, 'blocked', proto === 'tcp' ? saw || 'no answer' : 'datagrams sent, none arrived');
  });
}

/** Tests the paths (every path the cluster needs by default); a node not reachable over SSH fails the call. */
export async function testConnectivity(options: ConnectivityOptions): Promise<ConnectivityResult[]> {
  const nodes = new Map(options.nodes.map((n) => [n.id, n]));
  if (nodes.size !== options.nodes.length) throw new AppError('INVALID_INPUT', 'Each node needs its own id.');
  const toolCache = new Map<string, Promise<Tools>>();
  const tools = (node: TestNode): Promise<Tools> => {
    let found = toolCache.get(node.id);
    if (!found) {
      found = options.pool.session(node.target).then(detectTools);
      toolCache.set(node.id, found);
    }
    return found;
  };
  const groups = new Map<string, Group>();
  for (const path of options.paths ?? requiredPaths(options.nodes, options)) {
    const key = `${path.to}/${path.port}/${path.proto}`;
    const to = nodes.get(path.to);
    if (!to) continue;
    const group = groups.get(key) ?? { to, port: path.port, proto: path.proto, paths: [] };
    group.paths.push(path);
    groups.set(key, group);
  }
  // A few listeners at a time: each holds one SSH channel on its host while it waits.
  const limit = pLimit(options.concurrency ?? 6);
  const ctx = {
    pool: options.pool,
    nodes,
    tools,
    windowMs: options.windowMs ?? 8_000,
    ...(options.signal ? { signal: options.signal } : {}),
  };
  const results = await Promise.all([...groups.values()].map((group) => limit(() => testGroup(group, ctx))));
  return results.flat();
}
