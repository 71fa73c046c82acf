import { describe, expect, it } from 'vitest';
import type { HostFacts } from '../facts';
import { shJoin } from '../shell';
import { makeFacts, makeSpec, node, zone } from '../../test-support/shared/spec';
import { firewallAdvice, planFirewall } from '.';

const firewalld = (address: string): HostFacts =>
  makeFacts(address, {
    firewall: {
      kind: 'firewalld',
      firewalldActive: true,
      ufwActive: false,
      firewalld: {
        defaultZone: 'public',
        zones: [zone('public', { interfaces: ['eth0'], services: ['ssh'] })],
      },
      ufw: null,
      rawRuleCount: 0,
    },
  });
const ufw = (address: string): HostFacts =>
  makeFacts(address, {
    firewall: {
      kind: 'ufw',
      firewalldActive: false,
      ufwActive: true,
      firewalld: null,
      ufw: { defaultIncoming: 'deny', rules: [] },
      rawRuleCount: 0,
    },
  });

const nodes = [node('s1', '10.0.0.1', 'server'), node('a1', '10.0.0.2', 'agent')];

describe('the documentation’s firewall advice beside the plan', () => {
  it('quotes the documented minimum for the chosen port and networks, and turning the firewall off', () => {
    const advice = firewallAdvice(makeSpec(nodes, { networking: { apiPort: 46443 } }));
    expect(advice.firewalld).toEqual([
      'firewall-cmd --permanent --add-port=46443/tcp',
      'firewall-cmd --permanent --zone=trusted --add-source=10.42.0.0/16',
      'firewall-cmd --permanent --zone=trusted --add-source=10.43.0.0/16',
      'firewall-cmd --reload',
    ]);
    expect(advice.ufw).toEqual([
      'ufw allow 46443/tcp',
      'ufw allow from 10.42.0.0/16 to any',
      'ufw allow from 10.43.0.0/16 to any',
    ]);
    expect(advice.disable.firewalld).toBe('systemctl disable firewalld --now');
    expect(advice.disable.risk).toMatch(/becomes reachable by anyone on its network/);
    expect(advice.instead).toContain(
      '8472/udp (VXLAN), 10250/tcp (kubelet): only from the cluster’s own machines, one rule per machine address, in the zone their traffic arrives in.',
    );
    expect(advice.why).toMatch(/VXLAN is never open to the world/);
  });

  // What the advice says must be what the planner does, for every firewall and option.
  for (const [kind, facts] of [
    ['firewalld', firewalld],
    ['ufw', ufw],
  ] as const) {
    for (const openNodePorts of [false, true]) {
      it(`${kind}, NodePorts ${openNodePorts ? 'asked for' : 'not asked for'}: VXLAN only from the nodes, NodePorts only on request`, () => {
        const spec = makeSpec(nodes, { networking: { openNodePorts } });
        const all = { s1: facts('10.0.0.1'), a1: facts('10.0.0.2') };
        for (const n of spec.nodes) {
          const plan = planFirewall({ spec, node: n, facts: all[n.nodeName as 's1' | 'a1'], allFacts: all });
          const lines = plan.commands.map((c) => `${c.what} | ${shJoin(c.argv)}`);
          const vxlan = lines.filter((l) => l.includes('8472'));
          expect(vxlan.length).toBeGreaterThan(0);
          for (const line of vxlan) {
            expect(line).not.toMatch(/anyone|anywhere/);
            expect(line).toMatch(/10\.0\.0\.[12]/);
          }
          expect(lines.some((l) => l.includes('30000'))).toBe(openNodePorts);
        }
        expect(firewallAdvice(spec).instead.some((l) => l.includes('stays closed'))).toBe(!openNodePorts);
      });
    }
  }
});
