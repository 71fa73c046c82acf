/**
 * Connections into one node from the nodes that need them, tested for real with the
 * connectivity prober (a short-lived listener on the node, a probe from each peer), for the
 * firewall step's check before its rules become permanent.
 */
import type { ConnectivityResult } from '../../shared/checks/connectivity';
import type { FirewallPath } from '../../shared/firewall';
import { nodeAddress, type ClusterSpec, type FactsByNode, type NodeSpec } from '../../shared/spec';
import { testConnectivity, type TestNode } from '../probe/connectivity';
import type { SessionPool } from '../ssh/pool';

export interface ReachableRequest {
  pool: SessionPool;
  spec: ClusterSpec;
  facts: FactsByNode;
  host: string;
  paths: FirewallPath[];
  signal: AbortSignal;
  /** How long a UDP listener waits for its datagrams. */
  windowMs?: number;
}

function testNode(node: NodeSpec, facts: FactsByNode, role: 'server' | 'agent'): TestNode {
  return {
    id: node.nodeName,
    role,
    target: { host: node.address, port: node.port, user: node.user },
    address: nodeAddress(node, facts[node.nodeName]) ?? node.address,
  };
}

/** The results of the paths asked for (the prober's other directions are left out). */
export async function reachable(request: ReachableRequest): Promise<ConnectivityResult[]> {
  const { spec, facts, host, paths } = request;
  const to = spec.nodes.find((n) => n.nodeName === host);
  if (!to) return [];
  const results: ConnectivityResult[] = [];
  for (const from of [...new Set(paths.map((p) => p.from))]) {
    const peer = spec.nodes.find((n) => n.nodeName === from);
    if (!peer) continue;
    const mine = paths.filter((p) => p.from === from);
    const flannel = mine.find((p) => p.proto === 'udp')?.port;
    const tested = await testConnectivity({
      pool: request.pool,
      // The node under test as a server, so its API port is among the paths.
      nodes: [testNode(to, facts, 'server'), testNode(peer, facts, 'agent')],
      apiPort: spec.networking.apiPort,
      ...(flannel ? { flannelPort: flannel } : {}),
      windowMs: request.windowMs ?? 4_000,
      signal: request.signal,
    });
    results.push(
      ...tested.filter(
        (r) => r.from === from && r.to === host && mine.some((p) => p.port === r.port && p.proto === r.proto),
      ),
    );
  }
  return results;
}
