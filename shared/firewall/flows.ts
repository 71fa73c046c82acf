/**
 * The flows a cluster needs, for the firewall picture: who must reach which port on which node,
 * and whether that works now, will once the plan runs, or stays blocked. Derived from the same
 * planner the install uses: a rule the planner would add is a rule missing today.
 */
import type { HostFacts } from '../facts';
import { flowNodes, flowShape, nodeFlows, requiredPorts, type PortRule, type PortRuleId } from '../ports';
import { firewallPolicy, type FactsByNode } from '../spec/model';
import type { ClusterSpec, FirewallPolicy, NodeSpec } from '../spec/schema';
import { planFirewalld } from './firewalld';
import type { MissingRule } from './types';
import { planUfw } from './ufw';

export type FlowStatus = 'open' | 'to-open' | 'blocked' | 'unknown';

export interface Flow {
  /** Who connects: "you" (this computer) or a node name. */
  from: string;
  /** The node that must accept the connection. */
  to: string;
  rule: PortRule;
  status: FlowStatus;
}

type FirewallState = { kind: 'open' } | { kind: 'unknown' } | { kind: 'filtering'; missing: MissingRule[] };

/** What the node's firewall lets through today, rule by rule. */
function firewallState(
  spec: ClusterSpec,
  node: NodeSpec,
  facts: HostFacts | undefined,
  all: FactsByNode,
): FirewallState {
  if (!facts) return { kind: 'unknown' };
  const fw = facts.firewall;
  const input = { spec, node, facts, allFacts: all };
  if (fw.firewalldActive) return { kind: 'filtering', missing: planFirewalld(input).missing };
  if (fw.ufwActive) return { kind: 'filtering', missing: planUfw(input).missing };
  if ((fw.kind === 'nftables' || fw.kind === 'iptables') && fw.rawRuleCount) return { kind: 'unknown' };
  if (fw.kind === null) return { kind: 'unknown' };
  return { kind: 'open' };
}

function statusOf(
  state: FirewallState,
  rule: PortRule,
  policy: FirewallPolicy,
  source: 'you' | 'node',
): FlowStatus {
  if (state.kind !== 'filtering') return state.kind;
  const audience = source === 'you' ? 'clients' : 'nodes';
  const missing = state.missing.some(
    (m) =>
      (m.breaks === rule.id && (m.audience === undefined || m.audience === audience)) ||
      // firewalld lets nodes in by zone membership: without it no node reaches any K3s port.
      (source === 'node' && m.breaks === 'nodes'),
  );
  if (!missing) return 'open';
  // disable turns the firewall off, configure adds the rule: either way it will pass.
  return policy === 'leave' ? 'blocked' : 'to-open';
}

const ORDER: PortRuleId[] = [
  'api',
  'etcd',
  'flannel-vxlan',
  'flannel-wireguard-v4',
  'flannel-wireguard-v6',
  'kubelet',
];

/**
 * Every flow that must pass, once per (source, destination, rule), from the one flow table:
 * the node-to-node flows and this computer to each server's API; NodePorts are left out.
 */
export function clusterFlows(spec: ClusterSpec, facts: FactsByNode): Flow[] {
  const between = nodeFlows(flowNodes(spec), flowShape(spec));
  const flows: Flow[] = [];
  for (const to of spec.nodes) {
    const state = firewallState(spec, to, facts[to.nodeName], facts);
    const policy = firewallPolicy(spec, to);
    const rules = requiredPorts(spec, to).filter((r) => r.id !== 'node-ports');
    for (const rule of rules.sort((a, b) => ORDER.indexOf(a.id) - ORDER.indexOf(b.id))) {
      const peers = between
        .filter((f) => f.to === to.nodeName && f.rule.id === rule.id && f.rule.protocol === rule.protocol)
        .map((f) => f.from);
      const sources = rule.id === 'api' ? ['you', ...peers] : peers;
      for (const from of sources) {
        const status = statusOf(state, rule, policy, from === 'you' ? 'you' : 'node');
        flows.push({ from, to: to.nodeName, rule, status });
      }
    }
  }
  return flows;
}

/** The worst of several statuses, for an arrow that stands for several flows. */
export function worstStatus(statuses: readonly FlowStatus[]): FlowStatus {
  for (const status of ['blocked', 'unknown', 'to-open', 'open'] as const) {
    if (statuses.includes(status)) return status;
  }
  return 'open';
}
