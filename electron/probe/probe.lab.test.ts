/**
 * Facts and checks from real lab hosts, through the contract: x86_64 with firewalld, ufw with
 * a sudo password, an arm64 "Pi" with the memory cgroup off, armhf, two hosts cloned from one
 * image; connectivity finding a port firewalld blocks; and no secret in any log or event.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as lab from '../../e2e/lab';
import type { Bridge } from '../../shared/bridge';
import { runChecks } from '../../shared/checks/index';
import { AppError } from '../../shared/errors';
import type { HostFacts } from '../../shared/facts';
import type { Backend } from '../backend';
import { createLocalBridge } from '../local-bridge';
import { VERSION_RECORD, versionRecord } from '../../shared/plan/install';
import { hostKeyBlob } from '../../test-support/ssh/lab';
import { testBackend } from '../../test-support/backend';

const NAMES = ['s4fw', 's4uf', 's4pi', 's4hf', 's4twin'] as const;
type Name = (typeof NAMES)[number];
const hosts = {} as Record<Name, lab.LabHost>;
let backend: Backend;
let bridge: Bridge;
const events: unknown[] = [];
const errors: unknown[] = [];

beforeAll(async () => {
  const up = await lab.up([
    { name: 's4fw', firewall: 'firewalld' },
    { name: 's4uf', firewall: 'ufw', sudo: 'password' },
    { name: 's4pi', arch: 'arm64', pi: true },
    { name: 's4hf', arch: 'armhf' },
    { name: 's4twin', hostname: 's4fw', machineIdFrom: 's4fw', firewall: 'none' },
  ]);
  up.forEach((h, i) => (hosts[NAMES[i] as Name] = h));
  backend = testBackend('desktop');
  backend.hub.subscribe((channel, payload) => events.push({ channel, payload }));
  bridge = createLocalBridge(backend);
  for (const h of up) {
    backend.hosts.knownHosts.trust(h.address, h.port, await hostKeyBlob(h.name));
    await bridge.invoke('hosts:setCredentials', {
      host: h.address,
      port: h.port,
      user: h.user,
      identityFile: h.passphraseKeyPath,
      passphrase: h.passphrase,
      ...(h.spec.sudo === 'password' ? { sudoPassword: h.password } : {}),
    });
  }
});

afterAll(async () => {
  await backend?.close();
  await lab.down([...NAMES]);
});

async function probe(name: Name): Promise<HostFacts> {
  const h = hosts[name];
  return (await bridge.invoke('hosts:probe', { host: h.address, port: h.port, user: h.user })).facts;
}

async function failure(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  errors.push((error as AppError).toPayload());
  return error as AppError;
}

describe('facts', () => {
  it('an x86_64 host with firewalld', async () => {
    const f = await probe('s4fw');
    expect(f).toMatchObject({
      hostname: 's4fw',
      kernelArch: 'x86_64',
      userlandArch: 'amd64',
      longBit: 64,
      k3sArch: 'amd64',
      init: 'systemd',
      sudo: 'nopasswd',
      defaultAddress: hosts.s4fw.address,
    });
    expect(f.machineId).toMatch(/^[0-9a-f]{32}$/);
    expect(f.ssh.serverAddress).toBe(hosts.s4fw.address);
    expect(f.firewall).toMatchObject({ kind: 'firewalld', firewalldActive: true, ufwActive: false });
    expect(f.firewall.firewalld?.defaultZone).toBe('public');
    expect(f.firewall.firewalld?.zones.find((z) => z.name === 'public')?.services).toContain('ssh');
    expect(f.clockMs).not.toBeNull();
  });

  it('a ufw host with a sudo password: rules seen as root; without the password they are unknown', async () => {
    const f = await probe('s4uf');
    expect(f.sudo).toBe('password');
    expect(f.firewall).toMatchObject({ kind: 'ufw', ufwActive: true });
    expect(f.firewall.ufw?.defaultIncoming).toBe('deny');
    expect(f.firewall.ufw?.rules).toContainEqual({
      to: '22/tcp',
      action: 'ALLOW',
      direction: 'IN',
      from: 'Anywhere',
      v6: false,
    });
    const h = hosts.s4uf;
    await bridge.invoke('hosts:setCredentials', {
      host: h.address,
      port: h.port,
      user: h.user,
      password: h.password,
    });
    const unprivileged = await probe('s4uf');
    expect(unprivileged).toMatchObject({ sudo: 'password', hostname: 's4uf' });
    expect(unprivileged.firewall).toMatchObject({ kind: 'ufw', ufwActive: true, ufw: null });
    await bridge.invoke('hosts:setCredentials', {
      host: h.address,
      port: h.port,
      user: h.user,
      password: h.password,
      sudoPassword: 'wrong-sudo-secret',
    });
    expect((await failure(probe('s4uf'))).code).toBe('SUDO_PASSWORD_WRONG');
    await bridge.invoke('hosts:setCredentials', {
      host: h.address,
      port: h.port,
      user: h.user,
      password: 'wrong-login-secret',
    });
    expect((await failure(probe('s4uf'))).code).toBe('AUTH_FAILED');
  });

  it('an arm64 "Pi" with the memory cgroup off, and the fix the checks offer', async () => {
    const f = await probe('s4pi');
    expect(f).toMatchObject({
      kernelArch: 'aarch64',
      userlandArch: 'arm64',
      k3sArch: 'arm64',
      cgroup: { version: 2, memory: false },
    });
    expect(f.raspberryPi?.model).toMatch(/Raspberry Pi/);
    expect(f.raspberryPi?.cmdlinePath).toBe('/boot/firmware/cmdline.txt');
    const check = runChecks({ hosts: [{ id: 's4pi', role: 'server', facts: f }] }).find(
      (c) => c.id === 'memory-cgroup',
    );
    expect(check).toMatchObject({ status: 'fail', fix: { kind: 'action', action: 'enable-memory-cgroup' } });
  });

  it('an armhf host gets the arm build', async () => {
    const f = await probe('s4hf');
    expect(f).toMatchObject({
      kernelArch: 'armv7l',
      userlandArch: 'armhf',
      longBit: 32,
      k3sArch: 'arm',
      raspberryPi: null,
    });
  });

  it('two hosts cloned from one image: same host name and machine ID fail the checks', async () => {
    const [a, b] = await Promise.all([probe('s4fw'), probe('s4twin')]);
    expect(b.hostname).toBe('s4fw');
    expect(b.machineId).toBe(a.machineId);
    const checks = runChecks({
      hosts: [
        { id: 'one', role: 'server', facts: a },
        { id: 'two', role: 'agent', facts: b },
      ],
    });
    expect(checks.find((c) => c.id === 'duplicate-hostname')).toMatchObject({
      status: 'fail',
      hostIds: ['one', 'two'],
    });
    expect(checks.find((c) => c.id === 'duplicate-machine-id')).toMatchObject({
      status: 'fail',
      hostIds: ['one', 'two'],
    });
  });
});

describe('ufw installed but off', () => {
  it('is read without starting ufw; its chains loaded by hand still make it active', async () => {
    // A wrapper in front of the real ufw notes every start (sudo's PATH has /usr/local/sbin first).
    const wrap =
      'printf "#!/bin/sh\\necho started >> /tmp/ufw-starts\\nexec /usr/sbin/ufw \\"\\$@\\"\\n" > /usr/local/sbin/ufw && chmod 755 /usr/local/sbin/ufw';
    const sh = async (script: string) =>
      expect((await lab.exec('s4twin', ['sh', '-c', script])).code).toBe(0);
    const starts = async () =>
      (await lab.exec('s4twin', ['sh', '-c', 'cat /tmp/ufw-starts 2>/dev/null | wc -l'])).stdout.trim();
    await sh(`${wrap} && rm -f /tmp/ufw-starts`);
    try {
      const off = await probe('s4twin');
      expect(off.firewall).toMatchObject({ kind: 'none', ufwActive: false, ufw: null });
      expect(await starts()).toBe('0');
      // Enabled, then its config set back to "no" by hand: its chains stay loaded, so it filters.
      await sh('ufw allow 22/tcp >/dev/null && ufw --force enable >/dev/null');
      await sh("sed -i 's/^ENABLED=.*/ENABLED=no/' /etc/ufw/ufw.conf");
      const loaded = await probe('s4twin');
      expect(loaded.firewall).toMatchObject({ kind: 'ufw', ufwActive: true });
      expect(await starts()).not.toBe('0');
    } finally {
      await sh(
        '/usr/sbin/ufw --force disable >/dev/null; /usr/sbin/ufw --force reset >/dev/null; rm -f /usr/local/sbin/ufw /tmp/ufw-starts',
      );
    }
    expect((await probe('s4twin')).firewall).toMatchObject({ kind: 'none', ufwActive: false });
  });
});

