/** Pre-flight checks: what the wizard found on the hosts, in words, with a fix where one exists. */
import type { HostFacts } from '../facts';

export type CheckStatus = 'pass' | 'warn' | 'fail';

/** Things the install engine knows how to do itself when the user agrees. */
export type FixAction =
  | 'enable-memory-cgroup'
  | 'set-node-name'
  | 'regenerate-machine-id'
  | 'set-flannel-iface'
  | 'prefer-bundled-bin'
  | 'sync-clock';

export type CheckFix =
  | { kind: 'action'; action: FixAction; description: string }
  | { kind: 'command'; command: string; description?: string }
  | { kind: 'step'; step: 'firewall' };

export interface Check {
  /** Stable id of the kind of check ("memory-cgroup"), unique per host. */
  id: string;
  /** The host it is about, or null for a check across hosts. */
  hostId: string | null;
  /** For checks across hosts: the hosts involved. */
  hostIds?: string[];
  status: CheckStatus;
  title: string;
  /** Plain language: what was found and why it matters. */
  reason: string;
  fix?: CheckFix;
}

export type NodeRole = 'server' | 'agent';

export interface CheckHost {
  id: string;
  role: NodeRole;
  /** null when the host could not be probed (its error is reported elsewhere). */
  facts: HostFacts | null;
}

export interface CheckInput {
  hosts: CheckHost[];
  /** The Kubernetes API port (default 6443). */
  apiPort?: number;
  /** This computer's clock now; by default each host's collectedAt is used. */
  localClockMs?: number;
  /** Largest clock difference tolerated, in seconds (default 30). */
  maxClockSkewS?: number;
}
