/**
 * The firewall rules of a node that let a given peer in, as the firewall planner made them
 * (shared/firewall): when that peer leaves the cluster, their undo lines take them back.
 */
import { planFirewall, type FirewallCommand } from '../firewall';
import { shJoin } from '../shell';
import type { FactsByNode } from '../spec/model';
import type { ClusterSpec, NodeSpec } from '../spec/schema';

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Whether an argument names the address (alone, as a /32 or /128, or inside a rich rule). */
export function mentions(argv: readonly string[], address: string): boolean {
  const re = new RegExp(`(?<![0-9A-Za-z.:])${escape(address)}(?:/(?:32|128))?(?![0-9A-Za-z.:])`);
  return argv.some((arg) => re.test(arg));
}

export interface PeerRules {
  node: string;
  /** The planner's commands for the peer, newest last. */
  commands: FirewallCommand[];
  /** Their undo lines (shell), in the order to run them. */
  undo: string[];
}

/** Per other node, the rules for the leaving node's addresses its firewall got (none: left out). */
export function peerRules(input: {
  spec: ClusterSpec;
  facts: FactsByNode;
  leaving: NodeSpec;
  /** Every address the node was known by (SSH address, node IP, what the cluster reported). */
  addresses: readonly string[];
}): PeerRules[] {
  const out: PeerRules[] = [];
  for (const node of input.spec.nodes) {
    if (node.nodeName === input.leaving.nodeName) continue;
    const plan = planFirewall({
      spec: input.spec,
      node,
      facts: input.facts[node.nodeName] ?? null,
      allFacts: input.facts,
    });
    const commands = plan.commands.filter((c) => input.addresses.some((a) => mentions(c.argv, a)));
    if (!commands.length) continue;
    const undo = [...commands].reverse().flatMap((c) => c.undo.map((argv) => shJoin(argv)));
    out.push({ node: node.nodeName, commands, undo });
  }
  return out;
}
