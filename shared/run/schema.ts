/** Schemas of what the run channels carry, for the contract's validation. */
import { z } from 'zod';
import { ConnectivityResultSchema } from '../probe/schema';
import { HostFactsSchema } from '../facts-schema';
import { ClusterSpec } from '../spec/schema';
import { NodeInfo, StepError } from './events';
import type { RunSnapshot } from './reduce';

const STEP_STATUSES = ['pending', 'running', 'done', 'skipped', 'failed', 'blocked', 'cancelled'] as const;

export const StepStateSchema = z.object({
  id: z.string(),
  host: z.string(),
  phase: z.string(),
  title: z.string(),
  dependsOn: z.array(z.string()),
  status: z.enum(STEP_STATUSES),
  skipReason: z.enum(['done', 'dry-run']).optional(),
  startedAt: z.string().optional(),
  durationMs: z.number().optional(),
  changed: z.boolean().optional(),
  output: z.array(z.string()),
  progress: z
    .object({
      action: z.number(),
      actions: z.number(),
      what: z.string(),
      transferred: z.number().optional(),
      total: z.number().optional(),
    })
    .optional(),
  error: StepError.optional(),
  blockedBy: z.string().optional(),
});

export const RunSnapshotSchema = z.object({
  runId: z.string(),
  cluster: z.string(),
  status: z.enum(['running', 'succeeded', 'failed', 'cancelled']),
  dryRun: z.boolean(),
  concurrency: z.number(),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  durationMs: z.number().optional(),
  changed: z.boolean().optional(),
  lastSeq: z.number(),
  order: z.array(z.string()),
  steps: z.record(z.string(), StepStateSchema),
  hosts: z.array(z.string()),
  nodes: z.array(NodeInfo).optional(),
  kubeconfigPath: z.string().nullable().optional(),
  checkedFromHere: z.boolean().optional(),
  flows: z.array(ConnectivityResultSchema).optional(),
});

// The schema and the reducer's type must describe the same thing.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const snapshotSchemaMatches: Same<z.output<typeof RunSnapshotSchema>, RunSnapshot> = true;

export const StartRunInput = z
  .object({
    spec: ClusterSpec,
    facts: z.record(z.string(), HostFactsSchema).default({}),
    concurrency: z.number().int().min(1).max(64).default(4),
    dryRun: z.boolean().default(false),
    /** Only these plan steps (e.g. one fix from the Checks step); all of them when absent. */
    steps: z.array(z.string().min(1).max(200)).min(1).max(100).optional(),
  })
  .strict();

export const RunRefInput = z.object({ runId: z.string().min(1).max(100) }).strict();
export const RetryHostInput = z
  .object({ runId: z.string().min(1).max(100), host: z.string().min(1).max(253) })
  .strict();

export const RunSummarySchema = z.object({
  runId: z.string(),
  cluster: z.string(),
  status: z.enum(['running', 'succeeded', 'failed', 'cancelled']),
  startedAt: z.string(),
});

/** The copyable join command of a run's cluster; the token stays masked unless `reveal`. */
export const JoinCommandInput = z
  .object({
    runId: z.string().min(1).max(100),
    role: z.enum(['agent', 'server']).optional(),
    /** An expiring bootstrap token (agents only), e.g. "2h". */
    ttl: z
      .string()
      .regex(/^(\d+h)?(\d+m)?(\d+s)?$/, { error: 'Give a duration such as 2h or 30m.' })
      .min(2)
      .max(20)
      .optional(),
    reveal: z.boolean().default(false),
  })
  .strict();

export const JoinCommandOutput = z.object({ command: z.string(), tokenSource: z.string() });

/** Uninstalls the cluster a spec describes; progress comes as run events. */
export const UninstallInput = z
  .object({
    spec: ClusterSpec,
    facts: z.record(z.string(), HostFactsSchema).default({}),
    concurrency: z.number().int().min(1).max(64).default(4),
  })
  .strict();

/** A support bundle of a cluster (and of a run, when given). */
export const BundleInput = z
  .object({
    runId: z.string().min(1).max(100).optional(),
    spec: ClusterSpec,
    facts: z.record(z.string(), HostFactsSchema).default({}),
  })
  .strict();
