import { NO_K3S } from '../../test-support/shared/spec';
import { describe, expect, it } from 'vitest';
import type { HostFacts } from '../facts';
import { runChecks, worstStatus, type Check, type CheckHost } from './index';

const NOW = Date.UTC(2026, 10, 21, 12, 0, 0);

function facts(over: Partial<HostFacts> = {}): HostFacts {
  return {
    collectedAt: new Date(NOW).toISOString(),
    hostname: 'node',
    machineId: '0123456789abcdef0123456789abcdef',
    kernelArch: 'x86_64',
    userlandArch: 'amd64',
    longBit: 64,
    k3sArch: 'amd64',
    os: { id: 'debian', versionId: '12', prettyName: 'Debian 12', idLike: [] },
    kernel: '6.1.0',
    init: 'systemd',
    cpus: 4,
    memoryMiB: 4000,
    diskFreeMiB: 50_000,
    addresses: [{ iface: 'eth0', address: '10.0.0.10', family: 4, prefixLength: 24 }],
    defaultInterface: 'eth0',
    defaultAddress: '10.0.0.10',
    ssh: { clientAddress: null, serverAddress: null, serverPort: null },
    raspberryPi: null,
    cgroup: { version: 2, memory: true },
    firewall: {
      kind: 'none',
      firewalldActive: false,
      ufwActive: false,
      firewalld: null,
      ufw: null,
      rawRuleCount: 0,
    },
    selinux: 'disabled',
    iptables: { version: '1.8.9', backend: 'nf_tables' },
    k3s: { ...NO_K3S },
    listeners: [],
    clockMs: NOW + 2000,
    sudo: 'nopasswd',
    ...over,
  };
}

let n = 0;
function host(role: CheckHost['role'], over: Partial<HostFacts> = {}): CheckHost {
  n += 1;
  const base = facts({
    hostname: `h${n}`,
    machineId: n.toString(16).padStart(32, '0'),
    defaultAddress: `10.0.0.${n}`,
  });
  return { id: `h${n}`, role, facts: { ...base, ...over } };
}

const find = (checks: Check[], id: string, hostId?: string): Check | undefined =>
  checks.find((c) => c.id === id && (hostId === undefined || c.hostId === hostId));

