// The connection tester's UDP verdicts on a busy machine: the grace after a probe is counted in
// the listener's own progress, so a listener that runs late still reports what reached it, a
// flow nothing reaches is still blocked, and a listener that cannot show it waited is "unknown",
// never blocked. The real listener and probe scripts run under the local `sh` and python3, over
// an in-process SSH server; a stalled machine is a listener stopped with SIGSTOP.
import { execFileSync } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { connect } from 'node:net';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { PortPath } from '../../shared/checks/connectivity';
import { HostKeyPolicy } from '../ssh/host-key-policy';
import { KnownHosts } from '../ssh/known-hosts';
import type { SessionPool } from '../ssh/pool';
import { SshSession } from '../ssh/session';
import { startTestServer } from '../../test-support/ssh/ssh-server';
import { testConnectivity, type TestNode } from './connectivity';

const hasPython = (() => {
  try {
    execFileSync('python3', ['-c', 'pass']);
    return true;
  } catch {
    return false;
  }
})();

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * Both nodes are this machine, over one SSH session; execs by step name are counted, and the
 * requests written to their stdin (a listener's probe rounds), by step name.
 */
async function setup(): Promise<{ pool: SessionPool; execs: string[]; requests: string[] }> {
  const server = await startTestServer({ password: 'pw-conn-123' });
  cleanups.push(() => server.close());
  const known = new KnownHosts({
    appFile: join(mkdtempSync(join(tmpdir(), 'k3sw-conn-')), 'known_hosts'),
    userFiles: [],
  });
  known.trust('127.0.0.1', server.port, server.hostKeyBlob);
  const session = new SshSession({
    target: { host: '127.0.0.1', port: server.port, user: 'lab' },
    credentials: { password: 'pw-conn-123' },
    hostKeys: new HostKeyPolicy({ knownHosts: known }),
    readyTimeoutMs: 5000,
  });
  cleanups.push(() => session.close());
  await session.connect();
  const execs: string[] = [];
  const requests: string[] = [];
  const exec = session.exec.bind(session);
  session.exec = (command, options = {}) => {
    const step = options.step ?? '';
    execs.push(step);
    const onStdin = options.onStdin;
    return exec(command, {
      ...options,
      ...(onStdin
        ? {
            onStdin: (write) =>
              onStdin((text) => {
                requests.push(`${step}: ${text.split(' ').slice(0, 1).join(' ')}`);
                write(text);
              }),
          }
        : {}),
    });
  };
  const pool = { session: () => Promise.resolve(session) } as unknown as SessionPool;
  return { pool, execs, requests };
}

const node = (id: string, address: string): TestNode => ({
  id,
  role: id === 'a' ? 'server' : 'agent',
  target: { host: '127.0.0.1', port: 22, user: 'lab' },
  address,
});

/** A free UDP port on this machine. */
async function freePort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  const { port } = s.address();
  await new Promise<void>((resolve) => s.close(resolve));
  return port;
}

const udpPath = (port: number): PortPath => ({
  from: 'a',
  to: 'b',
  port,
  proto: 'udp',
  flow: 'flannel-vxlan',
  purpose: 'test',
});

/** The listener process bound to `port` (the python that `sh` became). */
function listenerPid(port: number): number | null {
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (argv[0]?.includes('python') && argv.includes('k3s-wizard-listen') && argv.includes(`${port}/udp`))
        return Number(pid);
    } catch {
      // gone meanwhile
    }
  }
  return null;
}

/** Stops the listener (a machine too busy to run it) when the first probe starts. */
function stallListener(pool: SessionPool, port: number): { resume: () => void; stopped: Promise<void> } {
  let pid: number | null = null;
  let stopped!: () => void;
  const wrap = pool.session.bind(pool);
  pool.session = async (target) => {
    const session = await wrap(target);
    const exec = session.exec.bind(session);
    session.exec = (command, options = {}) => {
      if (pid === null && options.step?.startsWith('connectivity: probe')) {
        pid = listenerPid(port);
        if (pid !== null) process.kill(pid, 'SIGSTOP');
        stopped();
      }
      return exec(command, options);
    };
    return session;
  };
  return {
    stopped: new Promise<void>((resolve) => (stopped = resolve)),
    resume: () => {
      if (pid !== null) process.kill(pid, 'SIGCONT');
    },
  };
}

/** A socket of the test's own on ADDRESS:PORT: datagrams sent there never reach the listener. */
async function sink(address: string, port: number): Promise<Socket> {
  const s = createSocket({ type: 'udp4', reuseAddr: true });
  await new Promise<void>((resolve) => s.bind(port, address, resolve));
  cleanups.push(() => new Promise<void>((resolve) => s.close(resolve)));
  return s;
}

