import { describe, expect, it } from 'vitest';
import { parseNodeList, parseNodes } from './nodes';

const node = (name: string, labels: Record<string, string> = {}) => ({
  metadata: { name, labels },
  spec: { unschedulable: name === 'b' },
  status: {
    conditions: [{ type: 'Ready', status: name === 'a' ? 'True' : 'False' }],
    addresses: [{ type: 'InternalIP', address: '10.0.0.1' }],
    nodeInfo: { kubeletVersion: 'v1.33.5+k3s1', architecture: 'arm64' },
  },
});

describe('the node list', () => {
  it('reads names, roles, readiness, versions, arch, addresses and cordons', () => {
    const json = JSON.stringify({
      kind: 'List',
      items: [
        node('a', {
          'node-role.kubernetes.io/control-plane': 'true',
          'node-role.kubernetes.io/etcd': 'true',
        }),
        node('b'),
      ],
    });
    expect(parseNodes(json)).toEqual([
      {
        name: 'a',
        ready: true,
        roles: ['control-plane', 'etcd'],
        version: 'v1.33.5+k3s1',
        arch: 'arm64',
        internalIp: '10.0.0.1',
        unschedulable: false,
      },
      {
        name: 'b',
        ready: false,
        roles: [],
        version: 'v1.33.5+k3s1',
        arch: 'arm64',
        internalIp: '10.0.0.1',
        unschedulable: true,
      },
    ]);
    expect(parseNodeList(json)[1]).not.toHaveProperty('unschedulable');
  });

  it('says what came instead of a list, and refuses what is unbounded', () => {
    expect(() => parseNodeList('{"kind":"Status","message":"Forbidden"}')).toThrow(
      'Expected a list of nodes, got Status.',
    );
    expect(() => parseNodeList('not json')).toThrow('The node list is not JSON.');
    const many = JSON.stringify({ items: Array.from({ length: 5001 }, (_, i) => node(`n${i}`)) });
    expect(() => parseNodeList(many)).toThrow(/not one/);
    const long = JSON.stringify({ items: [node('x'.repeat(254))] });
    expect(() => parseNodeList(long)).toThrow(/not one/);
  });
});
