/**
 * The port matrix: which inbound ports a node needs, from whom, and why, derived from its role
 * and the cluster's options. Peer-only ports resolve to the cluster's node addresses, never to
 * the world; only ports meant for people (API, NodePorts) may be open to "anywhere".
 */
import type { NodeRole } from './checks/types';
import type { HostFacts } from './facts';
import { cidrContains, parseCidr, splitCidrList } from './spec/cidr';
import { listenPort } from './spec/listener';
import { nodeAddress, usesEmbeddedEtcd, type FactsByNode } from './spec/model';
import { DEFAULT_API_PORT, type ClusterSpec, type FlannelBackend, type NodeSpec } from './spec/schema';

/** Who may connect: other servers, every node, the people using the cluster (plus nodes), or anyone. */
export type Peers = 'servers' | 'nodes' | 'clients' | 'anywhere';

export const PORT_RULE_IDS = [
  'api',
  'flannel-vxlan',
  'flannel-wireguard-v4',
  'flannel-wireguard-v6',
  'kubelet',
  'etcd',
  'node-ports',
] as const;
export type PortRuleId = (typeof PORT_RULE_IDS)[number];

export interface PortRule {
  id: PortRuleId;
  /** First and last port; equal for a single port. */
  from: number;
  to: number;
  protocol: 'tcp' | 'udp';
  peers: Peers;
  /** Why the node needs it, in one sentence. */
  reason: string;
  /** When the cluster needs it, in words ("always", "flannel backend vxlan"). */
  when: string;
}

export function formatPortRange(rule: Pick<PortRule, 'from' | 'to'>, separator = '-'): string {
  return rule.from === rule.to ? String(rule.from) : `${rule.from}${separator}${rule.to}`;
}

/** "6443/tcp", "2379-2380/tcp", as firewalld writes them. */
export function portLabel(rule: Pick<PortRule, 'from' | 'to' | 'protocol'>): string {
  return `${formatPortRange(rule)}/${rule.protocol}`;
}

/** "30000-32767" as numbers; null unless it is a valid range (first below last). */
export function parsePortRange(text: string): { from: number; to: number } | null {
  const match = /^(\d{1,5})-(\d{1,5})$/.exec(text.trim());
  if (!match) return null;
  const from = Number(match[1]);
  const to = Number(match[2]);
  return from >= 1 && to <= 65535 && from < to ? { from, to } : null;
}

/** What of a cluster decides which flows it needs. */
export interface FlowShape {
  /** The cluster's API port: a server without a port of its own listens there. */
  apiPort: number;
  flannelBackend: FlannelBackend;
  /** Pods get IPv6 addresses (WireGuard then needs 51821/udp too). */
  ipv6Pods: boolean;
  embeddedEtcd: boolean;
  /** The NodePort range, when the user asked for it to be opened. */
  nodePorts: { from: number; to: number } | null;
}

export function flowShape(spec: ClusterSpec): FlowShape {
  const net = spec.networking;
  return {
    // also what the other machines reach (a rootless server's port controller binds it unchanged)
    apiPort: net.apiPort,
    flannelBackend: net.flannelBackend,
    ipv6Pods: splitCidrList(net.clusterCidr).some((c) => parseCidr(c)?.family === 6),
    embeddedEtcd: usesEmbeddedEtcd(spec),
    nodePorts: net.openNodePorts ? parsePortRange(net.nodePortRange) : null,
  };
}

interface FlowDef {
  id: PortRuleId;
  protocol: 'tcp' | 'udp';
  /** Who connects. */
  peers: Peers;
  /** Which nodes accept it. */
  into: 'servers' | 'nodes';
  /** Its ports for this cluster, or null when the cluster does not need it. */
  ports: (shape: FlowShape) => { from: number; to: number } | null;
  reason: string;
  when: string;
}

const one = (port: number) => ({ from: port, to: port });

/**
 * The one flow table: every connection a K3s cluster needs, from whom, into which nodes, when.
 * The firewall planners, the connection tester, the checks after a firewall change and after
 * the install, and the firewall picture all derive from it.
 */
export const FLOW_TABLE: readonly FlowDef[] = [
  {
    id: 'api',
    protocol: 'tcp',
    peers: 'clients',
    into: 'servers',
    ports: (s) => one(s.apiPort),
    reason: 'Kubernetes API and K3s supervisor: agents and servers join through it, kubectl talks to it.',
    when: 'always',
  },
  {
    id: 'flannel-vxlan',
    protocol: 'udp',
    peers: 'nodes',
    into: 'nodes',
    ports: (s) => (s.flannelBackend === 'vxlan' ? one(8472) : null),
    reason: 'Flannel VXLAN: pod traffic between nodes.',
    when: 'flannel backend vxlan (the default)',
  },
  {
    id: 'flannel-wireguard-v4',
    protocol: 'udp',
    peers: 'nodes',
    into: 'nodes',
    ports: (s) => (s.flannelBackend === 'wireguard-native' ? one(51820) : null),
    reason: 'Flannel WireGuard (IPv4): encrypted pod traffic between nodes.',
    when: 'flannel backend wireguard-native',
  },
  {
    id: 'flannel-wireguard-v6',
    protocol: 'udp',
    peers: 'nodes',
    into: 'nodes',
    ports: (s) => (s.flannelBackend === 'wireguard-native' && s.ipv6Pods ? one(51821) : null),
    reason: 'Flannel WireGuard (IPv6): encrypted pod traffic between nodes.',
    when: 'flannel backend wireguard-native with IPv6 pods',
  },
  {
    id: 'kubelet',
    protocol: 'tcp',
    peers: 'nodes',
    into: 'nodes',
    ports: () => one(10250),
    reason: 'Kubelet: kubectl logs and exec, and metrics.',
    when: 'always',
  },
  {
    id: 'etcd',
    protocol: 'tcp',
    peers: 'servers',
    into: 'servers',
    ports: (s) => (s.embeddedEtcd ? { from: 2379, to: 2380 } : null),
    reason: 'Embedded etcd: servers keep the cluster state in sync.',
    when: 'embedded etcd (several servers)',
  },
  ...(['tcp', 'udp'] as const).map((protocol): FlowDef => ({
    id: 'node-ports',
    protocol,
    peers: 'clients',
    into: 'nodes',
    ports: (s) => s.nodePorts,
    reason: 'NodePort services, reachable on every node.',
    when: 'NodePorts opened',
  })),
];