describe('runChecks', () => {
  it('a healthy single server passes everything', () => {
    const checks = runChecks({ hosts: [host('server')] });
    expect(worstStatus(checks)).toBe('pass');
    expect(checks.map((c) => c.id)).toEqual([
      'arch',
      'memory-cgroup',
      'memory',
      'disk',
      'clock',
      'api-port',
      'k3s-installed',
      'iptables',
      'firewall',
    ]);
  });

  it('unsupported architectures fail; a 32-bit userland on a 64-bit kernel warns and names armhf', () => {
    const zero = host('agent', { kernelArch: 'armv6l', userlandArch: 'armhf', longBit: 32, k3sArch: null });
    const s390 = host('agent', { kernelArch: 's390x', userlandArch: 's390x', k3sArch: null });
    const pi32 = host('agent', { kernelArch: 'aarch64', userlandArch: 'armhf', longBit: 32, k3sArch: 'arm' });
    const checks = runChecks({ hosts: [host('server'), zero, s390, pi32] });
    expect(find(checks, 'arch', zero.id)).toMatchObject({
      status: 'fail',
      reason: expect.stringContaining('illegal instruction') as string,
    });
    expect(find(checks, 'arch', s390.id)?.status).toBe('fail');
    expect(find(checks, 'arch', pi32.id)).toMatchObject({
      status: 'warn',
      reason: expect.stringContaining('armhf') as string,
    });
  });

  it('memory cgroup off on a Pi fails with the cmdline.txt action', () => {
    const pi = host('agent', {
      raspberryPi: { model: 'Raspberry Pi 4 Model B', cmdlinePath: '/boot/firmware/cmdline.txt' },
      cgroup: { version: 2, memory: false },
    });
    const check = find(runChecks({ hosts: [host('server'), pi] }), 'memory-cgroup', pi.id);
    expect(check).toMatchObject({ status: 'fail', fix: { kind: 'action', action: 'enable-memory-cgroup' } });
    expect(check?.fix?.kind === 'action' && check.fix.description).toContain('/boot/firmware/cmdline.txt');
  });

  it('duplicate host names, machine IDs and addresses fail across hosts', () => {
    const a = host('server', { hostname: 'raspberrypi', machineId: 'f'.repeat(32) });
    const b = host('agent', {
      hostname: 'RaspberryPi',
      machineId: 'f'.repeat(32),
      defaultAddress: a.facts?.defaultAddress ?? null,
    });
    const checks = runChecks({ hosts: [a, b, host('agent')] });
    expect(find(checks, 'duplicate-hostname')).toMatchObject({
      status: 'fail',
      hostId: null,
      hostIds: [a.id, b.id],
      fix: { action: 'set-node-name' },
    });
    expect(find(checks, 'duplicate-machine-id')).toMatchObject({ status: 'fail', hostIds: [a.id, b.id] });
    expect(find(checks, 'duplicate-address')).toMatchObject({ status: 'fail', hostIds: [a.id, b.id] });
    expect(find(checks, 'unique-identity')).toBeUndefined();
    expect(find(runChecks({ hosts: [host('server'), host('agent')] }), 'unique-identity')?.status).toBe(
      'pass',
    );
  });

  it('memory limits depend on the role; disk too small fails', () => {
    const server = host('server', { memoryMiB: 1500 });
    const tiny = host('server', { memoryMiB: 700, diskFreeMiB: 1000 });
    const agent = host('agent', { memoryMiB: 700 });
    const small = host('agent', { memoryMiB: 400, diskFreeMiB: 4000 });
    const checks = runChecks({ hosts: [server, tiny, agent, small] });
    expect(find(checks, 'memory', server.id)?.status).toBe('warn');
    expect(find(checks, 'memory', tiny.id)?.status).toBe('fail');
    expect(find(checks, 'memory', agent.id)?.status).toBe('pass');
    expect(find(checks, 'memory', small.id)?.status).toBe('fail');
    expect(find(checks, 'disk', tiny.id)?.status).toBe('fail');
    expect(find(checks, 'disk', small.id)?.status).toBe('warn');
  });

  it('clock skew over 30 s fails, against collectedAt or the given local clock', () => {
    const late = host('server', { clockMs: NOW - 45_000 });
    expect(find(runChecks({ hosts: [late] }), 'clock')).toMatchObject({
      status: 'fail',
      reason: expect.stringContaining('45 s behind') as string,
    });
    expect(find(runChecks({ hosts: [late], localClockMs: NOW - 40_000 }), 'clock')?.status).toBe('pass');
    expect(find(runChecks({ hosts: [host('server', { clockMs: null })] }), 'clock')?.status).toBe('warn');
  });

  it('port 6443 taken by another program fails; by K3s itself it is the existing install', () => {
    const nginx = host('server', {
      listeners: [{ proto: 'tcp', port: 6443, address: '0.0.0.0', process: 'nginx' }],
    });
    const k3s = host('server', {
      listeners: [{ proto: 'tcp', port: 6443, address: '*', process: 'k3s-server' }],
      k3s: {
        installed: true,
        version: 'v1.33.5+k3s1',
        role: 'server',
        serviceState: 'active',
        hasConfig: true,
        configSha256: null,
        nodePassword: null,
      },
    });
    const agentWithPort = host('agent', {
      listeners: [{ proto: 'tcp', port: 6443, address: '0.0.0.0', process: 'nginx' }],
    });
    const checks = runChecks({ hosts: [nginx, k3s, agentWithPort] });
    expect(find(checks, 'api-port', nginx.id)).toMatchObject({
      status: 'fail',
      reason: expect.stringContaining('nginx') as string,
    });
    expect(find(checks, 'api-port', k3s.id)?.status).toBe('pass');
    expect(find(checks, 'api-port', agentWithPort.id)).toBeUndefined();
    expect(find(checks, 'k3s-installed', k3s.id)).toMatchObject({
      status: 'warn',
      fix: { kind: 'command', command: 'sudo /usr/local/bin/k3s-uninstall.sh' },
    });
    expect(find(runChecks({ hosts: [nginx], apiPort: 7443 }), 'api-port')?.status).toBe('pass');
  });

  it('SELinux enforcing, old iptables, several NICs and an active firewall warn with their fixes', () => {
    const h = host('server', {
      selinux: 'enforcing',
      iptables: { version: '1.8.4', backend: 'legacy' },
      addresses: [
        { iface: 'eth0', address: '10.0.0.10', family: 4, prefixLength: 24 },
        { iface: 'wlan0', address: '192.168.1.10', family: 4, prefixLength: 24 },
        { iface: 'cni0', address: '10.42.0.1', family: 4, prefixLength: 24 },
      ],
      firewall: {
        kind: 'firewalld',
        firewalldActive: true,
        ufwActive: false,
        firewalld: { defaultZone: 'public', zones: [] },
        ufw: null,
        rawRuleCount: null,
      },
    });
    const checks = runChecks({ hosts: [h] });
    expect(find(checks, 'selinux')).toMatchObject({
      status: 'warn',
      reason: expect.stringContaining('k3s-selinux') as string,
    });
    expect(find(checks, 'iptables')).toMatchObject({ status: 'warn', fix: { action: 'prefer-bundled-bin' } });
    expect(find(checks, 'several-nics')).toMatchObject({
      status: 'warn',
      reason: expect.stringContaining('eth0, wlan0') as string,
      fix: { action: 'set-flannel-iface' },
    });
    expect(find(checks, 'firewall')).toMatchObject({
      status: 'warn',
      fix: { kind: 'step', step: 'firewall' },
    });
    expect(
      find(
        runChecks({ hosts: [host('server', { iptables: { version: '1.8.7', backend: 'legacy' } })] }),
        'iptables',
      )?.status,
    ).toBe('pass');
  });

  it('an even number of servers warns; no server fails; an unprobed host adds nothing', () => {
    expect(find(runChecks({ hosts: [host('server'), host('server')] }), 'ha-servers-even')?.status).toBe(
      'warn',
    );
    expect(
      find(runChecks({ hosts: [host('server'), host('server'), host('server')] }), 'ha-servers-even'),
    ).toBeUndefined();
    expect(find(runChecks({ hosts: [host('agent')] }), 'servers')?.status).toBe('fail');
    expect(runChecks({ hosts: [{ id: 'x', role: 'server', facts: null }] })).toEqual([]);
  });

  it('unknown facts warn instead of passing or crashing', () => {
    const h = host('server', {
      memoryMiB: null,
      diskFreeMiB: null,
      cgroup: { version: null, memory: null },
      init: null,
      kernelArch: null,
      userlandArch: null,
      k3sArch: null,
    });
    const h2 = { ...h, facts: { ...h.facts!, firewall: { ...h.facts!.firewall, kind: null } } };
    const checks = runChecks({ hosts: [h2] });
    for (const id of ['memory', 'disk', 'memory-cgroup', 'init', 'arch', 'firewall'])
      expect(find(checks, id)?.status).toBe('warn');
  });
});
