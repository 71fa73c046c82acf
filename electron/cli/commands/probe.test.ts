import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { afterEach, describe, expect, it } from 'vitest';
import {
  newHostKey,
  newKeyPair,
  startTestServer,
  type TestServer,
} from '../../../test-support/ssh/ssh-server';
import { runCli, type CliIo } from '../program';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function io(dataDir = mkdtempSync(join(tmpdir(), 'k3sw-probe-'))) {
  const out: string[] = [];
  const err: string[] = [];
  const value: CliIo = {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    env: { K3S_WIZARD_DATA_DIR: dataDir, USER: 'lab' },
    untilInterrupted: () => Promise.resolve(),
  };
  return { value, dataDir, out: () => out.join(''), err: () => err.join('') };
}

async function keyServer(): Promise<{ server: TestServer; keyFile: string }> {
  const pair = newKeyPair();
  const server = await startTestServer({ authorizedKeys: [pair.public] });
  cleanups.push(() => server.close());
  const keyFile = join(mkdtempSync(join(tmpdir(), 'k3sw-id-')), 'id');
  writeFileSync(keyFile, pair.private, { mode: 0o600 });
  return { server, keyFile };
}

interface ProbeJson {
  hosts: {
    destination: string;
    role: string;
    facts: { hostname: string | null } | null;
    error: { code: string; message: string } | null;
  }[];
  checks: { id: string; status: string }[];
}

describe('k3s-wizard probe', () => {
  it('refuses an unknown host key without a terminal, naming the fingerprint and --accept-new', async () => {
    const { server, keyFile } = await keyServer();
    const cli = io();
    expect(await runCli(['probe', `127.0.0.1:${server.port}`, '-i', keyFile, '--json'], cli.value)).toBe(1);
    const report = JSON.parse(cli.out()) as ProbeJson;
    expect(report.hosts[0]?.error?.code).toBe('HOST_KEY_UNKNOWN');
    expect(report.hosts[0]?.error?.message).toMatch(/SHA256:\S+.*--accept-new/);
    expect(cli.err()).toContain('1 of 1 hosts could not be probed');
    expect(server.commands).toEqual([]);
  });

  it('with --accept-new probes, prints facts and checks, writes facts for plan, and remembers the key', async () => {
    const { server, keyFile } = await keyServer();
    const cli = io();
    const factsFile = join(cli.dataDir, 'facts.json');
    const dest = `lab@127.0.0.1:${server.port}`;
    const code = await runCli(
      ['probe', dest, '-i', keyFile, '--accept-new', '--json', '--facts-out', factsFile],
      cli.value,
    );
    const report = JSON.parse(cli.out()) as ProbeJson;
    expect(report.hosts[0]).toMatchObject({ destination: dest, role: 'server', error: null });
    expect(report.hosts[0]?.facts?.hostname).toBeTruthy();
    expect(report.checks.map((c) => c.id)).toContain('memory-cgroup');
    expect(code).toBe(report.checks.some((c) => c.status === 'fail') ? 1 : 0);
    expect(Object.keys(JSON.parse(readFileSync(factsFile, 'utf8')) as object)).toEqual(['127.0.0.1']);
    expect(readFileSync(join(cli.dataDir, 'known_hosts'), 'utf8')).toContain(
      `[127.0.0.1]:${server.port} ssh-ed25519 `,
    );
    // Second run: the key is known, no question asked; the table is printed.
    const again = io(cli.dataDir);
    await runCli(['probe', dest, '-i', keyFile], again.value);
    expect(again.out()).toContain('Checks');
    expect(again.out()).toMatch(/hostname\s+\S+/);
    expect(again.err()).not.toContain('trusted');
  });

  it('--accept-new never trusts a host known by an ed25519 key that now offers only an RSA key', async () => {
    const pair = newKeyPair();
    const rsa = ssh2.utils.generateKeyPairSync('rsa', { bits: 2048 });
    const parsed = ssh2.utils.parseKey(rsa.public);
    if (parsed instanceof Error) throw parsed;
    const server = await startTestServer(
      { authorizedKeys: [pair.public] },
      { private: rsa.private, blob: parsed.getPublicSSH() },
    );
    cleanups.push(() => server.close());
    const keyFile = join(mkdtempSync(join(tmpdir(), 'k3sw-id-')), 'id');
    writeFileSync(keyFile, pair.private, { mode: 0o600 });
    const cli = io();
    const known = `[127.0.0.1]:${server.port} ssh-ed25519 ${newHostKey().blob.toString('base64')}\n`;
    writeFileSync(join(cli.dataDir, 'known_hosts'), known, { mode: 0o600 });
    expect(
      await runCli(['probe', `127.0.0.1:${server.port}`, '-i', keyFile, '--accept-new', '--json'], cli.value),
    ).toBe(1);
    const report = JSON.parse(cli.out()) as ProbeJson;
    expect(report.hosts[0]?.error?.code).toBe('HOST_KEY_MISMATCH');
    expect(report.hosts[0]?.error?.message).toMatch(
      /known by ssh-ed25519 SHA256:\S+ and now offers only ssh-rsa/,
    );
    expect(readFileSync(join(cli.dataDir, 'known_hosts'), 'utf8')).toBe(known);
    expect(cli.err()).not.toContain('trusted');
    expect(server.commands).toEqual([]);
  });

  it('usage errors exit 2', async () => {
    expect(await runCli(['probe'], io().value)).toBe(2);
    expect(await runCli(['probe', 'bad host name:99999'], io().value)).toBe(2);
    expect(await runCli(['probe', 'a', 'b', '--roles', 'server'], io().value)).toBe(2);
    expect(await runCli(['probe', 'a', '--concurrency', '0'], io().value)).toBe(2);
  });
});
