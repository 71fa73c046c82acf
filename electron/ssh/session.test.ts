import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SshCredentials } from './auth';
import { HostKeyPolicy } from './host-key-policy';
import { fingerprintOf, KnownHosts } from './known-hosts';
import { MAX_OUTPUT_CHARS, SshSession, type HostKeyOffer } from './session';
import { newHostKey, newKeyPair, startTestServer, type TestServer } from '../../test-support/ssh/ssh-server';
import { rejection } from '../../test-support/errors';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function server(
  options: Parameters<typeof startTestServer>[0] = { password: 'pw-123456' },
  key = newHostKey(),
): Promise<TestServer> {
  const s = await startTestServer(options, key);
  cleanups.push(() => s.close());
  return s;
}

function knownHosts(): KnownHosts {
  return new KnownHosts({
    appFile: join(mkdtempSync(join(tmpdir(), 'k3sw-s-')), 'known_hosts'),
    userFiles: [],
  });
}

const policy = (known: KnownHosts, onOffer?: (offer: HostKeyOffer) => void): HostKeyPolicy =>
  new HostKeyPolicy({ knownHosts: known, ...(onOffer ? { onOffer } : {}) });

function session(
  s: TestServer,
  credentials: SshCredentials,
  known: KnownHosts,
  extra: Partial<ConstructorParameters<typeof SshSession>[0]> = {},
): SshSession {
  const value = new SshSession({
    target: { host: '127.0.0.1', port: s.port, user: 'lab' },
    credentials,
    hostKeys: policy(known),
    readyTimeoutMs: 5000,
    ...extra,
  });
  cleanups.push(() => value.close());
  return value;
}

async function trusted(
  s: TestServer,
  credentials: SshCredentials = { password: 'pw-123456' },
): Promise<SshSession> {
  const known = knownHosts();
  known.trust('127.0.0.1', s.port, s.hostKeyBlob);
  const value = session(s, credentials, known);
  await value.connect();
  return value;
}

describe('SshSession host keys', () => {
  it('refuses an unknown host with its fingerprint, then connects once it is trusted', async () => {
    const s = await server();
    const known = knownHosts();
    const offers: HostKeyOffer[] = [];
    const error = await rejection(
      session(s, { password: 'pw-123456' }, known, {
        hostKeys: policy(known, (o) => offers.push(o)),
      }).connect(),
    );
    expect(error.code).toBe('HOST_KEY_UNKNOWN');
    expect(error.details).toMatchObject({
      host: '127.0.0.1',
      port: s.port,
      keyType: 'ssh-ed25519',
      fingerprint: fingerprintOf(s.hostKeyBlob),
    });
    expect(s.commands).toEqual([]);
    expect(offers[0]?.key.equals(s.hostKeyBlob)).toBe(true);
    known.trust('127.0.0.1', s.port, offers[0]!.key);
    const again = session(s, { password: 'pw-123456' }, known);
    await again.connect();
    expect((await again.exec('echo hi')).stdout).toBe('hi\n');
  });

  it('blocks a changed key naming both fingerprints until it is re-trusted', async () => {
    const first = await server();
    const known = knownHosts();
    known.trust('127.0.0.1', first.port, first.hostKeyBlob);
    const port = first.port;
    await first.close();
    const reflashed = newHostKey();
    // Same port, new key: the re-flashed Pi.
    const second = await startTestServer({ password: 'pw-123456' }, reflashed);
    cleanups.push(() => second.close());
    const s = { ...second, port: second.port };
    const target = { host: '127.0.0.1', port: s.port, user: 'lab' };
    known.trust('127.0.0.1', s.port, first.hostKeyBlob);
    const error = await rejection(
      new SshSession({ target, credentials: { password: 'pw-123456' }, hostKeys: policy(known) }).connect(),
    );
    expect(error.code).toBe('HOST_KEY_MISMATCH');
    expect(error.message).toContain(fingerprintOf(first.hostKeyBlob));
    expect(error.message).toContain(fingerprintOf(reflashed.blob));
    expect(error.details).toMatchObject({
      oldFingerprints: [fingerprintOf(first.hostKeyBlob)],
      fingerprint: fingerprintOf(reflashed.blob),
    });
    expect(second.commands).toEqual([]);
    known.trust('127.0.0.1', s.port, reflashed.blob, { replace: true });
    const again = new SshSession({ target, credentials: { password: 'pw-123456' }, hostKeys: policy(known) });
    cleanups.push(() => again.close());
    await again.connect();
    expect(port).toBeGreaterThan(0);
  });
});

