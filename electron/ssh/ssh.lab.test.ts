/**
 * SSH against real lab hosts: every login method, host keys (first contact, change, re-trust),
 * sudo with and without a password, sshd killed mid-command, a host that stops answering, SFTP.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as lab from '../../e2e/lab';
import { createLocalBridge } from '../local-bridge';
import { testBackend } from '../../test-support/backend';
import type { SshCredentials } from './auth';
import type { HostKeyPolicy } from './host-key-policy';
import { SshSession } from './session';
import { download, upload } from './sftp';
import { readSshConfig } from './ssh-config';
import { Sudo } from './sudo';
import { hostFingerprint, regenerateHostKeys, trustingHostKeys } from '../../test-support/ssh/lab';
import { rejection } from '../../test-support/errors';

let key: lab.LabHost;
let pw: lab.LabHost;
let known: HostKeyPolicy;
const sessions: SshSession[] = [];

beforeAll(async () => {
  const up = await lab.up([
    { name: 's4key', sudo: 'nopasswd', auth: 'both' },
    { name: 's4pw', sudo: 'password', auth: 'password' },
  ]);
  [key, pw] = up as [lab.LabHost, lab.LabHost];
  known = await trustingHostKeys([key, pw]);
});

afterAll(async () => {
  for (const s of sessions) s.close();
  await lab.down(['s4key', 's4pw']);
});

function open(
  host: lab.LabHost,
  credentials: SshCredentials,
  extra: Partial<ConstructorParameters<typeof SshSession>[0]> = {},
): SshSession {
  const session = new SshSession({
    target: { host: host.address, port: host.port, user: host.user },
    credentials,
    hostKeys: known,
    readyTimeoutMs: 15_000,
    ...extra,
  });
  sessions.push(session);
  return session;
}

describe('logins', () => {
  it('key file, passphrase-protected key, password; the wrong method is AUTH_FAILED', async () => {
    const byKey = open(key, { identityFile: key.keyPath });
    await byKey.connect();
    expect((await byKey.exec('id -un')).stdout.trim()).toBe('lab');
    const byPassphrase = open(key, { identityFile: key.passphraseKeyPath, passphrase: key.passphrase });
    await byPassphrase.connect();
    expect((await byPassphrase.exec('echo ok')).stdout).toBe('ok\n');
    expect(
      (await rejection(open(key, { identityFile: key.passphraseKeyPath }).connect())).details,
    ).toMatchObject({ reason: 'passphrase-required' });
    const byPassword = open(pw, { password: pw.password });
    await byPassword.connect();
    expect((await byPassword.exec('id -un')).stdout.trim()).toBe('lab');
    const refused = await rejection(open(pw, { identityFile: pw.keyPath }).connect());
    expect(refused.code).toBe('AUTH_FAILED');
    expect(refused.message).toContain(pw.address);
  });

  it('ssh-agent', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'k3sw-agent-'));
    const sock = join(dir, 'agent.sock');
    const agent = execFileSync('ssh-agent', ['-a', sock, '-s'], { encoding: 'utf8' });
    const pid = Number(/SSH_AGENT_PID=(\d+)/.exec(agent)?.[1]);
    try {
      const added = spawnSync('ssh-add', [key.keyPath], {
        env: { ...process.env, SSH_AUTH_SOCK: sock },
        encoding: 'utf8',
      });
      expect(added.status).toBe(0);
      const viaAgent = open(key, { useAgent: true }, { env: { SSH_AUTH_SOCK: sock } });
      await viaAgent.connect();
      expect((await viaAgent.exec('echo agent')).stdout).toBe('agent\n');
    } finally {
      process.kill(pid);
    }
  });

  it('hosts imported from an ssh config file connect as configured', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'k3sw-sshcfg-'));
    writeFileSync(
      join(dir, 'config'),
      `Host lab-key\n  HostName ${key.address}\n  User ${key.user}\n  IdentityFile ${key.keyPath}\nHost *\n  Port ${key.port}\n`,
    );
    const [imported] = readSshConfig(join(dir, 'config'));
    expect(imported).toMatchObject({
      alias: 'lab-key',
      host: key.address,
      port: key.port,
      user: 'lab',
      identityFile: key.keyPath,
    });
    const session = new SshSession({
      target: { host: imported!.host, port: imported!.port, user: imported!.user! },
      credentials: { identityFile: imported!.identityFile! },
      hostKeys: known,
    });
    sessions.push(session);
    await session.connect();
    expect((await session.exec('hostname')).stdout.trim()).toBe(key.hostname);
  });
});

describe('host keys through the contract', () => {
  it('first contact shows the real fingerprint; a changed key is blocked naming both, until re-trusted', async () => {
    const backend = testBackend('cli');
    const bridge = createLocalBridge(backend);
    const ref = { host: key.address, port: key.port, user: key.user };
    try {
      await bridge.invoke('hosts:setCredentials', { ...ref, identityFile: key.keyPath });
      const first = await rejection(bridge.invoke('hosts:probe', ref));
      const original = await hostFingerprint(key.name);
      expect(first.code).toBe('HOST_KEY_UNKNOWN');
      expect(first.details?.fingerprint).toBe(original);
      await bridge.invoke('hosts:trustHostKey', { host: key.address, port: key.port, fingerprint: original });
      expect((await bridge.invoke('hosts:probe', ref)).facts.hostname).toBe(key.hostname);

      await regenerateHostKeys(key.name);
      const reflashed = await hostFingerprint(key.name);
      const changed = await rejection(bridge.invoke('hosts:probe', ref));
      expect(changed.code).toBe('HOST_KEY_MISMATCH');
      expect(changed.message).toContain(original);
      expect(changed.message).toContain(reflashed);
      // Still blocked on the next step, and trusting without `replace` is refused.
      expect((await rejection(bridge.invoke('hosts:probe', ref))).code).toBe('HOST_KEY_MISMATCH');
      expect(
        (
          await rejection(
            bridge.invoke('hosts:trustHostKey', {
              host: key.address,
              port: key.port,
              fingerprint: reflashed,
            }),
          )
        ).code,
      ).toBe('HOST_KEY_MISMATCH');
      await bridge.invoke('hosts:trustHostKey', {
        host: key.address,
        port: key.port,
        fingerprint: reflashed,
        replace: true,
      });
      expect((await bridge.invoke('hosts:probe', ref)).facts.hostname).toBe(key.hostname);
    } finally {
      await backend.close();
      known.knownHosts.trust(
        key.address,
        key.port,
        Buffer.from(
          (await lab.exec(key.name, ['cat', '/etc/ssh/ssh_host_ed25519_key.pub'])).stdout.split(/\s+/)[1] ??
            '',
          'base64',
        ),
        { replace: true },
      );
    }
  });
});

describe('sudo', () => {
  it('passwordless sudo, and root login need no password', async () => {
    const session = open(key, { identityFile: key.keyPath });
    await session.connect();
    const sudo = new Sudo(session);
    expect(await sudo.detect()).toBe('nopasswd');
    expect((await sudo.exec('id -u')).stdout.trim()).toBe('0');
  });

  it('sudo with a password: fed on stdin, stdin still reaches the command; missing or wrong is a clear error, fast', async () => {
    const session = open(pw, { password: pw.password });
    await session.connect();
    expect(await new Sudo(session).detect()).toBe('password');
    expect((await rejection(new Sudo(session).exec('id -u'))).code).toBe('SUDO_PASSWORD_REQUIRED');
    const sudo = new Sudo(session, { password: pw.password });
    const result = await sudo.exec('id -u; cat', { stdin: 'data for the command\n' });
    expect(result.stdout).toBe('0\ndata for the command\n');
    expect(result.stdout + result.stderr).not.toContain(pw.password);
    const started = Date.now();
    const wrongSudo = new Sudo(session, { password: 'not-the-password' });
    const wrong = await rejection(wrongSudo.exec('id -u'));
    expect(wrong.code).toBe('SUDO_PASSWORD_WRONG');
    expect(wrong.message).not.toContain('not-the-password');
    expect(Date.now() - started).toBeLessThan(20_000);
    // Refused once, never tried again (a refused sudo waits seconds; no lockout by repetition).
    const again = Date.now();
    expect((await rejection(wrongSudo.exec('id -u'))).code).toBe('SUDO_PASSWORD_WRONG');
    expect(Date.now() - again).toBeLessThan(500);
  });
});

describe('connection faults', () => {
  it('sshd killed mid-command: CONNECTION_LOST with host and step; after sshd is back a retry reconnects', async () => {
    const session = open(
      key,
      { identityFile: key.keyPath },
      { keepaliveIntervalMs: 1000, keepaliveCountMax: 3 },
    );
    await session.connect();
    const pending = rejection(session.exec('sleep 60', { step: 'install k3s' }));
    await new Promise((resolve) => setTimeout(resolve, 500));
    await lab.fault.killSshd(key.name);
    const lost = await pending;
    expect(lost).toMatchObject({
      code: 'CONNECTION_LOST',
      details: { host: key.address, step: 'install k3s' },
    });
    expect((await rejection(session.connect())).code).toBe('HOST_UNREACHABLE');
    await lab.fault.startSshd(key.name);
    await session.connect();
    expect((await session.exec('echo back')).stdout).toBe('back\n');
  });

  it('a host that does not answer is a TIMEOUT naming it', async () => {
    await lab.fault.cutNetwork(pw.name, 15);
    const started = Date.now();
    const error = await rejection(open(pw, { password: pw.password }, { readyTimeoutMs: 3000 }).connect());
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toContain(pw.address);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe('sftp', () => {
  it('uploads and downloads with progress', async () => {
    const session = open(key, { identityFile: key.keyPath });
    await session.connect();
    const content = Buffer.alloc(300_000, 'k3s ');
    const progress: number[] = [];
    await upload(session, {
      from: content,
      to: '/tmp/s4-upload.bin',
      mode: 0o600,
      onProgress: (p) => progress.push(p.transferred),
    });
    expect(progress.at(-1)).toBe(content.length);
    expect((await session.exec('stat -c %s-%a /tmp/s4-upload.bin')).stdout.trim()).toBe(
      `${content.length}-600`,
    );
    const local = join(mkdtempSync(join(tmpdir(), 'k3sw-dl-')), 'copy.bin');
    const down: number[] = [];
    await download(session, {
      from: '/tmp/s4-upload.bin',
      to: local,
      onProgress: (p) => down.push(p.transferred),
    });
    expect(readFileSync(local).equals(content)).toBe(true);
    expect(down.at(-1)).toBe(content.length);
    expect((await rejection(download(session, { from: '/nope/missing', to: local }))).code).toBe(
      'FILE_ERROR',
    );
  });
});
