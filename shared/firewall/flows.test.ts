import { describe, expect, it } from 'vitest';
import type { HostFacts } from '../facts';
import { makeFacts, makeSpec, node, zone } from '../../test-support/shared/spec';
import { clusterFlows, worstStatus, type Flow } from './flows';

function firewalld(address: string, extra: Partial<ReturnType<typeof zone>> = {}): HostFacts {
  return makeFacts(address, {
    firewall: {
      kind: 'firewalld',
      firewalldActive: true,
      ufwActive: false,
      firewalld: {
        defaultZone: 'public',
        zones: [zone('public', { interfaces: ['eth0'], services: ['ssh'], ...extra })],
      },
      ufw: null,
      rawRuleCount: 0,
    },
  });
}

const find = (flows: Flow[], from: string, to: string, rule: string) =>
  flows.find((f) => f.from === from && f.to === to && f.rule.id === rule)?.status;

describe('cluster flows for the firewall picture', () => {
  const nodes = [node('s1', '10.0.0.1', 'server'), node('a1', '10.0.0.2', 'agent')];

  it('lists you and the agents reaching the API, and every node pair for pod traffic and kubelet', () => {
    const spec = makeSpec(nodes);
    const flows = clusterFlows(spec, { s1: makeFacts('10.0.0.1'), a1: makeFacts('10.0.0.2') });
    expect(flows.map((f) => `${f.from}->${f.to} ${f.rule.id} ${f.status}`)).toEqual([
      'you->s1 api open',
      'a1->s1 api open',
      'a1->s1 flannel-vxlan open',
      'a1->s1 kubelet open',
      's1->a1 flannel-vxlan open',
      's1->a1 kubelet open',
    ]);
  });

  it('marks flows into a filtering firewalld: to be opened when configured, blocked when left alone', () => {
    const facts = { s1: firewalld('10.0.0.1'), a1: makeFacts('10.0.0.2') };
    const configured = clusterFlows(makeSpec(nodes), facts);
    expect(find(configured, 'a1', 's1', 'api')).toBe('to-open');
    expect(find(configured, 'a1', 's1', 'flannel-vxlan')).toBe('to-open');
    expect(find(configured, 's1', 'a1', 'kubelet')).toBe('open');
    const left = clusterFlows(makeSpec(nodes, { firewall: { policy: 'leave', clients: 'anywhere' } }), facts);
    expect(find(left, 'a1', 's1', 'api')).toBe('blocked');
    expect(find(left, 'you', 's1', 'api')).toBe('blocked');
    const disabled = clusterFlows(
      makeSpec(nodes, { firewall: { policy: 'disable', clients: 'anywhere' } }),
      facts,
    );
    expect(find(disabled, 'a1', 's1', 'api')).toBe('to-open');
  });

  it('counts rules already present as open', () => {
    const facts = { s1: firewalld('10.0.0.1', { ports: ['6443/tcp'] }), a1: makeFacts('10.0.0.2') };
    const left = clusterFlows(makeSpec(nodes, { firewall: { policy: 'leave', clients: 'anywhere' } }), facts);
    expect(find(left, 'you', 's1', 'api')).toBe('open');
    expect(find(left, 'a1', 's1', 'flannel-vxlan')).toBe('blocked');
  });

  it('does not guess for machines not probed, and adds etcd between HA servers', () => {
    const spec = makeSpec([
      node('s1', '10.0.0.1', 'server'),
      node('s2', '10.0.0.2', 'server'),
      node('s3', '10.0.0.3', 'server'),
    ]);
    const flows = clusterFlows(spec, {});
    expect(new Set(flows.map((f) => f.status))).toEqual(new Set(['unknown']));
    expect(flows.filter((f) => f.rule.id === 'etcd').map((f) => `${f.from}->${f.to}`)).toEqual([
      's2->s1',
      's3->s1',
      's1->s2',
      's3->s2',
      's1->s3',
      's2->s3',
    ]);
  });

  it('an arrow standing for several flows shows the worst', () => {
    expect(worstStatus(['open', 'to-open'])).toBe('to-open');
    expect(worstStatus(['open', 'blocked', 'unknown'])).toBe('blocked');
    expect(worstStatus([])).toBe('open');
  });
});
