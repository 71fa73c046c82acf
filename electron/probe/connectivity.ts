/**
 * Real connectivity tests between nodes, over the existing SSH sessions, in one round per host:
 * one listener per target that binds every port it must receive (tcp and udp) in a single exec,
 * then one exec per source that probes all of its flows at once, every target and source side by
 * side. Each probe carries a token the listener reports back. A flow that looked blocked is
 * probed again (the listeners stay bound) before it is called blocked; one that cannot be tested
 * is "unknown", never "open". The listeners exit with their SSH channels: nothing stays bound.
 */
import { randomBytes } from 'node:crypto';
import pLimit from 'p-limit';
import {
  probeVerdict,
  requiredPaths,
  TOO_SLOW,
  type ConnectivityNode,
  type ConnectivityResult,
  type ConnectivityShape,
  type PortPath,
  type ProbeAnswer,
  type Proto,
} from '../../shared/checks/connectivity';
import { AppError } from '../../shared/errors';
import { shJoin } from '../../shared/shell';
import type { PoolTarget, SessionPool } from '../ssh/pool';

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
  /** Targets tested at once (default all); each holds one SSH channel for its listener. */
  concurrency?: number;
  /** How long a listener stays bound at most, in ms (default 60 s; it is stopped when done). */
  windowMs?: number;
  /**
   * How long a UDP listener waits for datagrams after their probe ended, in ms (default 1.5 s),
   * counted in the listener's own progress: a listener (or its SSH channel) that runs late on a
   * busy machine gets its full grace, not what is left of it by this computer's clock.
   */
  udpGraceMs?: number;
  /**
   * How long, by this computer's clock, a round waits at most for a listener to show it ran for
   * its grace (default 15 s); a flow it could not vouch for by then is "unknown", never blocked.
   */
  udpWaitCapMs?: number;
  /** Further rounds for the flows that looked blocked (default 1). */
  retries?: number;
  /**
   * Return once every verdict is in while the listeners still close (they exit within moments:
   * their stdin ends). Only where nothing is about to bind their ports: after an install, not
   * before one (the Checks step's test waits until every port is free again).
   */
  closeInBackground?: boolean;
  /** Told, before the call returns, when every listener it started is gone. */
  onClosed?: (closed: Promise<void>) => void;
  /**
   * Start the listeners now, binding nothing, and let them bind once this is fulfilled: their
   * channels and Python start-ups are then behind them (the verify step starts them while it
   * waits for every node to be Ready, and K3s to hold its ports). Rejected: they exit, having
   * bound nothing, and the test throws its reason. Held at most `holdMs` (default 20 s): then
   * they are let go, and started afresh when it comes. All targets in one group only.
   */
  bindWhen?: Promise<unknown>;
  holdMs?: number;
  signal?: AbortSignal;
}

// Runs python3 when the host has it, else says so (no separate round trip to look for it).
const WITH_PYTHON =
  'command -v python3 >/dev/null 2>&1 || { echo no-python3; exit 0; }; exec python3 -c "$@"';

// One probe of ADDRESS PORT/PROTO with TOKEN, its answer (see ProbeAnswer) put in out[i]. TCP:
// connect within the limit, send the token. UDP: three datagrams a tenth of a second apart over a
// connected socket (an ICMP port-unreachable shows as a refused send); a flow none of them
// reached is probed again in the next round.
const PROBE_ONE = `
import errno, socket, threading, time
def probe(limit, addr, port, proto, token):
    if proto == 'tcp':
        try:
            c = socket.create_connection((addr, port), limit)
        except socket.timeout: return 'no-answer'
        except ConnectionRefusedError: return 'refused'
        except ConnectionResetError: return 'reset'
        except OSError as e:
            return 'unreachable' if e.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EACCES, errno.EPERM) else 'no-answer' if e.errno == errno.ETIMEDOUT else 'error %s' % (e.strerror or e.errno)
        try:
            c.sendall(token.encode())
        except OSError: pass
        c.close(); return 'connected'
    try:
        s = socket.socket(socket.AF_INET6 if ':' in addr else socket.AF_INET, socket.SOCK_DGRAM); s.connect((addr, port))
        for _ in range(3):
            s.send(token.encode()); time.sleep(0.1)
        return 'sent'
    except ConnectionRefusedError: return 'refused'
    except OSError as e: return 'unreachable' if e.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EACCES, errno.EPERM) else 'error %s' % (e.strerror or e.errno)
def probe_all(limit, jobs, answer):
    """Every ADDRESS,PORT/PROTO,TOKEN job at once, a thread each; answer(i, what) as each ends."""
    def one(i, job):
        try:
            addr, what, token = job.split(',')
            port, proto = what.split('/')
            a = probe(limit, addr, int(port), proto, token)
        except Exception as e:
            a = 'error %s' % e
        answer(i, a)
    threads = [threading.Thread(target=one, args=(i, j), daemon=True) for i, j in enumerate(jobs)]
    for t in threads: t.start()
    return threads
`;

