/** What the firewall planner produces for one node: exact commands, what each changes, how to undo it. */
import type { FirewallKind, HostFacts } from '../facts';
import type { PortRuleId } from '../ports';
import type { FactsByNode } from '../spec/model';
import type { ClusterSpec, FirewallPolicy, NodeSpec } from '../spec/schema';

export interface FirewallCommand {
  /** Run as root, in order. */
  argv: string[];
  /** What it changes, in one line. */
  what: string;
  /** Commands that take it back, in order. */
  undo: string[][];
}

export interface FirewallCheck {
  severity: 'info' | 'warning' | 'error';
  message: string;
}

export interface FirewallPlan {
  node: string;
  policy: FirewallPolicy;
  /** The firewall that manages the host, or null when the host was not probed. */
  tool: FirewallKind | null;
  commands: FirewallCommand[];
  /** What was assumed, what will break, what needs a person. */
  checks: FirewallCheck[];
}

export interface FirewallInput {
  spec: ClusterSpec;
  node: NodeSpec;
  facts: HostFacts | null;
  /** Facts of every node, to know the addresses of peers given by host name. */
  allFacts: FactsByNode;
}

/** Whom a missing rule would let in: the nodes, people's computers (kubectl), or, absent, both. */
export type Audience = 'nodes' | 'clients';

/** A rule the planner would add because the host lacks it today. */
export interface MissingRule {
  change: string;
  breaks: Breakage;
  audience?: Audience;
}

/** What breaks when a rule is missing, said to a person. */
export type Breakage = PortRuleId | 'cidrs' | 'nodes' | 'ssh';

export const CONSEQUENCE: Record<Breakage, string> = {
  api: 'agents cannot join and kubectl cannot connect',
  'flannel-vxlan': 'pods on different nodes cannot reach each other, while the nodes still look Ready',
  'flannel-wireguard-v4': 'pods on different nodes cannot reach each other, while the nodes still look Ready',
  'flannel-wireguard-v6': 'pods on different nodes cannot reach each other over IPv6',
  kubelet: 'kubectl logs, kubectl exec and metrics fail for this node',
  etcd: 'the servers cannot form or keep the etcd cluster',
  'node-ports': 'NodePort services are unreachable on this node',
  nodes: 'the other nodes cannot reach the K3s ports of this node',
  ssh: 'this computer could lose its SSH connection',
  cidrs: 'pod-to-pod, pod-to-service traffic and DNS break while the nodes still look Ready',
};
