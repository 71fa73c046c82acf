import { describe, expect, it } from 'vitest';
import type { HostFacts } from '../facts';
import { shJoin } from '../shell';
import { makeFacts, makeSpec, node, zone } from '../../test-support/shared/spec';
import { planFirewall } from '.';

const spec = makeSpec([node('s1', '10.0.0.1', 'server'), node('a1', '10.0.0.2', 'agent')]);
const [server, agent] = spec.nodes as [(typeof spec.nodes)[0], (typeof spec.nodes)[0]];

function firewalld(
  address: string,
  zones = [zone('public', { interfaces: ['eth0'], services: ['ssh', 'dhcpv6-client'] })],
): HostFacts {
  return makeFacts(address, {
    firewall: {
      kind: 'firewalld',
      firewalldActive: true,
      ufwActive: false,
      firewalld: { defaultZone: 'public', zones },
      ufw: null,
      rawRuleCount: 0,
    },
  });
}

function ufw(
  address: string,
  rules: NonNullable<HostFacts['firewall']['ufw']>['rules'] = [],
  active = true,
): HostFacts {
  return makeFacts(address, {
    firewall: {
      kind: active ? 'ufw' : 'none',
      firewalldActive: false,
      ufwActive: active,
      firewalld: null,
      ufw: { defaultIncoming: 'deny', rules },
      rawRuleCount: 0,
    },
  });
}

const lines = (plan: ReturnType<typeof planFirewall>) => plan.commands.map((c) => shJoin(c.argv));

describe('firewall planner: firewalld', () => {
  it('lets each node in by rich rule in the zone it arrives in, CIDRs in trusted, the API outside; runtime first', () => {
    const facts = firewalld('10.0.0.1');
    const plan = planFirewall({ spec, node: server, facts, allFacts: { s1: facts } });
    expect(plan.tool).toBe('firewalld');
    expect(lines(plan)).toMatchInlineSnapshot(`
      [
        "firewall-cmd --zone=trusted --add-source=10.42.0.0/16",
        "firewall-cmd --zone=trusted --add-source=10.43.0.0/16",
        "firewall-cmd --zone=public --add-port=6443/tcp",
        "firewall-cmd --zone=public '--add-rich-rule=rule family="ipv4" source address="10.0.0.2" port port="8472" protocol="udp" accept'",
        "firewall-cmd --zone=public '--add-rich-rule=rule family="ipv4" source address="10.0.0.2" port port="10250" protocol="tcp" accept'",
        "firewall-cmd --permanent --zone=trusted --add-source=10.42.0.0/16",
        "firewall-cmd --permanent --zone=trusted --add-source=10.43.0.0/16",
        "firewall-cmd --permanent --zone=public --add-port=6443/tcp",
        "firewall-cmd --permanent --zone=public '--add-rich-rule=rule family="ipv4" source address="10.0.0.2" port port="8472" protocol="udp" accept'",
        "firewall-cmd --permanent --zone=public '--add-rich-rule=rule family="ipv4" source address="10.0.0.2" port port="10250" protocol="tcp" accept'",
      ]
    `);
    expect(plan.commands[0]).toMatchObject({
      what: 'trust the pod network 10.42.0.0/16 (zone trusted) (now)',
      undo: [['firewall-cmd', '--zone=trusted', '--remove-source=10.42.0.0/16']],
    });
  });

  it('produces no command for rules already present', () => {
    const facts = firewalld('10.0.0.2', [
      zone('public', { interfaces: ['eth0'], services: ['ssh'], ports: ['8472/udp', '10250/tcp'] }),
      zone('internal', { services: ['ssh'] }),
      zone('trusted', { target: 'ACCEPT', sources: ['10.42.0.0/16', '10.43.0.0/16'] }),
    ]);
    const plan = planFirewall({ spec, node: agent, facts, allFacts: { a1: facts } });
    expect(plan.commands).toEqual([]);
  });

  it('restricts etcd to servers and the API to listed clients with rich rules', () => {
    const ha = makeSpec(
      [node('s1', '10.0.0.1', 'server'), node('s2', '10.0.0.2', 'server'), node('s3', '10.0.0.3', 'server')],
      {
        firewall: { clients: ['192.168.1.0/24'] },
      },
    );
    const facts = firewalld('10.0.0.1');
    const plan = planFirewall({ spec: ha, node: ha.nodes[0]!, facts, allFacts: { s1: facts } });
    const runtime = lines(plan).filter(
      (l) => !l.includes('--permanent') && l.includes('rich-rule') && /2379|192\.168/.test(l),
    );
    // Etcd only from the other servers, each in the zone it arrives in; the API to the clients.
    expect(runtime).toEqual([
      `firewall-cmd --zone=public '--add-rich-rule=rule family="ipv4" source address="192.168.1.0/24" port port="6443" protocol="tcp" accept'`,
      `firewall-cmd --zone=public '--add-rich-rule=rule family="ipv4" source address="10.0.0.2" port port="2379-2380" protocol="tcp" accept'`,
      `firewall-cmd --zone=public '--add-rich-rule=rule family="ipv4" source address="10.0.0.3" port port="2379-2380" protocol="tcp" accept'`,
    ]);
    // 192.168.1.5 (this computer) is inside the listed network, so it needs no rule of its own.
    expect(lines(plan).some((l) => l.includes('192.168.1.5"'))).toBe(false);
  });

  it('changes nothing else: no address changes zone, no service is added, the user’s own ports stay (#12.4)', () => {
    const facts = firewalld('10.0.0.1', [
      zone('public', { interfaces: ['eth0'], services: ['ssh'], ports: ['2222/tcp'] }),
      zone('internal', { services: ['ssh', 'mdns', 'samba-client', 'dhcpv6-client'] }),
    ]);
    const plan = planFirewall({ spec, node: server, facts, allFacts: { s1: facts } });
    const all = lines(plan);
    // Only the pod and service networks become sources (of trusted); nothing else moves.
    expect(all.filter((l) => /--(add|change)-source/.test(l))).toEqual([
      'firewall-cmd --zone=trusted --add-source=10.42.0.0/16',
      'firewall-cmd --zone=trusted --add-source=10.43.0.0/16',
      'firewall-cmd --permanent --zone=trusted --add-source=10.42.0.0/16',
      'firewall-cmd --permanent --zone=trusted --add-source=10.43.0.0/16',
    ]);
    expect(all.some((l) => l.includes('--zone=internal'))).toBe(false);
    expect(all.some((l) => /service|remove|2222/.test(l))).toBe(false);
    // The agent's flows are rich rules restricted to its address, in the zone it arrives in.
    expect(all).toContain(
      `firewall-cmd --zone=public '--add-rich-rule=rule family="ipv4" source address="10.0.0.2" port port="8472" protocol="udp" accept'`,
    );
  });

  it('a node whose address a zone holds gets its rules in that zone; the address stays there', () => {
    const facts = firewalld('10.0.0.1', [
      zone('public', { interfaces: ['eth0'], services: ['ssh'] }),
      zone('work', { sources: ['10.0.0.2'] }),
    ]);
    const plan = planFirewall({ spec, node: server, facts, allFacts: { s1: facts } });
    expect(lines(plan)).toContain(
      `firewall-cmd --zone=work '--add-rich-rule=rule family="ipv4" source address="10.0.0.2" port port="10250" protocol="tcp" accept'`,
    );
    expect(lines(plan).some((l) => l.includes('change-source'))).toBe(false);
  });
});