// Probes every ADDRESS,PORT/PROTO,TOKEN given at once and prints "INDEX ANSWER" per probe: for a
// source that is no target of the test (the others probe from their listener, see LISTENER).
const PROBE = `${PROBE_ONE}
import sys
limit, jobs = float(sys.argv[1]), sys.argv[2:]
out = ['error no result'] * len(jobs)
def keep(i, a): out[i] = a
for t in probe_all(limit, jobs, keep): t.join()
for i, a in enumerate(out): print(i, a)
`;

// Binds each PORT/PROTO given (waiting a moment for a port an earlier listener still holds), says
// "bound", "in-use" or "bind-error" for each, then "ready"; reports each token received; for a
// TCP port some other program holds (K3s already there) says "gone" while no socket listens on
// it and "back" when one does again. Every wake-up it reads all that is queued (every datagram,
// every connection: a busy machine delivers many at once, and a server's listener that read one
// datagram per wake-up, scanning /proc/net/tcp for K3s's ports each time, fell seconds behind)
// and then says "t CLOCK": everything that reached a socket by CLOCK (its own monotonic seconds)
// is reported above that line, so the tester can count a grace in the listener's own progress,
// not in its own time. A line "p ROUND LIMIT JOB..." on its stdin probes the JOBs from this
// machine (see PROBE_ONE) and says "a ROUND INDEX ANSWER" as each one ends: the sources of a test
// are its targets, so one process per machine does both, one exec and one Python start-up less.
// Exits when the window closed, when its stdin ends (the tester is done: it exits at once, its
// ports let go before the call returns), or as soon as its SSH channel is gone: it writes at
// least every quarter second, and a write to a closed channel ends it. IPv6 dual-stack when
// possible, else IPv4.
const LISTENER = `${PROBE_ONE}
import os, select, socket, sys, time
lock = threading.Lock()
def say(lines):
    with lock:
        sys.stdout.write('\\n'.join(lines) + '\\n'); sys.stdout.flush()
def request(words):
    if len(words) < 3 or words[0] != 'p': return
    rnd = words[1]
    def answer(i, a):
        try: say(['a %s %d %s' % (rnd, i, a)])
        except OSError: pass
    probe_all(float(words[2]), words[3:], answer)
pending = b''
window, wanted = float(sys.argv[2]), sys.argv[3:]
held = wanted[:1] == ['hold']
if held: wanted = wanted[1:]
socks, theirs, conns = {}, {}, {}
started = time.monotonic()
def earlier_listener():
    me = str(os.getpid())
    for pid in os.listdir('/proc'):
        if pid.isdigit() and pid != me:
            try:
                with open('/proc/%s/cmdline' % pid, 'rb') as f:
                    if b'\\0k3s-wizard-listen\\0' in f.read(): return True
            except OSError: pass
    return False
def bind(proto, port):
    kind = socket.SOCK_STREAM if proto == 'tcp' else socket.SOCK_DGRAM
    try:
        s = socket.socket(socket.AF_INET6, kind); s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0); addr = ('::', port)
    except OSError:
        s = socket.socket(socket.AF_INET, kind); addr = ('0.0.0.0', port)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if proto == 'udp':
        # Room for every peer's datagrams while this process waits for the CPU.
        try: s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        except OSError: pass
    give_up = time.time() + 3
    while True:
        try:
            s.bind(addr); break
        except OSError as e:
            # A listener of an earlier test lets go of its ports a moment after its channel closed.
            if e.errno == 98 and time.time() < give_up and earlier_listener():
                time.sleep(0.05); continue
            s.close(); raise
    if proto == 'tcp': s.listen(128)
    s.setblocking(False)
    return s
def listening(port):
    end = ':%04X' % port
    for name in ('/proc/net/tcp', '/proc/net/tcp6'):
        try:
            with open(name) as f:
                for line in f.readlines()[1:]:
                    p = line.split()
                    if len(p) > 3 and p[1].endswith(end) and p[3] == '0A': return True
        except OSError:
            return True
    return False
if held:
    # Started ahead, binding nothing: "up", then it binds on a line "b" (any other line, the end
    # of its stdin, or a window without one: it exits, having bound nothing).
    say(['up'])
    give_up = time.monotonic() + window
    while b'\\n' not in pending:
        if not select.select([0], [], [], max(0.0, give_up - time.monotonic()))[0]: sys.exit(0)
        chunk = os.read(0, 65536)
        if not chunk: sys.exit(0)
        pending += chunk
    line, pending = pending.split(b'\\n', 1)
    if line.strip() != b'b': sys.exit(0)
    started = time.monotonic()
for w in wanted:
    proto, port = w.split('/')[1], int(w.split('/')[0])
    try:
        socks[bind(proto, port)] = (proto, port); print('bound %d/%s' % (port, proto))
    except OSError as e:
        if e.errno == 98:
            print('in-use %d/%s' % (port, proto))
            if proto == 'tcp':
                theirs[port] = listening(port)
                if not theirs[port]: print('gone %d/tcp' % port)
        else: print('bind-error %d/%s %d' % (port, proto, e.errno))
# Nothing had reached a socket before the first was bound: a clock to start from.
say(['ready', 't %.3f' % started])
def got(port, proto, d):
    token = d.decode('ascii', 'replace').strip()
    if token.startswith('k3sw-'): out.append('got %d/%s %s' % (port, proto, token))
end = time.monotonic() + window
looked = 0.0
while True:
    now = time.monotonic()
    if now >= end: break
    r, _, _ = select.select(list(socks) + list(conns) + [0], [], [], max(0.0, min(0.25, end - now)))
    # What reached a socket by now is read below, before "t now" is said.
    now, out = time.monotonic(), []
    if 0 in r:
        chunk = os.read(0, 65536)
        if not chunk: sys.exit(0)
        pending += chunk
        while b'\\n' in pending:
            line, pending = pending.split(b'\\n', 1)
            request(line.decode('ascii', 'replace').split())
    drained = True
    for s, (proto, port) in socks.items():
        if proto == 'tcp' and s not in r: continue
        for _ in range(256):
            try:
                if proto == 'udp':
                    d, a = s.recvfrom(64); got(port, proto, d)
                else:
                    c, a = s.accept(); c.setblocking(False); conns[c] = (port, now + 1.0)
            except OSError:
                break
        else:
            drained = False
    for c, (port, until) in list(conns.items()):
        if c in r or now >= until:
            try:
                if c in r: got(port, 'tcp', c.recv(64))
            except OSError: pass
            c.close(); del conns[c]
    if now - looked >= 0.25:
        looked = now
        for port, was in theirs.items():
            is_now = listening(port)
            if is_now != was:
                theirs[port] = is_now; out.append('%s %d/tcp' % ('back' if is_now else 'gone', port))
    # Only a full read vouches for the clock (a flood leaves it unsaid until it is read).
    if drained: out.append('t %.3f' % now)
    try:
        say(out)
    except OSError:
        sys.exit(0)
`;