describe.skipIf(!hasPython)('UDP verdicts on a busy machine', () => {
  it('a listener that runs late reports its datagrams after the grace by our clock: open, not blocked', async () => {
    const { pool } = await setup();
    const port = await freePort();
    const stall = stallListener(pool, port);
    // Stopped from the probe's start for 1.5 s: several times the grace, by our clock.
    void stall.stopped.then(() => setTimeout(stall.resume, 1_500));
    const [result] = await testConnectivity({
      pool,
      nodes: [node('a', '127.0.0.1'), node('b', '127.0.0.1')],
      paths: [udpPath(port)],
      udpGraceMs: 300,
      retries: 0,
    });
    expect(result).toMatchObject({ status: 'open', detail: 'datagram received' });
  });

  it('nothing reaches the listener: blocked once it ran for the grace, asked twice, long before the cap', async () => {
    const { pool, execs } = await setup();
    const port = await freePort();
    // 127.0.0.3 is this machine too, but its own socket there takes what is sent (a silent drop).
    await sink('127.0.0.3', port);
    const started = performance.now();
    const [result] = await testConnectivity({
      pool,
      nodes: [node('a', '127.0.0.1'), node('b', '127.0.0.3')],
      paths: [udpPath(port)],
      udpGraceMs: 300,
      udpWaitCapMs: 20_000,
    });
    expect(result).toMatchObject({ status: 'blocked', detail: 'datagrams sent, none arrived' });
    expect(execs.filter((s) => s.startsWith('connectivity: probe'))).toHaveLength(2);
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it('a listener that cannot show it waited (stalled throughout): unknown, never blocked, asked twice', async () => {
    const { pool, execs } = await setup();
    const port = await freePort();
    await sink('127.0.0.3', port);
    const stall = stallListener(pool, port);
    cleanups.push(stall.resume);
    const [result] = await testConnectivity({
      pool,
      nodes: [node('a', '127.0.0.1'), node('b', '127.0.0.3')],
      paths: [udpPath(port)],
      udpGraceMs: 300,
      udpWaitCapMs: 600,
      closeInBackground: true,
    });
    stall.resume();
    expect(result?.status).toBe('unknown');
    expect(result?.detail).toMatch(/^datagrams sent, none reported, but the listener was too slow to tell/);
    expect(execs.filter((s) => s.startsWith('connectivity: probe'))).toHaveLength(2);
  });
});

describe.skipIf(!hasPython)('sources that are targets too', () => {
  const path = (from: string, to: string, port: number, proto: 'tcp' | 'udp'): PortPath => ({
    from,
    to,
    port,
    proto,
    flow: proto === 'udp' ? 'flannel-vxlan' : 'kubelet',
    purpose: 'test',
  });

  it('probe from their own listener, one exec per machine: open both ways, and a silent drop blocked', async () => {
    const { pool, execs, requests } = await setup();
    const [tcpA, tcpB, udpB, dropped] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    // b is 127.0.0.3 for the datagrams to `dropped`: a socket of the test's own there takes them.
    await sink('127.0.0.3', dropped);
    const results = await testConnectivity({
      pool,
      nodes: [node('a', '127.0.0.1'), node('b', '127.0.0.3')],
      paths: [
        path('b', 'a', tcpA, 'tcp'),
        path('a', 'b', tcpB, 'tcp'),
        path('a', 'b', udpB, 'udp'),
        path('a', 'b', dropped, 'udp'),
      ],
      udpGraceMs: 300,
    });
    expect(results.map((r) => [r.port, r.status, r.detail])).toEqual([
      [tcpA, 'open', expect.any(String)],
      [tcpB, 'open', expect.any(String)],
      [udpB, 'open', 'datagram received'],
      [dropped, 'blocked', 'datagrams sent, none arrived'],
    ]);
    // Two listeners, each asked (twice for the blocked flow) on its stdin: no probe exec at all.
    expect(execs.filter((s) => s.startsWith('connectivity: listen'))).toHaveLength(2);
    expect(execs.filter((s) => s.startsWith('connectivity: probe'))).toEqual([]);
    // a's listener (on tcpA) asked twice (the dropped flow again before it counted), b's once.
    expect(requests.sort()).toEqual(
      [
        `connectivity: listen on ${tcpB}/tcp ${udpB}/udp ${dropped}/udp: p`,
        `connectivity: listen on ${tcpA}/tcp: p`,
        `connectivity: listen on ${tcpA}/tcp: p`,
      ].sort(),
    );
  });

  it('a probe is decided when its token arrives, without waiting for the probe to answer', async () => {
    const { pool } = await setup();
    const [tcpA, tcpB, udpB] = [await freePort(), await freePort(), await freePort()];
    // a's listener (the one on tcpA) never gets its probe requests: the test sends each token
    // itself, the way a's probe would, and a never answers. Decided only by the arrivals.
    const wrap = pool.session.bind(pool);
    pool.session = async (target) => {
      const session = await wrap(target);
      const exec = session.exec.bind(session);
      session.exec = (command, options = {}) => {
        const onStdin = options.onStdin;
        if (options.step !== `connectivity: listen on ${tcpA}/tcp` || !onStdin) return exec(command, options);
        return exec(command, {
          ...options,
          onStdin: (write) =>
            onStdin((text) => {
              if (!text.startsWith('p ')) return write(text);
              for (const job of text.trim().split(' ').slice(3)) {
                const [address, what, token] = job.split(',') as [string, string, string];
                const [port, proto] = what.split('/');
                if (proto === 'udp') {
                  const s = createSocket('udp4');
                  s.send(token, Number(port), address, () => s.close());
                } else {
                  const c = connect(Number(port), address, () => c.end(token));
                  c.on('error', () => undefined);
                }
              }
            }),
        });
      };
      return session;
    };
    const results = await testConnectivity({
      pool,
      nodes: [node('a', '127.0.0.1'), node('b', '127.0.0.3')],
      paths: [path('b', 'a', tcpA, 'tcp'), path('a', 'b', tcpB, 'tcp'), path('a', 'b', udpB, 'udp')],
      udpGraceMs: 300,
      closeInBackground: true,
    });
    expect(results.map((r) => [r.port, r.status, r.detail])).toEqual([
      [tcpA, 'open', 'connected'],
      [tcpB, 'open', 'connected'],
      [udpB, 'open', 'datagram received'],
    ]);
    // An answer missing for a minute would end the request only then; the test gives it 15 s.
  }, 15_000);

  describe('held listeners (started ahead, bound when told)', () => {
    /** The listener process for `port`, once it runs (held: up, bound to nothing). */
    async function listenerUp(port: number): Promise<number> {
      for (let i = 0; i < 200; i++) {
        const pid = listenerPid(port);
        if (pid !== null) return pid;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      throw new Error(`no listener for ${port}`);
    }
    /** Whether this test can bind `port` (udp) itself: nothing else holds it. */
    async function free(port: number): Promise<boolean> {
      const s = createSocket('udp4');
      const ok = await new Promise<boolean>((resolve) => {
        s.once('error', () => resolve(false));
        s.bind(port, '127.0.0.1', () => resolve(true));
      });
      await new Promise<void>((resolve) => s.close(() => resolve()));
      return ok;
    }
    /** Waits until no listener for `port` runs any more. */
    async function listenerGone(port: number): Promise<void> {
      for (let i = 0; i < 100 && listenerPid(port) !== null; i++)
        await new Promise((resolve) => setTimeout(resolve, 25));
      expect(listenerPid(port)).toBeNull();
    }
    /** A test of one UDP flow whose listener binds when `go` says so; the listen execs counted. */
    async function held(options: { holdMs?: number } = {}) {
      const { pool, execs } = await setup();
      const port = await freePort();
      let go!: { resolve: () => void; reject: (e: Error) => void };
      const bindWhen = new Promise<void>((resolve, reject) => (go = { resolve, reject }));
      const testing = testConnectivity({
        pool,
        nodes: [node('a', '127.0.0.1'), node('b', '127.0.0.3')],
        paths: [udpPath(port)],
        udpGraceMs: 300,
        bindWhen,
        ...options,
      });
      testing.catch(() => undefined);
      const listens = () => execs.filter((s) => s.startsWith('connectivity: listen')).length;
      return { port, go, testing, listens };
    }

    it('bind nothing until told, then test as usual in the same channel', async () => {
      const { port, go, testing, listens } = await held();
      const pid = await listenerUp(port);
      await new Promise((resolve) => setTimeout(resolve, 300));
      // Up for a while, and the port is still free: K3s could take it.
      expect(await free(port)).toBe(true);
      expect(listenerPid(port)).toBe(pid);
      go.resolve();
      const [result] = await testing;
      expect(result).toMatchObject({ status: 'open', detail: 'datagram received' });
      expect(listens()).toBe(1);
    });

    it('told the waits failed: they exit, having bound nothing, and the test throws why', async () => {
      const { port, go, testing } = await held();
      await listenerUp(port);
      go.reject(new Error('a node is not Ready'));
      await expect(testing).rejects.toThrow('a node is not Ready');
      await listenerGone(port);
      expect(await free(port)).toBe(true);
    });

    it('held past their limit: let go, and started afresh when told', async () => {
      const { port, go, testing, listens } = await held({ holdMs: 200 });
      await listenerUp(port);
      await listenerGone(port);
      go.resolve();
      const [result] = await testing;
      expect(result).toMatchObject({ status: 'open', detail: 'datagram received' });
      expect(listens()).toBe(2);
    });
  });
});