describe('firewall planner: ufw', () => {
  it('allows peer ports from node addresses, the CIDRs, and the API', () => {
    const facts = ufw('10.0.0.1', [
      { to: '22/tcp', action: 'ALLOW', direction: 'IN', from: 'Anywhere', v6: false },
    ]);
    const plan = planFirewall({ spec, node: server, facts, allFacts: { s1: facts } });
    expect(lines(plan)).toMatchInlineSnapshot(`
      [
        "ufw allow from 10.42.0.0/16 comment 'k3s-wizard: cluster networks'",
        "ufw allow from 10.43.0.0/16 comment 'k3s-wizard: cluster networks'",
        "ufw allow proto tcp from any to any port 6443 comment 'k3s-wizard: api'",
        "ufw allow proto udp from 10.0.0.1 to any port 8472 comment 'k3s-wizard: flannel-vxlan'",
        "ufw allow proto udp from 10.0.0.2 to any port 8472 comment 'k3s-wizard: flannel-vxlan'",
        "ufw allow proto tcp from 10.0.0.1 to any port 10250 comment 'k3s-wizard: kubelet'",
        "ufw allow proto tcp from 10.0.0.2 to any port 10250 comment 'k3s-wizard: kubelet'",
      ]
    `);
    expect(plan.commands[2]?.undo).toEqual([
      ['ufw', 'delete', 'allow', 'proto', 'tcp', 'from', 'any', 'to', 'any', 'port', '6443'],
    ]);
    expect(plan.commands.some((c) => c.argv.includes('enable'))).toBe(false);
  });

  it('skips rules ufw already has', () => {
    const rule = (to: string, from: string) => ({
      to,
      from,
      action: 'ALLOW' as const,
      direction: 'IN' as const,
      v6: false,
    });
    const facts = ufw('10.0.0.2', [
      rule('Anywhere', '10.42.0.0/16'),
      rule('Anywhere', '10.43.0.0/16'),
      rule('8472/udp', '10.0.0.1'),
      rule('8472/udp', '10.0.0.2'),
      rule('10250/tcp', '10.0.0.1'),
    ]);
    const plan = planFirewall({ spec, node: agent, facts, allFacts: { a1: facts } });
    expect(lines(plan)).toEqual([
      "ufw allow proto tcp from 10.0.0.2 to any port 10250 comment 'k3s-wizard: kubelet'",
    ]);
  });

  it('writes ranges the ufw way', () => {
    const ha = makeSpec([
      node('s1', '10.0.0.1', 'server'),
      node('s2', '10.0.0.2', 'server'),
      node('s3', '10.0.0.3', 'server'),
    ]);
    const facts = ufw('10.0.0.1');
    const plan = planFirewall({ spec: ha, node: ha.nodes[0]!, facts, allFacts: { s1: facts } });
    expect(lines(plan)).toContain(
      "ufw allow proto tcp from 10.0.0.2 to any port 2379:2380 comment 'k3s-wizard: etcd'",
    );
  });

  it('adds rules to an inactive ufw but never turns it on', () => {
    const facts = ufw('10.0.0.1', [], false);
    const plan = planFirewall({ spec, node: server, facts, allFacts: { s1: facts } });
    expect(plan.commands.length).toBeGreaterThan(0);
    expect(plan.checks[0]?.message).toMatch(/stays off/);
  });
});