const TCP_LIMIT_S = 3;
const ANSWERS = /^(connected|refused|reset|unreachable|no-answer|sent|error .*)$/;
/** A probe job as a listener takes it on its stdin: ADDRESS,PORT/PROTO,TOKEN, no space in it. */
const JOB = /^[0-9A-Za-z.:%-]{1,100},\d{1,5}\/(tcp|udp),k3sw-[0-9a-f]{12}$/;

const portKey = (port: number, proto: Proto) => `${port}/${proto}`;
/** This computer's monotonic clock, in ms. */
const now = () => performance.now();
const newToken = () => `k3sw-${randomBytes(6).toString('hex')}`;

/** The listener of one target, bound for the whole test. */
class Listener {
  /** Per PORT/PROTO: "bound" by us, "in-use" by another program, or why it could not be bound. */
  readonly ports = new Map<string, string>();
  readonly received = new Set<string>();
  /** TCP ports another program holds that had no listening socket while the current round ran. */
  private goneNow = new Set<number>();
  private goneInRound = new Set<number>();
  private waiters: (() => void)[] = [];
  /** The listener's clock (ms) as of its last "t" line: all it received by then is reported. */
  private clock = -Infinity;
  /**
   * The least (our clock - its clock) seen over its "t" lines: their clocks' offset plus the
   * quickest trip of a line from it to us. Our moment T is at least T - offset on its clock.
   */
  private offset = Infinity;
  state: 'starting' | 'ready' | 'exited' = 'starting';
  /** Why it could not listen (no python3, the exec failed), when it could not. */
  problem: string | null = null;
  private buffer = '';
  private readonly stop = new AbortController();
  private readonly kill = new AbortController();
  private exited: Promise<void> = Promise.resolve();
  private readied!: () => void;
  readonly ready = new Promise<void>((resolve) => (this.readied = resolve));
  /** Writes to its stdin (requests), once its command runs. */
  private write: ((text: string) => void) | null = null;
  private rounds = 0;
  /** Held (started ahead, binding nothing): whether it said "up", and whether it was told to bind. */
  private up = false;
  private bindAsked = false;
  /** Probe requests waiting for their answers, by round. */
  private asked = new Map<
    string,
    {
      probes: Probe[];
      answers: (ProbeAnswer | null)[];
      arrived: (probe: Probe) => boolean;
      done: (a: ProbeAnswer[] | string) => void;
    }
  >();

