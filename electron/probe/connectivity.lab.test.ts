// The connection tester in one round per host (#16.1) and its truthful verdicts (#12.5): one
// listener exec per target binding every port it must receive, one probe exec per source; a
// port blocked outside the hosts (the lab's block-port: TCP answered by a reset, UDP dropped),
// a firewalld host that rejects, a port whose program holds it without listening ("refused" is
// then no firewall's doing: unknown), a listener its host runs late (the grace counts in its own
// progress: still open, and still blocked when the port is), and nothing left bound afterwards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { down, ensureMirror, exec, fault, up, type LabHost } from '../../e2e/lab/index';
import type { PortPath } from '../../shared/checks/connectivity';
import { SshSession } from '../ssh/session';
import type { SessionPool } from '../ssh/pool';
import { clusterFile } from '../../test-support/engine/lab';
import { labPool } from '../../test-support/engine/lab';
import { testConnectivity, type TestNode } from './connectivity';

const names = ['c5ca', 'c5cb', 'c5cf'];
let hosts: LabHost[];
let pool: SessionPool;
let nodes: TestNode[];

// SSH channels opened per host address while a test runs.
const channels = new Map<string, number>();
// Run once before the next probe exec starts (a host that turns busy just then).
let beforeProbe: (() => Promise<void>) | null = null;
const exec0 = Object.getOwnPropertyDescriptor(SshSession.prototype, 'exec')?.value as SshSession['exec'];
SshSession.prototype.exec = function (this: SshSession, ...args: Parameters<SshSession['exec']>) {
  channels.set(this.target.host, (channels.get(this.target.host) ?? 0) + 1);
  const before = args[1]?.step?.startsWith('connectivity: probe') ? beforeProbe : null;
  if (!before) return exec0.apply(this, args);
  beforeProbe = null;
  return before().then(() => exec0.apply(this, args));
};

beforeAll(async () => {
  await ensureMirror();
  await down(names);
  hosts = await up([
    { name: 'c5ca', firewall: 'none' },
    { name: 'c5cb', firewall: 'none' },
    { name: 'c5cf', firewall: 'firewalld' },
  ]);
  const cluster = clusterFile(
    'c5conn',
    hosts.map((host, i) => ({ host, role: i === 0 ? ('server' as const) : ('agent' as const) })),
  );
  ({ pool } = await labPool(cluster));
  nodes = hosts.map((h, i) => ({
    id: h.name,
    role: i === 0 ? 'server' : 'agent',
    target: { host: h.address, port: h.port, user: h.user },
    address: h.address,
  }));
}, 900_000);

afterAll(async () => {
  pool?.closeAll();
  await down(names);
});

const path = (from: string, to: string, port: number, proto: 'tcp' | 'udp'): PortPath => ({
  from,
  to,
  port,
  proto,
  flow: proto === 'udp' ? 'flannel-vxlan' : port === 6443 ? 'api' : 'kubelet',
  purpose: 'test',
});
const between = (a: string, b: string) => [
  path(a, b, 6443, 'tcp'),
  path(a, b, 10250, 'tcp'),
  path(a, b, 8472, 'udp'),
  path(b, a, 10250, 'tcp'),
  path(b, a, 8472, 'udp'),
];
// Stops (STOP) or resumes (CONT) the tester's listener on a host, as a busy machine would.
const signalListener = (name: string, sig: 'STOP' | 'CONT') =>
  exec(name, [
    'sh',
    '-c',
    'for p in /proc/[0-9]*; do [ "$(cat "$p/comm" 2>/dev/null)" = python3 ] && grep -qa k3s-wizard-listen "$p/cmdline" 2>/dev/null && kill "-$1" "${p#/proc/}"; done; true',
    'signal',
    sig,
  ]);
// What python listens on: a listener exits a moment after its SSH channel closed.
const bound = async (name: string) =>
  (await exec(name, ['sh', '-c', 'ss -Hltunp 2>/dev/null | grep python || true'])).stdout.trim();

