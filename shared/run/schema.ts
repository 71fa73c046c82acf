/** Schemas of what the run channels carry, for the contract's validation. */
import { z } from 'zod';
import { ConnectivityResultSchema } from '../probe/schema';
import { ClusterSpec } from '../spec/schema';
import { NodeInfo, StepError, StepInfo } from './events';

const STEP_STATUSES = ['pending', 'running', 'done', 'skipped', 'failed', 'blocked', 'cancelled'] as const;
const RUN_STATUSES = ['running', 'succeeded', 'failed', 'cancelled'] as const;

/** One step of a run as a snapshot holds it. */
export const StepStateSchema = StepInfo.extend({
  status: z.enum(STEP_STATUSES),
  /** Set on 'skipped': already done, or (dry run) it would run. */
  skipReason: z.enum(['done', 'dry-run', 'not-needed']).optional(),
  startedAt: z.string().optional(),
  durationMs: z.number().optional(),
  changed: z.boolean().optional(),
  /** The latest output lines, at most MAX_OUTPUT_LINES. */
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

/** What a window shows of a run; the reducer (reduce.ts) folds events into it. */
export const RunSnapshotSchema = z.object({
  runId: z.string(),
  cluster: z.string(),
  status: z.enum(RUN_STATUSES),
  dryRun: z.boolean(),
  concurrency: z.number(),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  durationMs: z.number().optional(),
  changed: z.boolean().optional(),
  lastSeq: z.number(),
  /** Step ids in plan order. */
  order: z.array(z.string()),
  steps: z.record(z.string(), StepStateSchema),
  /** Host names in the order their first step appears. */
  hosts: z.array(z.string()),
  nodes: z.array(NodeInfo).optional(),
  kubeconfigPath: z.string().nullable().optional(),
  checkedFromHere: z.boolean().optional(),
  flows: z.array(ConnectivityResultSchema).optional(),
});

export const StartRunInput = z
  .object({
    spec: ClusterSpec,
    /** Steps at once; the engine's default (every host, up to 16) when absent. */
    concurrency: z.number().int().min(1).max(64).optional(),
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
  status: z.enum(RUN_STATUSES),
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
    /** --with-node-id: K3s appends a random id to the host name (one line for cloned machines). */
    withNodeId: z.boolean().optional(),
  })
  .strict();

export const JoinCommandOutput = z.object({ command: z.string(), tokenSource: z.string() });

/** Uninstalls the cluster a spec describes; progress comes as run events. */
export const UninstallInput = z
  .object({
    spec: ClusterSpec,
    concurrency: z.number().int().min(1).max(64).default(4),
  })
  .strict();

/** A support bundle of a cluster (and of a run, when given). */
export const BundleInput = z
  .object({
    runId: z.string().min(1).max(100).optional(),
    spec: ClusterSpec,
  })
  .strict();