describe('SshSession logins', () => {
  it('logs in with a passphrase-protected key, and says so when the passphrase is missing or wrong', async () => {
    const pair = newKeyPair({ passphrase: 'open sesame' });
    const s = await server({ authorizedKeys: [pair.public] });
    const file = join(mkdtempSync(join(tmpdir(), 'k3sw-key-')), 'id');
    writeFileSync(file, pair.private, { mode: 0o600 });
    const missing = await rejection(trusted(s, { identityFile: file }));
    expect(missing).toMatchObject({ code: 'AUTH_FAILED', details: { reason: 'passphrase-required' } });
    const wrong = await rejection(trusted(s, { identityFile: file, passphrase: 'nope' }));
    expect(wrong).toMatchObject({ code: 'AUTH_FAILED', details: { reason: 'passphrase-wrong' } });
    expect(wrong.message).not.toContain('nope');
    const ok = await trusted(s, { identityFile: file, passphrase: 'open sesame' });
    expect((await ok.exec('echo key')).stdout).toBe('key\n');
  });

  it('a key file logs in with one signed request, not a question first; a key not taken falls back to the password', async () => {
    const ed = newKeyPair();
    const rsa = ssh2.utils.generateKeyPairSync('rsa', { bits: 2048 });
    const s = await server({ authorizedKeys: [ed.public, rsa.public], password: 'pw-123456' });
    for (const key of [ed.private, rsa.private]) {
      s.logins.length = 0;
      const ok = await trusted(s, { privateKey: key });
      expect((await ok.exec('echo signed')).stdout).toBe('signed\n');
      expect(s.logins).toEqual([{ method: 'publickey', signed: true }]);
    }
    s.logins.length = 0;
    const other = newKeyPair();
    const fallback = await trusted(s, { privateKey: other.private, password: 'pw-123456' });
    expect((await fallback.exec('echo pw')).stdout).toBe('pw\n');
    expect(s.logins).toEqual([
      { method: 'publickey', signed: true },
      { method: 'password', signed: false },
    ]);
  });

  it('falls back to keyboard-interactive with the password', async () => {
    const s = await server({ password: 'kbd-pass-1', keyboardInteractive: true });
    const ok = await trusted(s, { password: 'kbd-pass-1' });
    expect((await ok.exec('echo kbd')).stdout).toBe('kbd\n');
  });

  it('a wrong password is AUTH_FAILED naming the host, never the password', async () => {
    const s = await server();
    const error = await rejection(trusted(s, { password: 'wrong-secret' }));
    expect(error.code).toBe('AUTH_FAILED');
    expect(error.message).toContain(`lab@127.0.0.1:${s.port}`);
    expect(JSON.stringify(error.toPayload())).not.toContain('wrong-secret');
  });

  it('a closed port is HOST_UNREACHABLE; a silent one is a TIMEOUT naming the host', async () => {
    const held = new Set<Socket>();
    const blackhole = createServer((socket) => held.add(socket)); // accepts, never speaks
    await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
    const port = (blackhole.address() as AddressInfo).port;
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          for (const socket of held) socket.destroy();
          blackhole.close(() => resolve());
        }),
    );
    const target = { host: '127.0.0.1', port, user: 'lab' };
    const timeout = await rejection(
      new SshSession({
        target,
        credentials: { password: 'x-secret' },
        hostKeys: policy(knownHosts()),
        readyTimeoutMs: 800,
      }).connect(),
    );
    expect(timeout.code).toBe('TIMEOUT');
    expect(timeout.message).toContain(`127.0.0.1:${port}`);
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const refused = await rejection(
      new SshSession({
        target: { ...target, port: closedPort },
        credentials: { password: 'x-secret' },
        hostKeys: policy(knownHosts()),
      }).connect(),
    );
    expect(refused.code).toBe('HOST_UNREACHABLE');
  });
});

/** A TCP front to `port` that hangs up on the first `drops` connections once they sent something. */
async function flakyFront(port: number, drops: number): Promise<{ port: number; accepted: () => number }> {
  let accepted = 0;
  const sockets = new Set<Socket>();
  const front = createServer((socket) => {
    sockets.add(socket);
    accepted += 1;
    if (accepted <= drops) {
      socket.once('data', () => socket.destroy());
      return;
    }
    const back = connect(port, '127.0.0.1');
    sockets.add(back);
    socket.pipe(back).pipe(socket);
    socket.on('close', () => back.destroy());
    back.on('close', () => socket.destroy());
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        front.close(() => resolve());
      }),
  );
  return { port: (front.address() as AddressInfo).port, accepted: () => accepted };
}