/** The inbound rules a node of `role` needs, in the table's order; `apiPort`: a server's own port. */
export function portsFor(shape: FlowShape, role: NodeRole, apiPort: number = shape.apiPort): PortRule[] {
  const own = apiPort === shape.apiPort ? shape : { ...shape, apiPort };
  return FLOW_TABLE.flatMap((def) => {
    const ports = def.ports(own);
    if (!ports || (def.into === 'servers' && role !== 'server')) return [];
    const { id, protocol, peers, reason, when } = def;
    return [{ id, ...ports, protocol, peers, reason, when }];
  });
}

/** The inbound rules `node` needs, in a stable order: a server's API on its own port. */
export function requiredPorts(spec: ClusterSpec, node: NodeSpec): PortRule[] {
  return portsFor(flowShape(spec), node.role, node.role === 'server' ? listenPort(spec, node) : undefined);
}

/** A node as the flows see it: its name, role, and (a server) the port its API is reached on. */
export interface FlowNode {
  id: string;
  role: NodeRole;
  /** A server's own API port; the shape's when absent. */
  apiPort?: number;
}

/** The cluster's nodes for `nodeFlows`, each server with its own API port. */
export function flowNodes(spec: ClusterSpec): FlowNode[] {
  return spec.nodes.map((n) => ({
    id: n.nodeName,
    role: n.role,
    ...(n.role === 'server' ? { apiPort: listenPort(spec, n) } : {}),
  }));
}

/** One flow between two nodes of the cluster. */
export interface NodeFlow {
  from: string;
  to: string;
  rule: PortRule;
}

/** Every node-to-node flow the cluster needs: into each node, from each peer its rules admit. */
export function nodeFlows(nodes: readonly FlowNode[], shape: FlowShape): NodeFlow[] {
  const flows: NodeFlow[] = [];
  for (const to of nodes) {
    for (const rule of portsFor(shape, to.role, to.apiPort)) {
      for (const from of nodes) {
        if (from.id === to.id || (rule.peers === 'servers' && from.role !== 'server')) continue;
        flows.push({ from: from.id, to: to.id, rule });
      }
    }
  }
  return flows;
}

/** The ports a test tries for a rule: each of a small range, the first of a large one. */
export function testedPorts(rule: Pick<PortRule, 'from' | 'to'>): number[] {
  if (rule.to - rule.from > 3) return [rule.from];
  return Array.from({ length: rule.to - rule.from + 1 }, (_, i) => rule.from + i);
}

/** Ports K3s binds only on 127.0.0.1 (agent load balancer, kubelet and etcd locals): never opened. */
export const LOCAL_ONLY_PORTS = [6444, 10248, 10249, 10256, 10257, 10258, 10259, 2381, 2382] as const;

/** The embedded registry (Spegel), not offered yet but taken when enabled. */
export const REGISTRY_PORT = 5001;

/** Every port of the table for the default API port, NodePorts left out (what a probe looks for). */
export const FLOW_PORTS: readonly number[] = [
  ...new Set(
    (['vxlan', 'wireguard-native'] as const).flatMap((flannelBackend) =>
      portsFor(
        { apiPort: DEFAULT_API_PORT, flannelBackend, ipv6Pods: true, embeddedEtcd: true, nodePorts: null },
        'server',
      ).flatMap((rule) => Array.from({ length: rule.to - rule.from + 1 }, (_, i) => rule.from + i)),
    ),
  ),
];

export type PeerSources =
  | { anywhere: true }
  | {
      anywhere: false;
      /** IP addresses and networks, deduplicated, in spec order. */
      addresses: string[];
      /** Nodes whose address is not known (a host name and no facts): they cannot be let in. */
      unknownNodes: string[];
    };

export interface PeerOptions {
  facts?: FactsByNode;
  /** This computer's address as the host saw it (facts.ssh.clientAddress): kubectl runs from here. */
  appAddress?: string | null;
}

/** Resolves a peer class to addresses a firewall can match on. */
export function peerSources(spec: ClusterSpec, peers: Peers, options: PeerOptions = {}): PeerSources {
  if (peers === 'anywhere' || (peers === 'clients' && spec.firewall.clients === 'anywhere'))
    return { anywhere: true };
  const members = spec.nodes.filter((n) => peers !== 'servers' || n.role === 'server');
  const addresses: string[] = [];
  const unknownNodes: string[] = [];
  for (const node of members) {
    const facts: HostFacts | undefined = options.facts?.[node.nodeName];
    const address = nodeAddress(node, facts);
    if (address) addresses.push(address);
    else unknownNodes.push(node.nodeName);
  }
  if (peers === 'clients') {
    if (spec.firewall.clients !== 'anywhere') addresses.push(...spec.firewall.clients);
    const app = options.appAddress;
    const covered = (a: string) =>
      addresses.some((entry) => {
        const cidr = parseCidr(entry);
        return entry === a || (cidr !== null && cidrContains(cidr, a));
      });
    if (app && !covered(app)) addresses.push(app);
  }
  return { anywhere: false, addresses: [...new Set(addresses)], unknownNodes };
}