  /** `onToken`: told when a token it had not seen arrives (a probe elsewhere may be decided). */
  constructor(
    readonly node: TestNode,
    private readonly onToken: () => void = () => undefined,
  ) {}

  /** `held`: it binds nothing until `bind()` (see ConnectivityOptions.bindWhen). */
  start(pool: SessionPool, ports: string[], windowMs: number, signal?: AbortSignal, held = false): void {
    this.exited = (async () => {
      try {
        const session = await pool.session(this.node.target);
        const r = await session.exec(
          shJoin([
            'sh',
            '-c',
            WITH_PYTHON,
            'k3s-wizard-listen',
            LISTENER,
            'k3s-wizard-listen',
            String(windowMs / 1000),
            ...(held ? ['hold'] : []),
            ...ports,
          ]),
          {
            step: `connectivity: listen on ${ports.join(' ')}`,
            // A held one waits for its word at most a window, then listens for one.
            timeoutMs: (held ? 2 : 1) * windowMs + 30_000,
            onStdout: (chunk) => this.feed(chunk),
            // Asked to finish by the end of its stdin; dropped only if it does not.
            stdinOpenUntil: this.stop.signal,
            onStdin: (write) => (this.write = write),
            signal: signal ? AbortSignal.any([signal, this.kill.signal]) : this.kill.signal,
          },
        );
        if (this.state === 'starting')
          this.problem = r.stdout.includes('no-python3')
            ? `no python3 on ${this.node.id} to listen with`
            : `the listener on ${this.node.id} did not start (exit ${r.code ?? r.signal ?? '?'}: ${r.stderr.trim().split('\n').at(-1) ?? ''})`;
      } catch (error) {
        if (this.state === 'starting')
          this.problem = `the listener on ${this.node.id} did not start (${error instanceof Error ? error.message : String(error)})`;
      } finally {
        this.state = 'exited';
        this.readied();
        this.wake();
        for (const { done } of this.asked.values())
          done(`the listener on ${this.node.id} ended before its probes answered`);
        this.asked.clear();
      }
    })();
  }