describe('SshSession when the machine hangs up before the login is done', () => {
  it('tries again: two early hang-ups, then a normal login', async () => {
    const s = await server();
    const front = await flakyFront(s.port, 2);
    const known = knownHosts();
    known.trust('127.0.0.1', front.port, s.hostKeyBlob);
    const ssh = session({ ...s, port: front.port }, { password: 'pw-123456' }, known);
    await ssh.connect();
    expect((await ssh.exec('echo again')).stdout).toBe('again\n');
    expect(front.accepted()).toBe(3);
  });

  it('gives up after three, saying where it hung up and where to look', async () => {
    const s = await server();
    const front = await flakyFront(s.port, 99);
    const known = knownHosts();
    known.trust('127.0.0.1', front.port, s.hostKeyBlob);
    const error = await rejection(
      session({ ...s, port: front.port }, { password: 'pw-123456' }, known).connect(),
    );
    expect(error.code).toBe('HOST_UNREACHABLE');
    expect(error.message).toMatch(
      /closed the connection before the key exchange\. It did so 3 times in a row/,
    );
    expect(error.message).toContain('journalctl -u ssh');
    expect(front.accepted()).toBe(3);
  });

  it('tries again when it hangs up after the key exchange, while logging in', async () => {
    const s = await server({ password: 'pw-123456', hangUpOnLogin: 1 });
    const ssh = await trusted(s);
    expect((await ssh.exec('echo in')).stdout).toBe('in\n');
    const always = await server({ password: 'pw-123456', hangUpOnLogin: 99 });
    const error = await rejection(trusted(always));
    expect(error.message).toMatch(/closed the connection while logging in\. It did so 3 times/);
  });

  it('a refused login is not tried again', async () => {
    const s = await server();
    const front = await flakyFront(s.port, 0);
    const known = knownHosts();
    known.trust('127.0.0.1', front.port, s.hostKeyBlob);
    const error = await rejection(
      session({ ...s, port: front.port }, { password: 'wrong-secret' }, known).connect(),
    );
    expect(error.code).toBe('AUTH_FAILED');
    expect(front.accepted()).toBe(1);
  });
});

