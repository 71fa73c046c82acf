/**
 * The port matrix: which inbound ports a node needs, from whom, and why, derived from its role
 * and the cluster's options. Peer-only ports resolve to the cluster's node addresses, never to
 * the world; only ports meant for people (API, NodePorts) may be open to "anywhere".
 */
import type { HostFacts } from './facts';
import { cidrContains, parseCidr, splitCidrList } from './spec/cidr';
import { nodeAddress, usesEmbeddedEtcd, type FactsByNode } from './spec/model';
import type { ClusterSpec, NodeSpec } from './spec/schema';
import { parsePortRange } from './spec/validate';

/** Who may connect: other servers, every node, the people using the cluster (plus nodes), or anyone. */
export type Peers = 'servers' | 'nodes' | 'clients' | 'anywhere';

export type PortRuleId =
  | 'api'
  | 'flannel-vxlan'
  | 'flannel-wireguard-v4'
  | 'flannel-wireguard-v6'
  | 'kubelet'
  | 'etcd'
  | 'node-ports';

export interface PortRule {
  id: PortRuleId;
  /** First and last port; equal for a single port. */
  from: number;
  to: number;
  protocol: 'tcp' | 'udp';
  peers: Peers;
  /** Why the node needs it, in one sentence. */
  reason: string;
}

export function formatPortRange(rule: Pick<PortRule, 'from' | 'to'>, separator = '-'): string {
  return rule.from === rule.to ? String(rule.from) : `${rule.from}${separator}${rule.to}`;
}

/** "6443/tcp", "2379-2380/tcp", as firewalld writes them. */
export function portLabel(rule: PortRule): string {
  return `${formatPortRange(rule)}/${rule.protocol}`;
}

function hasIPv6Pods(spec: ClusterSpec): boolean {
  return splitCidrList(spec.networking.clusterCidr).some((c) => parseCidr(c)?.family === 6);
}

/** The inbound rules `node` needs, in a stable order. */
export function requiredPorts(spec: ClusterSpec, node: NodeSpec): PortRule[] {
  const rules: PortRule[] = [];
  const { apiPort, flannelBackend, openNodePorts, nodePortRange } = spec.networking;
  const server = node.role === 'server';
  if (server) {
    rules.push({
      id: 'api',
      from: apiPort,
      to: apiPort,
      protocol: 'tcp',
      peers: 'clients',
      reason: 'Kubernetes API and K3s supervisor: agents and servers join through it, kubectl talks to it.',
    });
  }
  if (flannelBackend === 'vxlan') {
    rules.push({
      id: 'flannel-vxlan',
      from: 8472,
      to: 8472,
      protocol: 'udp',
      peers: 'nodes',
      reason: 'Flannel VXLAN: pod traffic between nodes.',
    });
  } else if (flannelBackend === 'wireguard-native') {
    rules.push({
      id: 'flannel-wireguard-v4',
      from: 51820,
      to: 51820,
      protocol: 'udp',
      peers: 'nodes',
      reason: 'Flannel WireGuard (IPv4): encrypted pod traffic between nodes.',
    });
    if (hasIPv6Pods(spec)) {
      rules.push({
        id: 'flannel-wireguard-v6',
        from: 51821,
        to: 51821,
        protocol: 'udp',
        peers: 'nodes',
        reason: 'Flannel WireGuard (IPv6): encrypted pod traffic between nodes.',
      });
    }
  }
  rules.push({
    id: 'kubelet',
    from: 10250,
    to: 10250,
    protocol: 'tcp',
    peers: 'nodes',
    reason: 'Kubelet: kubectl logs and exec, and metrics.',
  });
  if (server && usesEmbeddedEtcd(spec)) {
    rules.push({
      id: 'etcd',
      from: 2379,
      to: 2380,
      protocol: 'tcp',
      peers: 'servers',
      reason: 'Embedded etcd: servers keep the cluster state in sync.',
    });
  }
  const range = parsePortRange(nodePortRange);
  if (openNodePorts && range) {
    for (const protocol of ['tcp', 'udp'] as const) {
      rules.push({
        id: 'node-ports',
        ...range,
        protocol,
        peers: 'clients',
        reason: 'NodePort services, reachable on every node.',
      });
    }
  }
  return rules;
}

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
