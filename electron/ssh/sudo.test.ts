/**
 * One sudo ladder: the probe's single-round-trip command and the Sudo wrapper of the run engine
 * climb the same rungs (root, sudo without a password, sudo with the password on stdin) and call
 * sudo the same way. Both run here against a fake host: `id` and `sudo` stand-ins on PATH.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { splitSections } from '../../shared/probe/sections';
import { probeCommand, probeHost } from '../probe/probe';
import type { PoolTarget, SessionPool } from './pool';
import type { ExecOptions, ExecResult, SshSession } from './session';
import { Sudo } from './sudo';
import { rejection } from '../../test-support/errors';

const PASSWORD = 'pa ss;word';
const TARGET = { host: 'fake', port: 22, user: 'me' } as PoolTarget;

interface FakeHost {
  uid: number;
  sudo: 'none' | 'nopasswd' | 'password';
}

/** A session whose commands run in a local sh with a fake `id` and `sudo` first on PATH. */
function fakeSession(host: FakeHost): {
  session: SshSession;
  sudoCalls: () => string[][];
  execs: () => number;
} {
  const bin = mkdtempSync(join(tmpdir(), 'fake-sudo-'));
  const log = join(bin, 'calls');
  writeFileSync(log, '');
  const tool = (name: string, lines: string[]) => {
    writeFileSync(join(bin, name), ['#!/bin/sh', ...lines].join('\n'));
    chmodSync(join(bin, name), 0o755);
  };
  // PATH holds only these: a host without sudo has none to find.
  symlinkSync('/bin/sh', join(bin, 'sh'));
  symlinkSync('/usr/bin/env', join(bin, 'env'));
  symlinkSync('/bin/true', join(bin, 'true'));
  tool('id', ['echo "$FAKE_UID"']);
  if (host.sudo !== 'none') {
    tool('sudo', [
      `printf '%s\\037' "$@" >> ${log}; printf '\\n' >> ${log}`,
      'stdin=0',
      'while [ $# -gt 0 ]; do case "$1" in -n|-k) shift;; -S) stdin=1; shift;; -p) shift 2;; *) break;; esac; done',
      'if [ "$stdin" = 1 ]; then',
      '  IFS= read -r line',
      '  if [ "$line" != "$FAKE_PASSWORD" ]; then echo "Sorry, try again." >&2; exit 1; fi',
      'elif [ "$FAKE_SUDO" != nopasswd ]; then echo "sudo: a password is required" >&2; exit 1; fi',
      'FAKE_UID=0 exec "$@"',
    ]);
  }
  const exec = (command: string, options: ExecOptions = {}): Promise<ExecResult> =>
    new Promise((resolve, reject) => {
      const child = spawn('/bin/sh', ['-c', command], {
        env: {
          PATH: bin,
          FAKE_UID: String(host.uid),
          FAKE_SUDO: host.sudo,
          FAKE_PASSWORD: PASSWORD,
          SSH_CONNECTION: '10.0.0.1 5000 10.0.0.2 22',
        },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        options.onStdout?.(chunk.toString());
      });
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code, signal) => resolve({ stdout, stderr, code, signal }));
      child.stdin.on('error', () => undefined); // sudo may refuse before reading stdin
      child.stdin.end(options.stdin ?? '');
    });
  let execs = 0;
  const counted = (command: string, options: ExecOptions = {}) => {
    execs++;
    return exec(command, options);
  };
  const session = { target: { host: 'fake', port: 22, user: 'me' }, exec: counted } as unknown as SshSession;
  const sudoCalls = () =>
    readFileSync(log, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split('\x1f').slice(0, -1));
  return { session, sudoCalls, execs: () => execs };
}

/** What the probe and the engine run as root here: prints the uid it ran as. */
const SCRIPT = 'echo @@whoami; id -u; echo @@end';
const CONNECTION = 'SSH_CONNECTION=10.0.0.1 5000 10.0.0.2 22';

async function viaProbe(host: FakeHost, password?: string) {
  const { session, sudoCalls } = fakeSession(host);
  const result = await session.exec(probeCommand(Boolean(password), SCRIPT), {
    stdin: password ? `${password}\n` : '',
  });
  const sections = splitSections(result.stdout);
  return {
    mode: sections.get('sudo-mode')?.trim(),
    uid: sections.get('whoami')?.trim(),
    calls: sudoCalls(),
  };
}

async function viaSudo(host: FakeHost, password?: string) {
  const { session, sudoCalls } = fakeSession(host);
  const sudo = new Sudo(session, password ? { password } : {});
  const result = await sudo.exec(SCRIPT, { keepEnv: ['SSH_CONNECTION'] });
  return { uid: splitSections(result.stdout).get('whoami')?.trim(), calls: sudoCalls() };
}

const codeOf = async (promise: Promise<unknown>): Promise<string> => (await rejection(promise)).code;

