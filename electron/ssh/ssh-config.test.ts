import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDestination, parseSshConfig, readSshConfig } from './ssh-config';
import { parseSudoDetection } from './sudo';

describe('~/.ssh/config import', () => {
  it('computes each concrete host with first-value-wins, Host * defaults and tokens', () => {
    const hosts = parseSshConfig(`
# cluster
Host pi1 pi2
  User pi
  IdentityFile ~/.ssh/pi_ed25519
Host pi1
  HostName 192.168.1.21
  Port 2200
Host pi2
  HostName %h.lan
  ProxyJump admin@bastion:2222
Host *.internal !nope
  User ops
Host *
  User fallback
  ProxyJump none
  IdentityFile ~/.ssh/id_default
`);
    expect(hosts).toEqual([
      {
        alias: 'pi1',
        host: '192.168.1.21',
        port: 2200,
        user: 'pi',
        identityFile: join(homedir(), '.ssh/pi_ed25519'),
        proxyJump: null,
      },
      {
        alias: 'pi2',
        host: 'pi2.lan',
        port: 22,
        user: 'pi',
        identityFile: join(homedir(), '.ssh/pi_ed25519'),
        proxyJump: 'admin@bastion:2222',
      },
    ]);
  });

  it('follows Include (relative to the config folder, with globs); a missing file imports nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'k3sw-ssh-'));
    mkdirSync(join(dir, 'conf.d'));
    writeFileSync(join(dir, 'conf.d', 'a.conf'), 'Host node-a\n  HostName 10.0.0.1\n');
    writeFileSync(join(dir, 'conf.d', 'b.conf'), 'Host node-b\n  HostName 10.0.0.2\n  Port notaport\n');
    writeFileSync(join(dir, 'config'), 'Include conf.d/*.conf\nHost *\n  User lab\n');
    expect(readSshConfig(join(dir, 'config'))).toEqual([
      { alias: 'node-a', host: '10.0.0.1', port: 22, user: 'lab', identityFile: null, proxyJump: null },
      { alias: 'node-b', host: '10.0.0.2', port: 22, user: 'lab', identityFile: null, proxyJump: null },
    ]);
    expect(readSshConfig(join(dir, 'missing'))).toEqual([]);
  });

  it('parses [user@]host[:port] destinations, IPv6 included', () => {
    expect(parseDestination('pi@10.0.0.5:2222')).toEqual({ user: 'pi', host: '10.0.0.5', port: 2222 });
    expect(parseDestination('node1')).toEqual({ user: null, host: 'node1', port: null });
    expect(parseDestination('root@[fd00::5]:22')).toEqual({ user: 'root', host: 'fd00::5', port: 22 });
    expect(parseDestination('fd00::5')).toEqual({ user: null, host: 'fd00::5', port: null });
    expect(parseDestination('host:0')).toBeNull();
    expect(parseDestination('@')).toBeNull();
  });
});

describe('sudo detection output', () => {
  it('reads root, passwordless, password and no sudo; anything else is unknown', () => {
    expect(parseSudoDetection('0\nnopasswd\n')).toBe('root');
    expect(parseSudoDetection('1000\nnopasswd\n')).toBe('nopasswd');
    expect(parseSudoDetection('1000\npassword\n')).toBe('password');
    expect(parseSudoDetection('1000\nno-sudo\n')).toBe('unavailable');
    expect(parseSudoDetection('sh: id: not found')).toBeNull();
  });
});
