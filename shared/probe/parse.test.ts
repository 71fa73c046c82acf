import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { NO_K3S } from '../../test-support/shared/spec';
import { describe, expect, it } from 'vitest';
import { k3sArchFor, parseFacts } from './parse';
import { parseFirewalldZones, parseUfwStatus } from './parse-firewall';

const ctx = { localClockMs: Date.UTC(2026, 10, 21, 12, 0, 0), sudo: 'nopasswd' as const };
const fixture = (name: string): string =>
  readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const out = (sections: Record<string, string>): string =>
  Object.entries(sections)
    .map(([name, body]) => `@@${name}\n${body}\n`)
    .join('');

describe('parseFacts on real lab output', () => {
  it('reads a Debian amd64 host with firewalld', () => {
    const facts = parseFacts(fixture('debian-firewalld.txt'), ctx);
    expect(facts).toMatchObject({
      hostname: 's4fx',
      machineId: 'e35262b911494acb8365be61a87e215b',
      kernelArch: 'x86_64',
      userlandArch: 'amd64',
      longBit: 64,
      k3sArch: 'amd64',
      os: { id: 'debian', versionId: '12', prettyName: 'Debian GNU/Linux 12 (bookworm)', idLike: [] },
      init: 'systemd',
      cpus: 2,
      memoryMiB: 24105,
      diskFreeMiB: 79296,
      defaultInterface: 'eth0',
      defaultAddress: '10.66.0.10',
      addresses: [{ iface: 'eth0', address: '10.66.0.10', family: 4, prefixLength: 24 }],
      raspberryPi: null,
      cgroup: { version: 2, memory: true },
      selinux: 'disabled',
      iptables: { version: '1.8.9', backend: 'nf_tables' },
      k3s: NO_K3S,
      listeners: [],
      clockMs: 1795260536515,
      sudo: 'nopasswd',
    });
    expect(facts.firewall).toMatchObject({
      kind: 'firewalld',
      firewalldActive: true,
      ufwActive: false,
      ufw: null,
    });
    expect(facts.firewall.firewalld?.defaultZone).toBe('public');
    expect(facts.firewall.firewalld?.zones).toEqual([
      {
        name: 'public',
        target: 'default',
        interfaces: [],
        sources: [],
        services: ['dhcpv6-client', 'ssh'],
        ports: [],
        richRules: [],
      },
    ]);
  });

  it('reads a host with ufw: rules, v6 and the default policy; the policy is not a raw rule', () => {
    const facts = parseFacts(fixture('debian-ufw.txt'), ctx);
    expect(facts.firewall).toMatchObject({
      kind: 'ufw',
      ufwActive: true,
      firewalldActive: false,
      rawRuleCount: 0,
    });
    expect(facts.firewall.ufw).toEqual({
      defaultIncoming: 'deny',
      rules: [
        { to: '22/tcp', action: 'ALLOW', direction: 'IN', from: 'Anywhere', v6: false },
        { to: '22/tcp', action: 'ALLOW', direction: 'IN', from: 'Anywhere', v6: true },
      ],
    });
  });
});

