import { describe, expect, it } from 'vitest';
import { nodeCells, parseNodeList, parseNodes, textTable } from './nodes';

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

describe('the node table as text', () => {
  it('shows each node as kubectl does, in columns as wide as their widest cell', () => {
    const pi = {
      name: 'pi1',
      ready: true,
      roles: ['control-plane', 'master'],
      version: 'v1.33.5+k3s1',
      arch: 'arm64',
      internalIp: '10.0.0.1',
    };
    const bare = {
      name: 'worker-long',
      ready: false,
      roles: [],
      version: 'v1.33.5+k3s1',
      arch: 'amd64',
      internalIp: '10.0.0.22',
    };
    expect(nodeCells(bare)).toEqual([
      'worker-long',
      'NotReady',
      '<none>',
      'v1.33.5+k3s1',
      'amd64',
      '10.0.0.22',
    ]);
    expect(
      textTable([
        ['NAME', 'STATUS', 'NOTE'],
        nodeCells(pi).slice(0, 2).concat(''),
        ['worker-long', 'NotReady', 'x'],
      ]),
    ).toEqual(['NAME         STATUS    NOTE', 'pi1          Ready', 'worker-long  NotReady  x']);
  });
});