  /** A held listener binds its ports now, or as soon as it is up. */
  bind(): void {
    this.bindAsked = true;
    if (this.up) this.write?.('b\n');
  }

  /**
   * Probes from this listener's machine (its process probes on request: no exec of its own);
   * one answer per probe, in order, or why there are none. A probe whose token `arrived` at its
   * target is decided then, without its answer ("sent" or "connected", which the token shows):
   * the UDP probe goes on sending for a third of a second, and need not be waited for.
   */
  probe(
    probes: Probe[],
    limitS: number,
    arrived: (probe: Probe) => boolean = () => false,
  ): Promise<ProbeAnswer[] | string> {
    const jobs = probes.map((p) => `${p.address},${portKey(p.path.port, p.path.proto)},${p.token}`);
    const write = this.write;
    if (!write || this.state !== 'ready' || !jobs.every((j) => JOB.test(j)))
      return Promise.resolve(`the listener on ${this.node.id} cannot probe`);
    const id = String(this.rounds++);
    if (!probes.length) return Promise.resolve([]);
    return new Promise((resolve) => {
      const answers: (ProbeAnswer | null)[] = probes.map(() => null);
      const finish = (result: ProbeAnswer[] | string) => {
        clearTimeout(timer);
        this.asked.delete(id);
        resolve(result);
      };
      const timer = setTimeout(
        () => finish(answers.map((a) => a ?? 'error no answer from the probe')),
        60_000,
      );
      this.asked.set(id, { probes, answers, arrived, done: finish });
      write(`p ${id} ${limitS} ${jobs.join(' ')}\n`);
    });
  }

  private answered(id: string, index: number, answer: string): void {
    const entry = this.asked.get(id);
    if (!entry || index >= entry.answers.length || !ANSWERS.test(answer)) return;
    entry.answers[index] = answer as ProbeAnswer;
    this.settle(id);
  }

  /** Ends a probe request whose every probe answered, or whose token reached its target. */
  private settle(id: string): void {
    const entry = this.asked.get(id);
    if (!entry) return;
    const { probes, answers, arrived } = entry;
    if (!answers.every((a, i) => a !== null || arrived(probes[i] as Probe))) return;
    entry.done(
      answers.map((a, i) => a ?? ((probes[i] as Probe).path.proto === 'tcp' ? 'connected' : 'sent')),
    );
  }

  /** Tokens arrived somewhere: the requests they decide end now. */
  tokensArrived(): void {
    for (const id of [...this.asked.keys()]) this.settle(id);
  }