describe('the connection tester', () => {
  it('all open: one SSH channel per host (its listener probes too), nothing left bound', async () => {
    channels.clear();
    const results = await testConnectivity({
      pool,
      nodes: nodes.slice(0, 2),
      paths: between('c5ca', 'c5cb'),
    });
    expect(results.map((r) => `${r.from}>${r.to} ${r.port}/${r.proto} ${r.status} ${r.detail}`)).toEqual([
      'c5ca>c5cb 6443/tcp open connected',
      'c5ca>c5cb 10250/tcp open connected',
      'c5ca>c5cb 8472/udp open datagram received',
      'c5cb>c5ca 10250/tcp open connected',
      'c5cb>c5ca 8472/udp open datagram received',
    ]);
    const [a, b] = hosts as [LabHost, LabHost];
    expect([channels.get(a.address), channels.get(b.address)]).toEqual([1, 1]);
    await expect.poll(() => bound('c5ca'), { timeout: 5_000 }).toBe('');
    await expect.poll(() => bound('c5cb'), { timeout: 5_000 }).toBe('');
  });

  it('blocked outside the hosts: a reset while a listener is bound is a rejecting rule, a drop is no answer; asked twice', async () => {
    await fault.blockPort('c5cb', 6443, 'tcp');
    await fault.blockPort('c5cb', 8472, 'udp');
    try {
      channels.clear();
      const results = await testConnectivity({
        pool,
        nodes: nodes.slice(0, 2),
        paths: between('c5ca', 'c5cb'),
      });
      const by = (port: number, to: string) => results.find((r) => r.port === port && r.to === to);
      expect(by(6443, 'c5cb')).toMatchObject({
        status: 'blocked',
        detail: 'refused while a listener was bound (a rule rejects it)',
      });
      expect(by(8472, 'c5cb')).toMatchObject({ status: 'blocked', detail: 'datagrams sent, none arrived' });
      expect(by(10250, 'c5cb')?.status).toBe('open');
      expect(by(8472, 'c5ca')?.status).toBe('open');
      // Probed a second time from c5ca before they counted: asked on its listener's stdin.
      const [a, b] = hosts as [LabHost, LabHost];
      expect([channels.get(a.address), channels.get(b.address)]).toEqual([1, 1]);
    } finally {
      await fault.unblockPort('c5cb', 6443, 'tcp');
      await fault.unblockPort('c5cb', 8472, 'udp');
    }
    await expect.poll(() => bound('c5cb'), { timeout: 5_000 }).toBe('');
  });

  it('a listener its host runs late (stopped through the grace): still open; the same with the port blocked: blocked', async () => {
    let resumed: Promise<unknown> = Promise.resolve();
    const stall = async () => {
      await signalListener('c5cb', 'STOP');
      resumed = new Promise((resolve) => setTimeout(resolve, 4_000)).then(() =>
        signalListener('c5cb', 'CONT'),
      );
    };
    // One round only: the grace alone must cover it, not the second round.
    const udp = () =>
      testConnectivity({
        pool,
        nodes: nodes.slice(0, 2),
        paths: [path('c5ca', 'c5cb', 8472, 'udp')],
        retries: 0,
      });
    beforeProbe = stall;
    const [late] = await udp();
    await resumed;
    expect(late).toMatchObject({ status: 'open', detail: 'datagram received' });
    await fault.blockPort('c5cb', 8472, 'udp');
    try {
      beforeProbe = stall;
      const [blocked] = await udp();
      await resumed;
      expect(blocked).toMatchObject({ status: 'blocked', detail: 'datagrams sent, none arrived' });
    } finally {
      beforeProbe = null;
      await resumed;
      await fault.unblockPort('c5cb', 8472, 'udp');
    }
    await expect.poll(() => bound('c5cb'), { timeout: 5_000 }).toBe('');
  });

  it("a host's own firewall that rejects: told apart from a drop", async () => {
    const results = await testConnectivity({
      pool,
      nodes: [nodes[0] as TestNode, nodes[2] as TestNode],
      paths: [path('c5ca', 'c5cf', 6443, 'tcp'), path('c5ca', 'c5cf', 8472, 'udp')],
    });
    expect(results[0]).toMatchObject({
      status: 'blocked',
      detail: 'rejected (host unreachable or prohibited: a rule rejects it)',
    });
    expect(results[1]?.status).toBe('blocked');
    await expect.poll(() => bound('c5cf'), { timeout: 5_000 }).toBe('');
  });

  it('a port held by a program that does not listen: "refused" is no firewall, so unknown, never blocked', async () => {
    // Bound without listen(), without SO_REUSEADDR: the tester cannot bind it, nothing accepts.
    // Without SO_REUSEADDR the bind fails while an earlier test's connection to 10250 is in
    // TIME_WAIT here (up to 60 s), so the holder tries again until it has the port.
    const holder = exec('c5cb', [
      'sh',
      '-c',
      'rm -f /run/c5-held; python3 -c "$1" & echo $! >/run/c5-holder.pid; wait',
      'holder',
      [
        'import socket, time',
        's = socket.socket(socket.AF_INET6)',
        'for _ in range(180):',
        '    try:',
        '        s.bind(("::", 10250))',
        '    except OSError:',
        '        time.sleep(0.5)',
        '        continue',
        '    open("/run/c5-held", "w").close()',
        '    time.sleep(60)',
        '    break',
      ].join('\n'),
    ]);
    try {
      // Until the holder has the port (a bound socket that does not listen shows in no `ss` list).
      await expect
        .poll(async () => (await exec('c5cb', ['test', '-e', '/run/c5-held'])).code, { timeout: 95_000 })
        .toBe(0);
      const [result] = await testConnectivity({
        pool,
        nodes: nodes.slice(0, 2),
        paths: [path('c5ca', 'c5cb', 10250, 'tcp')],
      });
      expect(result).toMatchObject({ status: 'unknown' });
      expect(result?.detail).toMatch(/^refused: nothing listened on the port at that moment/);
    } finally {
      await exec('c5cb', ['sh', '-c', 'kill "$(cat /run/c5-holder.pid)"']);
      await holder.catch(() => undefined);
    }
  });
});
