/**
 * Connections into one node from the nodes that need them, tested for real with the
 * connectivity prober (a short-lived listener on the node, a probe from each peer), for the
 * firewall step's check before its rules become permanent.
 */
import {
  blockedFlowsMessage,
  requiredPaths,
  type ConnectivityResult,
  type PortPath,
} from '../../shared/checks/connectivity';
import { flowShape } from '../../shared/ports';
import {
  nodeAddress,
  listenPort,
  type ClusterSpec,
  type FactsByNode,
  type NodeSpec,
} from '../../shared/spec';
import { testConnectivity, type TestNode } from '../probe/connectivity';
import type { SessionPool } from '../ssh/pool';

export interface ReachableRequest {
  pool: SessionPool;
  spec: ClusterSpec;
  facts: FactsByNode;
  host: string;
  paths: PortPath[];
  signal: AbortSignal;
  /** How long the listener may stay bound at most (it is closed as soon as the test ends). */
  windowMs?: number;
}

function testNode(spec: ClusterSpec, node: NodeSpec, facts: FactsByNode): TestNode {
  return {
    id: node.nodeName,
    role: node.role,
    ...(node.role === 'server' ? { apiPort: listenPort(spec, node) } : {}),
    target: { host: node.address, port: node.port, user: node.user },
    address: nodeAddress(node, facts[node.nodeName]) ?? node.address,
  };
}

/** After the install: every node-to-node flow of the flow table, and what blocks a blocked one. */
export async function clusterFlowResults(request: {
  pool: SessionPool;
  spec: ClusterSpec;
  facts: FactsByNode;
  signal: AbortSignal;
  windowMs?: number;
  /** Told when the listeners are all gone (they close after the verdicts are in). */
  onClosed?: (closed: Promise<void>) => void;
  /** The listeners start now and bind once this is fulfilled. */
  bindWhen?: Promise<unknown>;
}): Promise<{ results: ConnectivityResult[]; blocked: string | null }> {
  const { spec, facts } = request;
  const nodes = spec.nodes.map((n) => testNode(spec, n, facts));
  const results = await testConnectivity({
    pool: request.pool,
    nodes,
    paths: requiredPaths(nodes, flowShape(spec)),
    // Every target and source at once: two SSH channels per host (a listener, a probe).
    ...(request.windowMs ? { windowMs: request.windowMs } : {}),
    signal: request.signal,
    // K3s holds its ports already: the listeners bound only free ones, and the run is at its end.
    closeInBackground: true,
    ...(request.onClosed ? { onClosed: request.onClosed } : {}),
    ...(request.bindWhen ? { bindWhen: request.bindWhen } : {}),
  });
  const blocked = blockedFlowsMessage(results, {
    cluster: spec.name,
    hostFirewall: (node) => {
      const fw = facts[node]?.firewall;
      return fw?.firewalldActive ? 'firewalld' : fw?.ufwActive ? 'ufw' : null;
    },
  });
  return { results, blocked };
}

/** The results of the paths asked for, all into `host`; a path from an unknown node is "unknown". */
export async function reachable(request: ReachableRequest): Promise<ConnectivityResult[]> {
  const { spec, facts, host } = request;
  const to = spec.nodes.find((n) => n.nodeName === host);
  if (!to) return [];
  const paths = request.paths.filter((p) => p.to === host);
  const peers = spec.nodes.filter((n) => n !== to && paths.some((p) => p.from === n.nodeName));
  const known = paths.filter((p) => peers.some((n) => n.nodeName === p.from));
  const tested = known.length
    ? await testConnectivity({
        pool: request.pool,
        nodes: [to, ...peers].map((n) => testNode(spec, n, facts)),
        paths: known,
        // One listener on `host`, one probe exec per peer (each session queues its own channels).
        ...(request.windowMs ? { windowMs: request.windowMs } : {}),
        signal: request.signal,
      })
    : [];
  const unknown = paths
    .filter((p) => !known.includes(p))
    .map((p): ConnectivityResult => ({
      ...p,
      status: 'unknown',
      detail: `${p.from} is not a node of this cluster`,
    }));
  return [...tested, ...unknown];
}