  private feed(chunk: string): void {
    this.buffer += chunk;
    const lines = this.buffer.split('\n');
    this.buffer = lines.pop() ?? '';
    const seen = this.received.size;
    for (const raw of lines) {
      const line = raw.trim();
      if (!line) continue;
      const [word, what, rest] = line.split(' ');
      const answer = /^a (\d+) (\d+) (.+)$/.exec(line);
      if (answer) this.answered(answer[1] as string, Number(answer[2]), answer[3] as string);
      else if (line === 'up') {
        this.up = true;
        if (this.bindAsked) this.write?.('b\n');
      } else if (line === 'ready') {
        this.state = 'ready';
        this.readied();
      } else if (word === 't' && what) {
        const clock = Number(what) * 1000;
        if (Number.isFinite(clock)) {
          this.clock = Math.max(this.clock, clock);
          this.offset = Math.min(this.offset, now() - clock);
          this.wake();
        }
      } else if (word === 'bound' && what) this.ports.set(what, 'bound');
      else if (word === 'in-use' && what) this.ports.set(what, 'in-use');
      else if (word === 'bind-error' && what)
        this.ports.set(what, `could not bind it (errno ${rest ?? '?'})`);
      else if (word === 'got' && rest) this.received.add(rest);
      else if ((word === 'gone' || word === 'back') && what) {
        const port = Number(what.split('/')[0]);
        if (word === 'gone') {
          this.goneNow.add(port);
          this.goneInRound.add(port);
        } else this.goneNow.delete(port);
      }
    }
    if (this.received.size) this.wake();
    if (this.received.size > seen) this.onToken();
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  /** A new round: ports without a listening socket now count as gone for it. */
  newRound(): void {
    this.goneInRound = new Set(this.goneNow);
  }

  wasGone(port: number): boolean {
    return this.goneInRound.has(port);
  }

  /**
   * Waits until every token arrived, the listener exited, or it showed it ran for `graceMs` past
   * our moment `since` (its clock, from its own lines: whatever reached it by then is reported).
   * "late" when `capMs` of our time passed first: it could not vouch for the missing tokens.
   */
  async waitFor(
    tokens: string[],
    { since, graceMs, capMs }: { since: number; graceMs: number; capMs: number },
  ): Promise<'received' | 'waited' | 'exited' | 'late'> {
    const cap = since + capMs;
    for (;;) {
      if (tokens.every((t) => this.received.has(t))) return 'received';
      if (this.state === 'exited') return 'exited';
      if (Number.isFinite(this.offset) && this.clock >= since - this.offset + graceMs) return 'waited';
      if (now() >= cap) return 'late';
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, cap - now()));
        this.waiters.push(() => (clearTimeout(timer), resolve()));
      });
    }
  }

  /** How long it showed it ran past our moment `since`, in ms (for words). */
  ranFor(since: number): number {
    return Number.isFinite(this.offset) ? Math.max(0, this.clock - (since - this.offset)) : 0;
  }

  /**
   * Ends its stdin, which ends it, and waits for it to exit: its ports are free when this
   * returns. One that does not exit within 3 s loses its SSH channel (which ends it too).
   */
  async close(): Promise<void> {
    this.stop.abort();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), 3000)));
    if ((await Promise.race([this.exited, late])) === 'late') this.kill.abort();
    clearTimeout(timer);
    await this.exited;
  }
}

interface Probe {
  path: PortPath;
  address: string;
  token: string;
}

/** One exec on the source for all of its probes; one answer per probe, in order. */
async function probeAll(
  pool: SessionPool,
  source: TestNode,
  probes: Probe[],
  signal?: AbortSignal,
): Promise<ProbeAnswer[] | string> {
  try {
    const session = await pool.session(source.target);
    const r = await session.exec(
      shJoin([
        'sh',
        '-c',
        WITH_PYTHON,
        'k3s-wizard-probe',
        PROBE,
        String(TCP_LIMIT_S),
        ...probes.map((p) => `${p.address},${portKey(p.path.port, p.path.proto)},${p.token}`),
      ]),
      {
        step: `connectivity: probe ${probes.length} flows from ${source.id}`,
        timeoutMs: 60_000,
        ...(signal ? { signal } : {}),
      },
    );
    if (r.stdout.includes('no-python3')) return `no python3 on ${source.id} to probe with`;
    const answers: ProbeAnswer[] = probes.map(() => 'error no answer from the probe');
    for (const line of r.stdout.split('\n')) {
      const m = /^(\d+) (.+)$/.exec(line.trim());
      const answer = m?.[2];
      if (m && answer && ANSWERS.test(answer) && Number(m[1]) < probes.length)
        answers[Number(m[1])] = answer as ProbeAnswer;
    }
    if (r.code !== 0 && answers.every((a) => a.startsWith('error ')))
      return `the probe on ${source.id} failed (exit ${r.code ?? '?'}: ${r.stderr.trim().split('\n').at(-1) ?? ''})`;
    return answers;
  } catch (error) {
    if (error instanceof AppError && error.code === 'CANCELLED') throw error;
    return `the probe on ${source.id} failed (${error instanceof Error ? error.message : String(error)})`;
  }
}