describe('the installed K3s version', () => {
  it('comes from the install’s note while the binary is the same file, and from the binary once it changed', async () => {
    // A K3s binary that notes every time it is asked.
    const fake = (version: string) =>
      `printf '#!/bin/sh\\necho asked >> /tmp/k3s-asked\\necho "k3s version ${version} (0123abcd)"\\necho "go version go1.24"\\n' > /usr/local/bin/k3s.new && chmod 755 /usr/local/bin/k3s.new && mv /usr/local/bin/k3s.new /usr/local/bin/k3s`;
    const sh = async (script: string) => {
      const run = await lab.exec('s4twin', ['sh', '-c', script]);
      expect(run.code, run.stderr).toBe(0);
      return run.stdout.trim();
    };
    const asked = () => sh('cat /tmp/k3s-asked 2>/dev/null | wc -l');
    await sh(`${fake('v1.30.4+k3s1')} && rm -f /tmp/k3s-asked && install -d -m 0700 /var/lib/k3s-wizard`);
    try {
      expect((await probe('s4twin')).k3s.version).toBe('v1.30.4+k3s1');
      expect(await asked()).toBe('1');
      // The install notes it (the step's own command, as root) ...
      await sh(versionRecord().command);
      expect(await asked()).toBe('2');
      expect(await sh(`stat -c %a ${VERSION_RECORD}`)).toMatch(/^6[04][04]$/);
      // Noted again for the same file (a joining machine notes it when its binary is fetched,
      // and once more after the install): nothing asked.
      await sh(versionRecord().command);
      expect(await asked()).toBe('2');
      // ... and the next reads take the note without running K3s.
      expect((await probe('s4twin')).k3s.version).toBe('v1.30.4+k3s1');
      expect((await probe('s4twin')).k3s.version).toBe('v1.30.4+k3s1');
      expect(await asked()).toBe('2');
      // The same content with a changed mode is a changed file: asked again.
      await sh('chmod 700 /usr/local/bin/k3s && chmod 755 /usr/local/bin/k3s');
      expect((await probe('s4twin')).k3s.version).toBe('v1.30.4+k3s1');
      expect(await asked()).toBe('3');
      // A changed file is noted afresh; another binary in its place (an upgrade by hand) is
      // never taken for the noted one.
      await sh(versionRecord().command);
      expect(await asked()).toBe('4');
      await sh(fake('v1.31.2+k3s1'));
      expect((await probe('s4twin')).k3s.version).toBe('v1.31.2+k3s1');
    } finally {
      await sh(`rm -f /usr/local/bin/k3s /tmp/k3s-asked ${VERSION_RECORD}`);
    }
  });
});