describe('SshSession exec', () => {
  it('returns stdout, stderr, exit code and signal apart, feeds stdin and streams output', async () => {
    const s = await server();
    const ssh = await trusted(s);
    const chunks: string[] = [];
    const result = await ssh.exec('cat; echo err >&2; exit 3', {
      stdin: 'from stdin ✓',
      onStdout: (c) => chunks.push(c),
    });
    expect(result).toEqual({ stdout: 'from stdin ✓', stderr: 'err\n', code: 3, signal: null });
    expect(chunks.join('')).toBe('from stdin ✓');
    const killed = await ssh.exec('kill -TERM $$');
    expect(killed).toMatchObject({ code: null, signal: 'SIGTERM' });
  });

  it('keeps only the tail of a flood or an endless line, and says how much was cut', async () => {
    const s = await server();
    const ssh = await trusted(s);
    const flood = await ssh.exec("head -c 3000000 /dev/zero | tr '\\0' a; echo; echo last-line", {
      maxOutputChars: 100_000,
    });
    expect(flood.code).toBe(0);
    expect(flood.stdout.length).toBeLessThan(100_100);
    expect(flood.stdout).toMatch(/^\[k3s-wizard: \d+ characters cut from the start\]\n/);
    expect(flood.stdout.endsWith('a\nlast-line\n')).toBe(true);
    const err = await ssh.exec("head -c 500000 /dev/zero | tr '\\0' e >&2", { maxOutputChars: 10_000 });
    expect(err.stderr.length).toBeLessThan(10_100);
    expect(err.stderr).toContain('characters cut');
    expect(MAX_OUTPUT_CHARS).toBeLessThanOrEqual(16 * 1024 * 1024);
  });

  it('runs many commands at once on one connection', async () => {
    const s = await server();
    const ssh = await trusted(s);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => ssh.exec(`echo ${i}`)));
    expect(results.map((r) => r.stdout.trim())).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
  });

  it('stops a command that runs too long, and one that is cancelled', async () => {
    const s = await server();
    const ssh = await trusted(s);
    const slow = await rejection(ssh.exec('sleep 5', { timeoutMs: 300, step: 'wait' }));
    expect(slow).toMatchObject({ code: 'TIMEOUT', details: { step: 'wait' } });
    const controller = new AbortController();
    const pending = ssh.exec('sleep 5', { signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    expect((await rejection(pending)).code).toBe('CANCELLED');
    expect((await ssh.exec('echo still fine')).stdout).toBe('still fine\n');
  });

  it('a standby runs the input it is given later, as exec would: output, exit code, stdin written first', async () => {
    const s = await server();
    const ssh = await trusted(s);
    // Given its input once its channel is open, and before it is (at once).
    const waiting = ssh.standby('cat; echo err >&2; exit 3', { step: 'later', stdin: 'first\n' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const chunks: string[] = [];
    const result = await waiting.run({ stdin: 'given later', onStdout: (c) => chunks.push(c) });
    expect(result).toEqual({ stdout: 'first\ngiven later', stderr: 'err\n', code: 3, signal: null });
    expect(chunks.join('')).toBe('first\ngiven later');
    expect(await ssh.standby('cat').run({ stdin: 'at once' })).toMatchObject({ stdout: 'at once', code: 0 });
    // Used once: a second run is the caller's to do the usual way.
    expect(waiting.run({ stdin: 'again' })).toBeNull();
  });

  it('a standby released reads no input and ends; one that ended on its own is not run', async () => {
    const s = await server();
    const ssh = await trusted(s);
    const dir = mkdtempSync(join(tmpdir(), 'k3sw-standby-'));
    const released = ssh.standby(`cat > ${dir}/got; echo ended > ${dir}/ended`);
    released.release();
    await vi.waitFor(() => expect(readFileSync(join(dir, 'ended'), 'utf8')).toBe('ended\n'));
    expect(readFileSync(join(dir, 'got'), 'utf8')).toBe('');
    expect(released.run({ stdin: 'late' })).toBeNull();
    const gone = ssh.standby('exit 0');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(gone.run({ stdin: 'echo never' })).toBeNull();
  });

  it("a standby's time starts when it is run: then a slow one is stopped, and a cancelled one too", async () => {
    const s = await server();
    const ssh = await trusted(s);
    const slow = ssh.standby('read -r line; sleep 5', { step: 'later' });
    // Waiting longer than the time it is given once run does not count.
    await new Promise((resolve) => setTimeout(resolve, 400));
    const started = Date.now();
    const error = await rejection(slow.run({ stdin: 'go\n', timeoutMs: 300 }) as Promise<unknown>);
    expect(error).toMatchObject({ code: 'TIMEOUT', details: { step: 'later', timeoutMs: 300 } });
    expect(Date.now() - started).toBeLessThan(3000);
    const controller = new AbortController();
    const pending = ssh.standby('read -r line; sleep 5').run({ stdin: 'go\n', signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    expect((await rejection(pending as Promise<unknown>)).code).toBe('CANCELLED');
    expect((await ssh.exec('echo still fine')).stdout).toBe('still fine\n');
  });

  it('a standby that speaks first: onEarly hears it, run gives and returns only what follows; stopped while it waits by its signal or its wait limit', async () => {
    const s = await server();
    const ssh = await trusted(s);
    let heard = '';
    let ready!: () => void;
    const said = new Promise<void>((resolve) => (ready = resolve));
    const talker = ssh.standby('echo facts; echo warn >&2; cat; echo done', {
      step: 'probe',
      onEarly: (stream, text) => {
        heard += `${stream}:${text}`;
        if (heard.includes('facts') && heard.includes('warn')) ready();
      },
    });
    await said;
    expect(heard).toContain('stdout:facts\n');
    expect(heard).toContain('stderr:warn\n');
    const chunks: string[] = [];
    const result = await talker.run({ stdin: 'script\n', onStdout: (c) => chunks.push(c) });
    expect(result).toEqual({ stdout: 'script\ndone\n', stderr: '', code: 0, signal: null });
    expect(chunks.join('')).toBe('script\ndone\n');
    // exited: the whole of it, before and after run.
    expect((await talker.exited).stdout).toBe('facts\nscript\ndone\n');

    const controller = new AbortController();
    const stopped = ssh.standby('cat', { signal: controller.signal });
    controller.abort();
    expect((await rejection(stopped.exited)).code).toBe('CANCELLED');
    expect(stopped.run({ stdin: 'late' })).toBeNull();
    const slow = ssh.standby('cat', { step: 'probe', waitMs: 200 });
    expect(await rejection(slow.exited)).toMatchObject({ code: 'TIMEOUT', details: { step: 'probe' } });
    // Once run, neither counts: its own time and signal do.
    const late = new AbortController();
    const kept = ssh.standby('read -r l; sleep 0.4; echo "$l"', { signal: late.signal, waitMs: 200 });
    const running = kept.run({ stdin: 'ok\n', timeoutMs: 5000 });
    late.abort();
    expect(await running).toMatchObject({ stdout: 'ok\n', code: 0 });
  });

  it('a dropped connection fails the command with the host and step, and the next connect works', async () => {
    const s = await server();
    const ssh = await trusted(s);
    const pending = ssh.exec('sleep 5', { step: 'install k3s' });
    setTimeout(() => s.dropAll(), 200);
    const error = await rejection(pending);
    expect(error).toMatchObject({
      code: 'CONNECTION_LOST',
      details: { host: '127.0.0.1', step: 'install k3s' },
    });
    expect(error.message).toContain('install k3s');
    expect(ssh.connected).toBe(false);
    expect((await rejection(ssh.exec('true', { step: 'next' }))).code).toBe('CONNECTION_LOST');
    await ssh.connect();
    expect((await ssh.exec('echo back')).stdout).toBe('back\n');
  });
});