/** One round: every source probes all of its paths at once; verdicts by path. */
async function round(
  paths: PortPath[],
  ctx: {
    pool: SessionPool;
    nodes: Map<string, TestNode>;
    listeners: Map<string, Listener>;
    udpGraceMs: number;
    udpWaitCapMs: number;
    signal?: AbortSignal;
  },
): Promise<Map<PortPath, Pick<ConnectivityResult, 'status' | 'detail'>>> {
  const verdicts = new Map<PortPath, Pick<ConnectivityResult, 'status' | 'detail'>>();
  const bySource = new Map<string, Probe[]>();
  for (const listener of ctx.listeners.values()) listener.newRound();
  for (const path of paths) {
    const to = ctx.nodes.get(path.to);
    const from = ctx.nodes.get(path.from);
    const listener = ctx.listeners.get(path.to);
    if (!to || !from || !listener) {
      verdicts.set(path, {
        status: 'unknown',
        detail: `${!from ? path.from : path.to} is not a node of this test`,
      });
      continue;
    }
    if (listener.problem || listener.state !== 'ready') {
      verdicts.set(path, {
        status: 'unknown',
        detail: listener.problem ?? `the listener on ${to.id} ended early`,
      });
      continue;
    }
    const held = listener.ports.get(portKey(path.port, path.proto));
    if (held === undefined || (held !== 'bound' && held !== 'in-use')) {
      verdicts.set(path, {
        status: 'unknown',
        detail: `${portKey(path.port, path.proto)} on ${to.id}: ${held ?? 'not bound'}`,
      });
      continue;
    }
    if (held === 'in-use' && path.proto === 'udp') {
      verdicts.set(path, {
        status: 'unknown',
        detail: `${path.port}/udp is already in use on ${to.id}, so it cannot be tested`,
      });
      continue;
    }
    const probes = bySource.get(path.from) ?? [];
    probes.push({ path, address: to.address, token: newToken() });
    bySource.set(path.from, probes);
  }
  await Promise.all(
    [...bySource].map(async ([sourceId, probes]) => {
      const source = ctx.nodes.get(sourceId) as TestNode;
      // From the source's own listener when it has one (every node of a cluster does).
      const own = ctx.listeners.get(sourceId);
      const answers =
        own?.state === 'ready'
          ? await own.probe(
              probes,
              TCP_LIMIT_S,
              (p) => ctx.listeners.get(p.path.to)?.received.has(p.token) ?? false,
            )
          : await probeAll(ctx.pool, source, probes, ctx.signal);
      if (typeof answers === 'string') {
        for (const p of probes) verdicts.set(p.path, { status: 'unknown', detail: answers });
        return;
      }
      // UDP needs the listener's word: wait for datagrams still on their way, until each
      // listener showed it ran for the grace after the probe ended (all its datagrams were sent).
      const ended = now();
      const udp = probes.filter((p, i) => p.path.proto === 'udp' && answers[i] === 'sent');
      const late = new Set<string>();
      await Promise.all(
        [...new Set(udp.map((p) => p.path.to))].map(async (to) => {
          const waited = await (ctx.listeners.get(to) as Listener).waitFor(
            udp.filter((p) => p.path.to === to).map((p) => p.token),
            { since: ended, graceMs: ctx.udpGraceMs, capMs: ctx.udpWaitCapMs },
          );
          if (waited === 'late') late.add(to);
        }),
      );
      probes.forEach((p, i) => {
        const listener = ctx.listeners.get(p.path.to) as Listener;
        const held = listener.ports.get(portKey(p.path.port, p.path.proto));
        verdicts.set(
          p.path,
          probeVerdict({
            proto: p.path.proto,
            answer: answers[i] ?? 'error no answer',
            // Our own listener bound for the whole round, or else the port's own program.
            listener:
              held === 'bound'
                ? listener.state === 'ready'
                  ? 'ours'
                  : 'gone'
                : listener.wasGone(p.path.port)
                  ? 'gone'
                  : 'theirs',
            received: listener.received.has(p.token),
            ...(late.has(p.path.to)
              ? { tooSlow: { ranMs: listener.ranFor(ended), graceMs: ctx.udpGraceMs } }
              : {}),
          }),
        );
      });
    }),
  );
  return verdicts;
}

/**
 * Tests the paths (every path the cluster needs by default). A node that cannot be reached over
 * SSH, or has no python3, makes its paths "unknown" with the reason.
 */
