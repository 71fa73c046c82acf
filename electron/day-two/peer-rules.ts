/**
 * The firewall rules k3s-wizard gave the other nodes for a machine that leaves, read from each
 * one's record of rules (what `remove` takes back). Shared by the command line and the back end.
 */
import { peerUndoLines, type PeerRules } from '../../shared/day-two';
import { FIREWALL_UNDO_FILE } from '../../shared/firewall';
import { shJoin } from '../../shared/shell';
import type { ClusterSpec } from '../../shared/spec';
import type { HostRunner } from '../engine/host-runner';

export async function peerRulesOf(options: {
  spec: ClusterSpec;
  runnerFor: (name: string) => HostRunner;
  leaving: string;
  addresses: string[];
  signal: AbortSignal;
  /** A node whose record could not be read (its rules for the leaving one stay). */
  warn: (message: string) => void;
}): Promise<PeerRules[]> {
  const { spec, runnerFor, leaving, addresses, signal } = options;
  const out: PeerRules[] = [];
  for (const node of spec.nodes.filter((n) => n.nodeName !== leaving)) {
    try {
      const r = await runnerFor(node.nodeName).exec({
        command: shJoin(['sh', '-c', 'cat "$1" 2>/dev/null || true', 'k3s-wizard-read', FIREWALL_UNDO_FILE]),
        sudo: true,
        timeoutMs: 30_000,
        signal,
        what: 'read the record of firewall rules',
      });
      const undo = peerUndoLines(r.stdout, addresses);
      if (undo.length) out.push({ node: node.nodeName, undo });
    } catch (error) {
      options.warn(
        `${node.nodeName}: its firewall rules could not be read (${(error as Error).message}); any for ${leaving} stay.`,
      );
    }
  }
  return out;
}

/** Whether the machine answers on its session (a dead one is removed from the cluster anyway). */
export function reachable(runner: HostRunner, signal: AbortSignal): Promise<boolean> {
  return runner
    .exec({ command: 'true', sudo: false, timeoutMs: 20_000, signal, what: 'reach the machine' })
    .then(
      (r) => r.code === 0,
      () => false,
    );
}

/** The addresses the others' firewall rules may name the machine by. */
export function addressesOf(
  node: { address: string; nodeIp?: string | undefined },
  internalIp: string | undefined,
): string[] {
  return [...new Set([node.address, node.nodeIp, internalIp].filter((a): a is string => Boolean(a)))];
}