describe('connectivity', () => {
  it('finds the port firewalld still blocks, and passes the ones it allows', async () => {
    const open = await lab.exec('s4fw', ['firewall-cmd', '--add-port=6443/tcp', '--add-port=8472/udp']);
    expect(open.code).toBe(0);
    const node = (name: Name, role: 'server' | 'agent') => ({
      id: name,
      role,
      host: hosts[name].address,
      port: hosts[name].port,
      user: hosts[name].user,
      address: hosts[name].address,
    });
    const { results, checks } = await bridge.invoke('hosts:connectivity', {
      nodes: [node('s4fw', 'server'), node('s4twin', 'agent')],
    });
    const status = (from: Name, to: Name, port: number) =>
      results.find((r) => r.from === from && r.to === to && r.port === port)?.status;
    expect(status('s4twin', 's4fw', 6443)).toBe('open');
    expect(status('s4twin', 's4fw', 8472)).toBe('open');
    expect(status('s4twin', 's4fw', 10250)).toBe('blocked');
    expect(status('s4fw', 's4twin', 10250)).toBe('open');
    expect(status('s4fw', 's4twin', 8472)).toBe('open');
    expect(results).toHaveLength(5);
    const failed = checks.filter((c) => c.status === 'fail');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ hostId: 's4fw', fix: { kind: 'step', step: 'firewall' } });
    // The listeners were short-lived: nothing is left bound on the target.
    const left = await lab.exec('s4fw', ['sh', '-c', 'ss -lntu | grep -E ":(10250|6443|8472) " || true']);
    expect(left.stdout.trim()).toBe('');
  });
});

describe('secrets', () => {
  it('no password, passphrase or key appears in any log line, event or error of the run', () => {
    const h = hosts.s4uf;
    const privateKey = readFileSync(h.passphraseKeyPath, 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('-----'));
    const everything = JSON.stringify({ events, errors, logs: backend.logger.tail(1000) });
    expect(events.length).toBeGreaterThan(10);
    expect(everything).toContain('hosts:setCredentials');
    for (const secret of [
      h.password,
      h.passphrase,
      'wrong-sudo-secret',
      'wrong-login-secret',
      ...privateKey,
    ]) {
      expect(everything).not.toContain(secret);
    }
  });
});