describe('firewall planner: policies', () => {
  it('disable turns the active firewall off, with a warning and an undo', () => {
    const disabled = makeSpec(spec.nodes, { firewall: { policy: 'disable' } });
    const plan = planFirewall({
      spec: disabled,
      node: disabled.nodes[0]!,
      facts: firewalld('10.0.0.1'),
      allFacts: {},
    });
    expect(plan.commands).toEqual([
      {
        argv: ['systemctl', 'disable', '--now', 'firewalld'],
        what: 'stop firewalld and keep it off after reboots',
        undo: [['systemctl', 'enable', '--now', 'firewalld']],
      },
    ]);
    expect(plan.checks[0]).toMatchObject({
      severity: 'warning',
      message: expect.stringMatching(/exposes every service/) as unknown,
    });
    const viaUfw = planFirewall({
      spec: disabled,
      node: disabled.nodes[0]!,
      facts: ufw('10.0.0.1'),
      allFacts: {},
    });
    expect(viaUfw.commands.map((c) => c.argv)).toEqual([['ufw', 'disable']]);
  });

  it('leave runs nothing but says what will break', () => {
    const leave = makeSpec([
      node('s1', '10.0.0.1', 'server', { firewall: 'leave' }),
      node('a1', '10.0.0.2', 'agent'),
    ]);
    const facts = firewalld('10.0.0.1');
    const plan = planFirewall({ spec: leave, node: leave.nodes[0]!, facts, allFacts: { s1: facts } });
    expect(plan.commands).toEqual([]);
    const text = plan.checks.map((c) => c.message).join('\n');
    expect(text).toMatch(
      /allow 8472\/udp from node 10.0.0.2 \(zone public\): pods on different nodes cannot reach each other/,
    );
    expect(text).toMatch(/agents cannot join/);
    expect(text).toMatch(/DNS break/);
  });

  it('without facts plans nothing and says so; raw rules are left alone with a warning', () => {
    expect(planFirewall({ spec, node: server, facts: null, allFacts: {} })).toMatchObject({
      tool: null,
      commands: [],
      checks: [{ severity: 'warning' }],
    });
    const raw = makeFacts('10.0.0.1', {
      firewall: {
        kind: 'nftables',
        firewalldActive: false,
        ufwActive: false,
        firewalld: null,
        ufw: null,
        rawRuleCount: 12,
      },
    });
    const plan = planFirewall({ spec, node: server, facts: raw, allFacts: {} });
    expect(plan.commands).toEqual([]);
    expect(plan.checks[0]?.message).toMatch(/12 nftables rules/);
  });

  it('an unresolvable peer is an error, not a rule open to the world', () => {
    const named = makeSpec([node('s1', '10.0.0.1', 'server'), node('a1', 'a1.local', 'agent')]);
    const facts = firewalld('10.0.0.1');
    const plan = planFirewall({ spec: named, node: named.nodes[0]!, facts, allFacts: { s1: facts } });
    expect(plan.checks).toContainEqual({
      severity: 'error',
      message: expect.stringMatching(/address of a1 is not known/) as unknown,
    });
    expect(lines(plan).some((l) => l.includes('8472/udp') && l.includes('public'))).toBe(false);
  });
});