describe('one sudo ladder for the probe and the engine', () => {
  it('root: runs the command as it is, without sudo', async () => {
    const host: FakeHost = { uid: 0, sudo: 'password' };
    expect(await viaProbe(host)).toEqual({ mode: 'root', uid: '0', calls: [] });
    const engine = await viaSudo(host);
    expect(engine.uid).toBe('0');
    expect(engine.calls.filter((argv) => argv.includes(SCRIPT))).toEqual([]);
  });

  it('sudo without a password: both ask with -n, then run the command with sudo -n', async () => {
    const host: FakeHost = { uid: 1000, sudo: 'nopasswd' };
    const run = ['-n', 'env', CONNECTION, 'sh', '-c', SCRIPT];
    expect(await viaProbe(host)).toEqual({ mode: 'nopasswd', uid: '0', calls: [['-n', 'true'], run] });
    expect(await viaSudo(host)).toEqual({ uid: '0', calls: [['-n', 'true'], run] });
  });

  it('sudo with a password: both feed it on stdin with sudo -k -S and an empty prompt', async () => {
    const host: FakeHost = { uid: 1000, sudo: 'password' };
    const run = ['-k', '-S', '-p', '', 'env', CONNECTION, 'sh', '-c', SCRIPT];
    const probe = await viaProbe(host, PASSWORD);
    expect(probe).toEqual({ mode: 'password', uid: '0', calls: [['-n', 'true'], run] });
    const engine = await viaSudo(host, PASSWORD);
    expect(engine.uid).toBe('0');
    expect(engine.calls.at(-1)).toEqual(run);
    expect(engine.calls.flat().join(' ')).not.toContain(PASSWORD);
    expect(probe.calls.flat().join(' ')).not.toContain(PASSWORD);
  });

  it('a mode the probe found is not asked again; a password is still checked first', async () => {
    const quiet = fakeSession({ uid: 1000, sudo: 'nopasswd' });
    const learned = new Sudo(quiet.session);
    learned.learn('nopasswd');
    await learned.exec(SCRIPT, { keepEnv: ['SSH_CONNECTION'] });
    expect(quiet.sudoCalls()).toEqual([['-n', 'env', CONNECTION, 'sh', '-c', SCRIPT]]);
    const asking = fakeSession({ uid: 1000, sudo: 'password' });
    const withPassword = new Sudo(asking.session, { password: 'wrong' });
    withPassword.learn('password');
    expect(await codeOf(withPassword.exec(SCRIPT))).toBe('SUDO_PASSWORD_WRONG');
    expect(asking.sudoCalls()).toEqual([['-k', '-S', '-p', '', 'true']]);
  });

  it('the first command climbs the ladder in the same execution when no password is needed', async () => {
    for (const host of [
      { uid: 0, sudo: 'none' },
      { uid: 1000, sudo: 'nopasswd' },
    ] as FakeHost[]) {
      const fake = fakeSession(host);
      const sudo = new Sudo(fake.session);
      const streamed: string[] = [];
      const first = await sudo.exec('echo one; read -r line; echo "$line"', {
        stdin: 'in\n',
        onStdout: (t) => streamed.push(t),
      });
      // The mode line is not the command's output; its stdin reaches it.
      expect(first.stdout).toBe('one\nin\n');
      expect(streamed.join('')).toBe('one\nin\n');
      expect(first.code).toBe(0);
      expect(fake.execs()).toBe(1);
      expect(await sudo.detect()).toBe(host.uid === 0 ? 'root' : 'nopasswd');
      expect((await sudo.exec('id -u')).stdout.trim()).toBe('0');
      expect(fake.execs()).toBe(2);
      // A failing command keeps its exit code.
      expect((await new Sudo(fakeSession(host).session).exec('exit 7')).code).toBe(7);
    }
  });

  it('sudo with a password: the first execution only learns the mode, the command waits for the check', async () => {
    const fake = fakeSession({ uid: 1000, sudo: 'password' });
    const sudo = new Sudo(fake.session, { password: PASSWORD });
    const r = await sudo.exec('id -u');
    expect(r.stdout.trim()).toBe('0');
    // The ladder, the password check, the command: no separate detection.
    expect(fake.execs()).toBe(3);
    expect(fake.sudoCalls().map((argv) => argv.slice(0, 3))).toEqual([
      ['-n', 'true'],
      ['-k', '-S', '-p'],
      ['-k', '-S', '-p'],
    ]);
  });

  it('a wrong password is the same error on both paths', async () => {
    const host: FakeHost = { uid: 1000, sudo: 'password' };
    const { session } = fakeSession(host);
    const pool = { session: () => Promise.resolve(session) } as unknown as SessionPool;
    expect(await codeOf(probeHost({ pool, target: TARGET, sudoPassword: 'wrong' }))).toBe(
      'SUDO_PASSWORD_WRONG',
    );
    expect(await codeOf(viaSudo(host, 'wrong'))).toBe('SUDO_PASSWORD_WRONG');
  });

  it('a password is needed but not given: the probe runs unprivileged, the engine asks for it', async () => {
    const host: FakeHost = { uid: 1000, sudo: 'password' };
    expect(await viaProbe(host)).toEqual({
      mode: 'password-missing',
      uid: '1000',
      calls: [['-n', 'true']],
    });
    expect(await codeOf(viaSudo(host))).toBe('SUDO_PASSWORD_REQUIRED');
  });

  it('no sudo: the probe runs unprivileged, the engine says to log in as root', async () => {
    const host: FakeHost = { uid: 1000, sudo: 'none' };
    expect(await viaProbe(host)).toEqual({ mode: 'unavailable', uid: '1000', calls: [] });
    expect(await codeOf(viaSudo(host))).toBe('SUDO_UNAVAILABLE');
  });
});