export async function testConnectivity(options: ConnectivityOptions): Promise<ConnectivityResult[]> {
  const nodes = new Map(options.nodes.map((n) => [n.id, n]));
  if (nodes.size !== options.nodes.length) throw new AppError('INVALID_INPUT', 'Each node needs its own id.');
  const asked = options.paths ?? requiredPaths(options.nodes, options);
  const paths = asked.filter((p) => nodes.has(p.to) && nodes.has(p.from));
  const ports = new Map<string, Set<string>>();
  for (const p of paths) {
    const set = ports.get(p.to) ?? new Set<string>();
    set.add(portKey(p.port, p.proto));
    ports.set(p.to, set);
  }
  const windowMs = options.windowMs ?? 60_000;
  const udpGraceMs = options.udpGraceMs ?? 1_500;
  const results = new Map<PortPath, Pick<ConnectivityResult, 'status' | 'detail'>>();
  // Targets in groups when a limit is given (default: all at once); a group's listeners stay
  // bound through its rounds and are closed before the next group starts.
  const targets = [...ports.keys()];
  const size = Math.max(1, options.concurrency ?? targets.length);
  const limit = pLimit(1);
  const groups: string[][] = [];
  for (let i = 0; i < targets.length; i += size) groups.push(targets.slice(i, i + size));
  const closings: Promise<unknown>[] = [];
  await Promise.all(
    groups.map((group) =>
      limit(async () => {
        const listeners = new Map<string, Listener>();
        const begin = (held: boolean) => {
          for (const id of group) {
            const listener = new Listener(nodes.get(id) as TestNode, () => {
              for (const l of listeners.values()) l.tokensArrived();
            });
            listener.start(options.pool, [...(ports.get(id) ?? [])], windowMs, options.signal, held);
            listeners.set(id, listener);
          }
        };
        const bindWhen = options.bindWhen;
        if (bindWhen && groups.length === 1) begin(true);
        else if (!bindWhen) begin(false);
        try {
          if (bindWhen) {
            const holdMs = options.holdMs ?? 20_000;
            let timer: NodeJS.Timeout | undefined;
            const late = new Promise<'late'>(
              (resolve) => (timer = setTimeout(() => resolve('late'), holdMs)),
            );
            const when = await Promise.race([bindWhen.then(() => 'go' as const), late]).finally(() =>
              clearTimeout(timer),
            );
            if (when === 'go' && listeners.size) for (const l of listeners.values()) l.bind();
            else {
              await Promise.all([...listeners.values()].map((l) => l.close()));
              listeners.clear();
              await bindWhen;
              begin(false);
            }
          }
          await Promise.all([...listeners.values()].map((l) => l.ready));
          const ctx = {
            pool: options.pool,
            nodes,
            listeners,
            udpGraceMs,
            udpWaitCapMs: options.udpWaitCapMs ?? 15_000,
            ...(options.signal ? { signal: options.signal } : {}),
          };
          let todo = paths.filter((p) => listeners.has(p.to));
          for (let attempt = 0; todo.length && attempt <= (options.retries ?? 1); attempt++) {
            const verdicts = await round(todo, ctx);
            for (const [path, verdict] of verdicts) results.set(path, verdict);
            // A busy machine can miss a probe: what did not pass is asked again before it counts.
            todo = todo.filter((p) => {
              const verdict = results.get(p);
              return (
                verdict?.status === 'blocked' ||
                verdict?.detail.includes('nothing listened') ||
                verdict?.detail.includes(TOO_SLOW)
              );
            });
          }
        } finally {
          const closed = Promise.all([...listeners.values()].map((l) => l.close()));
          closings.push(closed);
          // A later group binds ports on other machines only after this group let go of its own.
          if (options.closeInBackground && groups.length === 1) closed.catch(() => undefined);
          else await closed;
        }
        if (options.signal?.aborted) throw new AppError('CANCELLED', 'The connection test was cancelled.');
      }),
    ),
  ).finally(() => options.onClosed?.(Promise.allSettled(closings).then(() => undefined)));
  if (options.signal?.aborted) throw new AppError('CANCELLED', 'The connection test was cancelled.');
  return asked.map((path) => {
    const verdict = results.get(path) ?? {
      status: 'unknown' as const,
      detail: `${nodes.has(path.from) ? path.to : path.from} is not a node of this test`,
    };
    return { ...path, ...verdict };
  });
}