describe('parseFacts on odd output', () => {
  it('empty, garbage or truncated output gives unknowns, never a throw', () => {
    for (const text of [
      '',
      'garbage\n\x00\x01',
      '@@hostname\n',
      '@@uname-m\n; rm -rf /\n@@cpus\nmany',
      '@@clock\n@@clock\n12',
    ]) {
      const facts = parseFacts(text, ctx);
      expect(facts.hostname).toBeNull();
      expect(facts.kernelArch).toBeNull();
      expect(facts.cpus).toBeNull();
      expect(facts.firewall.kind).toBeNull();
      expect(facts.k3sArch).toBeNull();
      expect(facts.addresses).toEqual([]);
    }
  });

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.constantFrom(
              'hostname',
              'addr',
              'ufw',
              'firewalld',
              'nft',
              'k3s',
              'listeners',
              'disk',
              'clock',
              'x',
            ),
            fc.string(),
          ),
        ),
        (parts) => {
          const facts = parseFacts(parts.map(([name, body]) => `@@${name}\n${body}`).join('\n'), ctx);
          expect(facts.collectedAt).toBe('2026-11-21T12:00:00.000Z');
        },
      ),
      { numRuns: 300 },
    );
  });

  it("the script's one date and df's heading: clock and free disk read as from two dates and a tail", () => {
    const read = (clock: string) =>
      parseFacts(
        out({
          clock,
          disk: '/var/lib/rancher/k3s\nFilesystem     1024-blocks     Used Available Capacity Mounted on\n/dev/sda1  30000000 1000000 28000000 4% /',
          listeners:
            'Netid State  Recv-Q Send-Q Local Address:Port  Peer Address:PortProcess\ntcp   LISTEN 0      4096               *:6443             *:*    users:(("k3s-server",pid=12,fd=3))',
        }),
        ctx,
      );
    const facts = read('1795259627123456789 1795259627');
    expect(facts.clockMs).toBe(1795259627123);
    expect(facts.diskFreeMiB).toBe(27343);
    expect(facts.k3s.dataDir).toBe(true);
    expect(facts.listeners).toEqual([{ proto: 'tcp', address: '*', port: 6443, process: 'k3s-server' }]);
    // A date that prints %N as it is (busybox): the whole seconds.
    expect(read('1795259627%N 1795259627').clockMs).toBe(1795259627000);
    expect(read('1795259627N 1795259627').clockMs).toBe(1795259627000);
  });

  it('busybox/Alpine: no dpkg, apk arch, openrc, /proc/net fallbacks, date without %N', () => {
    const facts = parseFacts(
      out({
        clock: '%N\n1795259627',
        'uname-m': 'aarch64',
        'userland-arch': 'aarch64',
        'long-bit': '64',
        'os-release': 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.20.3\nPRETTY_NAME="Alpine Linux v3.20"',
        init: 'pid1 init\nopenrc',
        disk: '/var/lib\n/dev/mmcblk0p2     30000000   1000000  28000000   4% /',
        addr: '2: wlan0    inet 192.168.1.40/24 brd 192.168.1.255 scope global wlan0',
        'proc-route':
          'Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\nwlan0\t00000000\t0101A8C0\t0003\t0\t0\t0\t00000000',
        listeners:
          'tcp   0: 00000000:192B 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1\nudp   1: 0100007F:2118 00000000:0000 07 0 0',
        selinux: 'absent',
        'iptables-version': 'iptables v1.8.4 (legacy)',
      }),
      ctx,
    );
    expect(facts).toMatchObject({
      clockMs: 1795259627000,
      k3sArch: 'arm64',
      os: { id: 'alpine', versionId: '3.20.3' },
      init: 'openrc',
      diskFreeMiB: 27343,
      defaultInterface: 'wlan0',
      defaultAddress: '192.168.1.40',
      selinux: 'disabled',
      iptables: { version: '1.8.4', backend: 'legacy' },
      listeners: [
        { proto: 'tcp', address: '0.0.0.0', port: 6443, process: null },
        { proto: 'udp', address: '127.0.0.1', port: 8472, process: null },
      ],
    });
  });

  it('a 32-bit userland on a 64-bit Pi kernel gets the armhf binary; the Pi and its cmdline.txt are found', () => {
    const facts = parseFacts(
      out({
        'uname-m': 'aarch64',
        'userland-arch': 'armhf',
        'long-bit': '32',
        'dt-model': 'Raspberry Pi 4 Model B Rev 1.4',
        'cmdline-txt': '/boot/firmware/cmdline.txt\nconsole=serial0,115200 root=PARTUUID=1234-02 rootwait',
        'cgroup-fs': 'cgroup2fs',
        'cgroup-controllers': 'cpuset cpu io pids',
      }),
      ctx,
    );
    expect(facts).toMatchObject({
      k3sArch: 'arm',
      raspberryPi: { model: 'Raspberry Pi 4 Model B Rev 1.4', cmdlinePath: '/boot/firmware/cmdline.txt' },
      cgroup: { version: 2, memory: false },
    });
  });

  it('finds a Pi from /proc/cpuinfo when the device tree is missing; armv6l cannot run K3s', () => {
    const facts = parseFacts(
      out({
        'uname-m': 'armv6l',
        'userland-arch': 'armhf',
        'cpuinfo-model': 'Model\t\t: Raspberry Pi Zero W Rev 1.1',
        'cmdline-txt': '/boot/cmdline.txt\nx',
      }),
      ctx,
    );
    expect(facts.raspberryPi).toEqual({
      model: 'Raspberry Pi Zero W Rev 1.1',
      cmdlinePath: '/boot/cmdline.txt',
    });
    expect(k3sArchFor('armv6l', null, 32)).toBeNull();
    expect(k3sArchFor('s390x', 's390x', 64)).toBeNull();
    expect(k3sArchFor('armv7l', null, 32)).toBe('arm');
  });

  it('cgroup v1: the memory row of /proc/cgroups decides, and cgroup_disable=memory wins', () => {
    const v1 = {
      'cgroup-fs': 'tmpfs',
      'proc-cgroups': '#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpuset\t1\t1\t1\nmemory\t0\t1\t0',
    };
    expect(parseFacts(out(v1), ctx).cgroup).toEqual({ version: 1, memory: false, hybrid: false });
    expect(parseFacts(out({ ...v1, 'proc-cgroups': 'memory\t4\t41\t1' }), ctx).cgroup).toEqual({
      version: 1,
      memory: true,
      hybrid: false,
    });
    const disabled = {
      'cgroup-fs': 'cgroup2fs',
      'cgroup-controllers': 'cpu memory',
      'proc-cmdline': 'root=/dev/sda cgroup_disable=memory',
    };
    expect(parseFacts(out(disabled), ctx).cgroup.memory).toBe(false);
  });

  it("as root: the config's sha256 without its token, and the node password; a bad hash is unknown", () => {
    const hash = 'a'.repeat(64);
    const read = (k3s: string) => parseFacts(out({ k3s }), ctx).k3s;
    expect(
      read(`installed\nunit k3s-agent active\nconfig\nconfig-sha256 ${hash}\nnode-password yes`),
    ).toMatchObject({
      role: 'agent',
      configSha256: hash,
      nodePassword: true,
    });
    expect(read('node-password no')).toMatchObject({
      hasConfig: false,
      configSha256: null,
      nodePassword: false,
    });
    expect(read('config\nconfig-sha256 \nconfig-sha256 xyz')).toMatchObject({
      configSha256: null,
      nodePassword: null,
    });
  });

  it("K3s's data folder: there when the disk line names it, not there when it names a parent, else unknown", () => {
    const dataDir = (disk: string) => parseFacts(out({ disk }), ctx).k3s.dataDir;
    const df = '\n/dev/sda1 30000000 1000000 28000000 4% /';
    expect(dataDir(`/var/lib/rancher/k3s${df}`)).toBe(true);
    expect(dataDir(`/var/lib/rancher${df}`)).toBe(false);
    expect(dataDir(`/var/lib${df}`)).toBe(false);
    expect(dataDir(`/${df}`)).toBe(false);
    // Not a parent of it (a prefix only), a relative path, nothing: unknown.
    expect(dataDir(`/var/lib/ranch${df}`)).toBeNull();
    expect(dataDir(`var/lib${df}`)).toBeNull();
    expect(dataDir('')).toBeNull();
    expect(parseFacts(fixture('debian-firewalld.txt'), ctx).k3s.dataDir).toBe(false);
  });

  it('ufw installed but off (not set to start, no chain of its loaded) is inactive, never unknown', () => {
    const facts = parseFacts(
      out({ ufw: 'off ENABLED=no', nft: '', 'iptables-save': '', firewalld: 'absent' }),
      ctx,
    );
    expect(facts.firewall).toMatchObject({ kind: 'none', ufwActive: false, ufw: null });
  });

  it('an existing K3s server with its listeners, and a firewall seen without root', () => {
    const facts = parseFacts(
      out({
        k3s: 'installed\nk3s version v1.33.5+k3s1 (abcdef12)\nunit k3s active\nconfig',
        listeners:
          'tcp   LISTEN 0      4096               *:6443             *:*    users:(("k3s-server",pid=812,fd=14))\nudp   UNCONN 0      0            0.0.0.0:8472       0.0.0.0:*\ntcp   LISTEN 0 4096 [::ffff:10.0.0.2]:10250 *:*',
        firewalld: 'service active',
        ufw: 'needs-root ENABLED=no',
        nft: 'unavailable',
        'iptables-save': 'unavailable',
      }),
      { ...ctx, sudo: 'unavailable' },
    );
    expect(facts.k3s).toEqual({
      installed: true,
      version: 'v1.33.5+k3s1',
      role: 'server',
      serviceState: 'active',
      hasConfig: true,
      configSha256: null,
      nodePassword: null,
      dataDir: null,
    });
    expect(facts.listeners).toEqual([
      { proto: 'tcp', address: '*', port: 6443, process: 'k3s-server' },
      { proto: 'udp', address: '0.0.0.0', port: 8472, process: null },
      { proto: 'tcp', address: '::ffff:10.0.0.2', port: 10250, process: null },
    ]);
    expect(facts.firewall).toEqual({
      kind: 'firewalld',
      firewalldActive: true,
      ufwActive: false,
      firewalld: null,
      ufw: null,
      rawRuleCount: null,
    });
  });

  it('raw nftables rules outside firewalld and ufw are counted; several NICs are all listed', () => {
    const facts = parseFacts(
      out({
        firewalld: 'absent',
        ufw: 'absent',
        nft: 'table inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter; policy drop;\n\t\tct state established,related accept\n\t\ttcp dport 22 accept\n\t}\n\tchain output {\n\t\ttype filter hook output priority filter; policy accept;\n\t}\n}',
        'iptables-save': '',
        addr: '2: eth0    inet 10.0.0.5/24 scope global eth0\n3: wlan0    inet 192.168.1.5/24 scope global dynamic wlan0\n3: wlan0    inet6 2001:db8::5/64 scope global',
        route:
          'default via 192.168.1.1 dev wlan0 proto dhcp metric 600\ndefault via 10.0.0.1 dev eth0 metric 700',
      }),
      ctx,
    );
    expect(facts.firewall).toMatchObject({ kind: 'nftables', rawRuleCount: 3 });
    expect(facts.addresses.map((a) => `${a.iface}/${a.address}`)).toEqual([
      'eth0/10.0.0.5',
      'wlan0/192.168.1.5',
      'wlan0/2001:db8::5',
    ]);
    expect(facts.defaultInterface).toBe('wlan0');
    expect(facts.defaultAddress).toBe('192.168.1.5');
  });
});

