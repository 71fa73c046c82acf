/** What follows from a spec: the servers, the first server, the addresses nodes use for each other. */
import type { HostFacts } from '../facts';
import { isIP } from './cidr';
import type { ClusterSpec, FirewallPolicy, NodeSpec } from './schema';

/** Facts per node name; a node without facts plans from the spec alone. */
export type FactsByNode = Readonly<Record<string, HostFacts | undefined>>;

export function servers(spec: ClusterSpec): NodeSpec[] {
  return spec.nodes.filter((node) => node.role === 'server');
}

export function agents(spec: ClusterSpec): NodeSpec[] {
  return spec.nodes.filter((node) => node.role === 'agent');
}

/** The server every other node joins: the first server in the list. */
export function firstServer(spec: ClusterSpec): NodeSpec | undefined {
  return spec.nodes.find((node) => node.role === 'server');
}

/** Embedded etcd: asked for explicitly, or implied by more than one server. */
export function usesEmbeddedEtcd(spec: ClusterSpec): boolean {
  return spec.ha.embeddedEtcd ?? servers(spec).length > 1;
}

export function firewallPolicy(spec: ClusterSpec, node: NodeSpec): FirewallPolicy {
  return node.firewall ?? spec.firewall.policy;
}

/**
 * The address other nodes see this node's traffic come from, and reach it on: `nodeIp` when set,
 * else what K3s itself picks (the default-route address), else the SSH address if it is an IP.
 */
export function nodeAddress(node: NodeSpec, facts?: HostFacts | null): string | null {
  if (node.nodeIp) return node.nodeIp;
  if (facts?.defaultAddress) return facts.defaultAddress;
  return isIP(node.address) ? node.address : null;
}

/** The address joining nodes use for the first server (also what its certificate covers by default). */
export function joinAddress(server: NodeSpec, facts?: HostFacts | null): string {
  return nodeAddress(server, facts) ?? server.address;
}

export function urlHost(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}

export function apiUrl(spec: ClusterSpec, address: string): string {
  return `https://${urlHost(address)}:${spec.networking.apiPort}`;
}

/** The address the kubeconfig on this computer will point at (listener.ts gives its URL). */
export function kubeconfigAddress(spec: ClusterSpec): string | undefined {
  return spec.kubeconfig.server ?? spec.networking.endpoint?.address ?? firstServer(spec)?.address;
}

export function contextName(spec: ClusterSpec): string {
  return spec.kubeconfig.contextName ?? spec.name;
}

export function systemdUnit(node: NodeSpec): 'k3s' | 'k3s-agent' {
  return node.role === 'server' ? 'k3s' : 'k3s-agent';
}
