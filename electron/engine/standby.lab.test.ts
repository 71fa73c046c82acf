// Root shells started ahead (SshHostRunner.prepare) on real hosts, over SSH and sudo (without
// and with a password): one waits on the host until its batch or command comes, runs it as
// root, and none is left behind, whether used or let go.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterFile, labPool } from '../../test-support/engine/lab';
import { SshHostRunner } from './ssh-runner';
import type { SessionPool } from '../ssh/pool';
import type { HostsService } from '../probe/hosts-service';
import { down, exec, up } from '../../e2e/lab/index';

const NAMES = ['sb1', 'sb2'];
let pool: SessionPool;
let service: HostsService;
const runners = new Map<string, SshHostRunner>();
const refs = new Map<string, { host: string; port: number; user: string }>();

beforeAll(async () => {
  await down(NAMES);
  const hosts = await up([
    { name: 'sb1', firewall: 'none' },
    { name: 'sb2', firewall: 'none', sudo: 'password' },
  ]);
  const cluster = clusterFile(
    'sbq',
    hosts.map((host) => ({ host, role: 'server' as const })),
  );
  ({ pool, hosts: service } = await labPool(cluster));
  for (const host of hosts) {
    refs.set(host.name, { host: host.address, port: host.port, user: host.user });
    const runner = new SshHostRunner(
      pool,
      { host: host.address, port: host.port, user: host.user },
      host.name,
    );
    // How root is reached is learned (and the password checked) as a run does before its first change.
    await runner.exec({
      command: 'true',
      sudo: true,
      timeoutMs: 30_000,
      signal: new AbortController().signal,
      what: 'first',
    });
    runners.set(host.name, runner);
  }
}, 900_000);

afterAll(async () => {
  pool.closeAll();
  await down(NAMES);
});

/** Root shells on the host that wait for their script on stdin. */
async function waiting(name: string): Promise<number> {
  const r = await exec(name, ['sh', '-c', "ps -eo user=,args= | grep -c '^root *sh -s$'"]);
  return Number(r.stdout.trim());
}

describe.each(NAMES)('on %s', (name) => {
  const signal = new AbortController().signal;

  it('a prepared root shell waits on the host, then runs the batch it was started for', async () => {
    const runner = runners.get(name) as SshHostRunner;
    const until = new AbortController();
    runner.prepare(['the batch'], until.signal);
    await expect.poll(() => waiting(name), { timeout: 10_000 }).toBe(1);
    const trips = runner.roundTrips;
    const out: string[] = [];
    const r = await runner.batch({
      parts: [
        { kind: 'exec', command: 'id -u' },
        {
          kind: 'write-file',
          path: '/root/standby-proof',
          mode: '0600',
          owner: 'root:root',
          content: 'kept\n',
        },
        { kind: 'exec', command: 'cat /root/standby-proof' },
      ],
      sudo: true,
      onOutput: (_stream, text) => out.push(text),
      timeoutMs: 30_000,
      signal,
      what: 'the batch',
    });
    expect(r).toEqual({ codes: [0, 0, 0], code: 0 });
    expect(out.join('')).toMatch(/^0$/m);
    expect(out.join('')).toContain('kept');
    // It was that shell: no new command sent for it, and none waits any more.
    expect(runner.roundTrips).toBe(trips);
    expect(await waiting(name)).toBe(0);
    until.abort();
  });

  it('a command runs on one too; one for something else is not taken; one let go ends unused', async () => {
    const runner = runners.get(name) as SshHostRunner;
    const until = new AbortController();
    runner.prepare(['read it', 'never asked'], until.signal);
    await expect.poll(() => waiting(name), { timeout: 10_000 }).toBe(2);
    const r = await runner.exec({
      command: 'id -un; cat',
      sudo: true,
      timeoutMs: 30_000,
      signal,
      what: 'read it',
    });
    expect(r).toMatchObject({ code: 0, stdout: 'root\n' });
    expect(await waiting(name)).toBe(1);
    // Asked for without one: runs the usual way.
    const plain = await runner.exec({
      command: 'id -un',
      sudo: true,
      timeoutMs: 30_000,
      signal,
      what: 'other',
    });
    expect(plain.stdout).toBe('root\n');
    expect(await waiting(name)).toBe(1);
    until.abort();
    await expect.poll(() => waiting(name), { timeout: 10_000 }).toBe(0);
  });
});

describe.each(NAMES)("the facts probe's root shell on %s", (name) => {
  const signal = new AbortController().signal;
  const batch = (runner: SshHostRunner, what: string) =>
    runner.batch({
      parts: [{ kind: 'exec', command: 'id -u' }],
      sudo: true,
      timeoutMs: 30_000,
      signal,
      what,
    });
  /** A root batch that runs on the shell the probe kept: no command sent for it, none waits after. */
  async function runsOnTheKeptShell(what: string): Promise<SshHostRunner> {
    const runner = runners.get(name) as SshHostRunner;
    const trips = runner.roundTrips;
    expect(await batch(runner, what)).toEqual({ codes: [0], code: 0 });
    expect(runner.roundTrips).toBe(trips);
    expect(await waiting(name)).toBe(0);
    return runner;
  }

  it('waits after the facts are read, and the first root batch runs on it, as root', async () => {
    const facts = await service.probe(refs.get(name) as never, undefined, { keepShell: true });
    expect(facts.hostname).toBe(name);
    expect(facts.sudo).toBe(name === 'sb2' ? 'password' : 'nopasswd');
    await expect.poll(() => waiting(name), { timeout: 10_000 }).toBe(1);
    // Any root batch takes it: nothing was started for this one.
    const runner = await runsOnTheKeptShell('a batch nobody prepared');
    const trips = runner.roundTrips;
    // Used once: the next runs the usual way.
    expect(await batch(runner, 'the next')).toEqual({ codes: [0], code: 0 });
    expect(runner.roundTrips).toBe(trips + 1);
  });

  it('a probe that does not keep it leaves none; a newer one replaces one not used', async () => {
    await service.probe(refs.get(name) as never);
    expect(await waiting(name)).toBe(0);
    await service.probe(refs.get(name) as never, undefined, { keepShell: true });
    await service.probe(refs.get(name) as never, undefined, { keepShell: true });
    await expect.poll(() => waiting(name), { timeout: 10_000 }).toBe(1);
    await runsOnTheKeptShell('after two probes');
  });
});

it('sb2 without its sudo password: the facts are read as the user, and no shell is kept', async () => {
  const ref = refs.get('sb2') as { host: string; port: number; user: string };
  const before = service.credentials.get(ref.host, ref.port);
  if (!before?.sudoPassword) throw new Error('sb2 should have a sudo password to begin with');
  const { sudoPassword: _left, ...without } = before;
  service.setCredentials(ref.host, ref.port, without);
  try {
    const facts = await service.probe(ref, undefined, { keepShell: true });
    expect(facts.hostname).toBe('sb2');
    expect(facts.sudo).toBe('password');
    // Nothing waits, as root or as the user: the command ended with the facts.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await waiting('sb2')).toBe(0);
    const r = await exec('sb2', ['sh', '-c', "ps -eo args= | grep -c '^sh -s$' || true"]);
    expect(r.stdout.trim()).toBe('0');
  } finally {
    service.setCredentials(ref.host, ref.port, before);
  }
});