describe('firewall parsers', () => {
  it('old firewalld marks zones (default, active) and lists rich rules on their own lines', () => {
    const zones = parseFirewalldZones(
      'home\n  target: default\n  services: ssh\n\ninternal (active)\n  target: default\n  sources: 10.0.0.0/24\n  ports: 6443/tcp 2379-2380/tcp\n  rich rules: \n\trule family="ipv4" source address="10.42.0.0/16" accept\n\trule family="ipv4" port port="8472" protocol="udp" accept\n\npublic (default, active)\n  target: default\n  interfaces: eth0\n  services: ssh dhcpv6-client\n  ports: \n',
    );
    expect(zones.defaultZone).toBe('public');
    expect(zones.zones.map((z) => z.name)).toEqual(['internal', 'public']);
    expect(zones.zones[0]).toMatchObject({
      sources: ['10.0.0.0/24'],
      ports: ['6443/tcp', '2379-2380/tcp'],
      richRules: [
        'rule family="ipv4" source address="10.42.0.0/16" accept',
        'rule family="ipv4" port port="8472" protocol="udp" accept',
      ],
    });
  });

  it('firewalld 1.x: no markers, default zone from its config (empty means public), zones in use kept', () => {
    const zones = parseFirewalldZones(
      'default-zone \nblock\n  target: %%REJECT%%\n  interfaces: \n\npublic\n  target: default\n  services: ssh\n\ninternal\n  target: default\n  sources: 10.0.0.0/24\n',
    );
    expect(zones.defaultZone).toBe('public');
    expect(zones.zones.map((z) => z.name)).toEqual(['public', 'internal']);
  });

  it('ufw: inactive, odd lines, comments and unknown output', () => {
    expect(parseUfwStatus('Status: inactive')).toEqual({
      active: false,
      facts: { defaultIncoming: null, rules: [] },
    });
    expect(parseUfwStatus('ERROR: You need to be root to run this script')).toEqual({
      active: null,
      facts: null,
    });
    const parsed = parseUfwStatus(
      'Status: active\nDefault: reject (incoming), allow (outgoing)\n\nTo Action From\n-- ------ ----\n6443/tcp                   ALLOW IN    10.0.0.0/8                 # k3s\nAnywhere                   DENY IN     203.0.113.9\nOpenSSH                    LIMIT       Anywhere\nthis is not a rule',
    );
    expect(parsed.facts).toEqual({
      defaultIncoming: 'reject',
      rules: [
        { to: '6443/tcp', action: 'ALLOW', direction: 'IN', from: '10.0.0.0/8', v6: false },
        { to: 'Anywhere', action: 'DENY', direction: 'IN', from: '203.0.113.9', v6: false },
        { to: 'OpenSSH', action: 'LIMIT', direction: 'IN', from: 'Anywhere', v6: false },
      ],
    });
  });
});
