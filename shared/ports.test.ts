import { describe, expect, it } from 'vitest';
import { requiredPaths } from './checks/connectivity';
import { clusterFlows, firewallPaths } from './firewall';
import { flowShape, peerSources, portLabel, requiredPorts, testedPorts } from './ports';
import { PROBED_PORTS } from './probe/script';
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

describe('one flow table', () => {
  const specs = backends.flatMap((flannelBackend) =>
    [false, true].map((ha) =>
      makeSpec(
        [
          node('s1', '10.0.0.1', 'server'),
          node('a1', '10.0.0.9', 'agent'),
          ...(ha ? [node('s2', '10.0.0.2', 'server'), node('s3', '10.0.0.3', 'server')] : []),
        ],
        { networking: { flannelBackend } },
      ),
    ),
  );
  const key = (p: { from: string; to: string; port: number; proto: string }) =>
    `${p.from}>${p.to}:${p.port}/${p.proto}`;

  it.each(specs.map((spec) => [spec.networking.flannelBackend, spec.nodes.length, spec] as const))(
    'the tester, the firewall safety net and the firewall picture test the same flows (%s, %i nodes)',
    (_backend, _n, spec) => {
      const nodes = spec.nodes.map((n) => ({ id: n.nodeName, role: n.role }));
      const tester = requiredPaths(nodes, flowShape(spec)).map(key).sort();
      const safetyNet = spec.nodes
        .flatMap((n) => firewallPaths(spec, n))
        .map(key)
        .sort();
      const picture = clusterFlows(spec, {})
        .filter((f) => f.from !== 'you')
        .flatMap((f) => testedPorts(f.rule).map((port) => ({ ...f, port, proto: f.rule.protocol })))
        .map(key)
        .sort();
      expect(safetyNet).toEqual(tester);
      expect(picture).toEqual(tester);
    },
  );

  it('etcd is tested both ways between servers, on both of its ports, never from an agent (#12.7)', () => {
    const spec = specs.find((s) => s.nodes.length === 4) ?? specs[0]!;
    const nodes = spec.nodes.map((n) => ({ id: n.nodeName, role: n.role }));
    const etcd = requiredPaths(nodes, flowShape(spec)).filter((p) => p.flow === 'etcd');
    expect(etcd.map(key).sort()).toEqual(
      ['s1', 's2', 's3']
        .flatMap((from) => ['s1', 's2', 's3'].filter((to) => to !== from).map((to) => [from, to]))
        .flatMap(([from, to]) => [`${from}>${to}:2379/tcp`, `${from}>${to}:2380/tcp`])
        .sort(),
    );
    // Without a spec, the tester assumes embedded etcd exactly when there are several servers.
    expect(requiredPaths(nodes).some((p) => p.flow === 'etcd')).toBe(true);
    expect(requiredPaths(nodes.slice(0, 2)).some((p) => p.flow === 'etcd')).toBe(false);
  });

  it('every port in the table is probed for listeners', () => {
    expect([...PROBED_PORTS].sort((a, b) => a - b)).toEqual([2379, 2380, 6443, 8472, 10250, 51820, 51821]);
  });
});
