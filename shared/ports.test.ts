import { describe, expect, it } from 'vitest';
import { peerSources, portLabel, requiredPorts } from './ports';
import type { FlannelBackend } from './spec';
import { makeFacts, makeSpec, node } from '../test-support/shared/spec';

const backends: FlannelBackend[] = ['vxlan', 'wireguard-native', 'host-gw'];
const cases = backends.flatMap((backend) =>
  [false, true].flatMap((ha) =>
    [6443, 7443].flatMap((apiPort) =>
      (['server', 'agent'] as const).map((role) => ({ backend, ha, apiPort, role })),
    ),
  ),
);

const FLANNEL: Record<FlannelBackend, string[]> = {
  vxlan: ['8472/udp nodes'],
  'wireguard-native': ['51820/udp nodes'],
  'host-gw': [],
};

describe('port matrix', () => {
  it.each(cases)('$role, $backend, HA $ha, API $apiPort', ({ backend, ha, apiPort, role }) => {
    const nodes = [node('s1', '10.0.0.1', 'server'), node('a1', '10.0.0.9', 'agent')];
    if (ha) nodes.push(node('s2', '10.0.0.2', 'server'), node('s3', '10.0.0.3', 'server'));
    const spec = makeSpec(nodes, { networking: { flannelBackend: backend, apiPort } });
    const target = spec.nodes.find((n) => n.role === role);
    if (!target) throw new Error('no node');
    const got = requiredPorts(spec, target).map((r) => `${portLabel(r)} ${r.peers}`);
    const expected = [
      ...(role === 'server' ? [`${apiPort}/tcp clients`] : []),
      ...FLANNEL[backend],
      '10250/tcp nodes',
      ...(role === 'server' && ha ? ['2379-2380/tcp servers'] : []),
    ];
    expect(got).toEqual(expected);
  });

  it('opens 51821/udp only for IPv6 pods, and NodePorts only when asked', () => {
    const spec = makeSpec([node('s', '10.0.0.1', 'server')], {
      networking: {
        flannelBackend: 'wireguard-native',
        clusterCidr: '10.42.0.0/16,fd42::/56',
        openNodePorts: true,
        nodePortRange: '30000-30100',
      },
    });
    expect(requiredPorts(spec, spec.nodes[0]!).map(portLabel)).toEqual([
      '6443/tcp',
      '51820/udp',
      '51821/udp',
      '10250/tcp',
      '30000-30100/tcp',
      '30000-30100/udp',
    ]);
  });

  it('a single server with embedded etcd asked for opens etcd', () => {
    const spec = makeSpec([node('s', '10.0.0.1', 'server')], { ha: { embeddedEtcd: true } });
    expect(requiredPorts(spec, spec.nodes[0]!).map(portLabel)).toContain('2379-2380/tcp');
  });

  it('resolves peers to node addresses, never to the world', () => {
    const spec = makeSpec(
      [
        node('s', '10.0.0.1', 'server'),
        node('a', 'a.local', 'agent'),
        node('b', 'b.local', 'agent', { nodeIp: '10.0.0.3' }),
        node('c', 'c.local', 'agent'),
      ],
      { firewall: { clients: ['192.168.1.0/24'] } },
    );
    const facts = { a: makeFacts('10.0.0.2') };
    expect(peerSources(spec, 'nodes', { facts })).toEqual({
      anywhere: false,
      addresses: ['10.0.0.1', '10.0.0.2', '10.0.0.3'],
      unknownNodes: ['c'],
    });
    expect(peerSources(spec, 'servers', { facts })).toEqual({
      anywhere: false,
      addresses: ['10.0.0.1'],
      unknownNodes: [],
    });
    expect(peerSources(spec, 'clients', { facts, appAddress: '172.16.0.4' })).toMatchObject({
      addresses: ['10.0.0.1', '10.0.0.2', '10.0.0.3', '192.168.1.0/24', '172.16.0.4'],
    });
    expect(peerSources(makeSpec([node('s', '10.0.0.1', 'server')]), 'clients')).toEqual({ anywhere: true });
  });
});
