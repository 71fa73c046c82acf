/** Pre-flight checks: what the wizard found on the hosts, in words, with a fix where one exists. */
import { z } from 'zod';
import type { HostFacts } from '../facts';

const FIX_ACTIONS = [
  'enable-memory-cgroup',
  'set-node-name',
  'regenerate-machine-id',
  'set-flannel-iface',
  'prefer-bundled-bin',
  'sync-clock',
] as const;

/** One pre-flight check as it crosses the contract; the types below are derived from it. */
export const CheckSchema = z.object({
  /** Stable id of the kind of check ("memory-cgroup"), unique per host. */
  id: z.string(),
  /** The host it is about, or null for a check across hosts. */
  hostId: z.string().nullable(),
  /** For checks across hosts: the hosts involved. */
  hostIds: z.array(z.string()).optional(),
  status: z.enum(['pass', 'warn', 'fail']),
  title: z.string(),
  /** Plain language: what was found and why it matters. */
  reason: z.string(),
  fix: z
    .discriminatedUnion('kind', [
      /** Things the install engine knows how to do itself when the user agrees. */
      z.object({ kind: z.literal('action'), action: z.enum(FIX_ACTIONS), description: z.string() }),
      z.object({ kind: z.literal('command'), command: z.string(), description: z.string().optional() }),
      z.object({ kind: z.literal('step'), step: z.literal('firewall') }),
    ])
    .optional(),
});

export type Check = z.output<typeof CheckSchema>;
export type CheckStatus = Check['status'];
export type CheckFix = NonNullable<Check['fix']>;
/** Things the install engine knows how to do itself when the user agrees. */
export type FixAction = (typeof FIX_ACTIONS)[number];

export type NodeRole = 'server' | 'agent';

export interface CheckHost {
  id: string;
  role: NodeRole;
  /** null when the host could not be probed (its error is reported elsewhere). */
  facts: HostFacts | null;
  /** A server's own API port (its https-listen-port); the input's apiPort when absent. */
  apiPort?: number;
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
