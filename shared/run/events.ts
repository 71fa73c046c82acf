/**
 * Run events: what the engine tells every front while it executes a plan, one tagged object per
 * thing that happened. Plain data only (they cross IPC and are written to the run log), already
 * redacted by the engine. `seq` orders them; a snapshot records the last `seq` it folded in.
 */
import { z } from 'zod';
import { ERROR_CODES } from '../errors';
import { ConnectivityResultSchema } from '../probe/schema';

export const StepError = z.object({
  code: z.enum(ERROR_CODES),
  message: z.string(),
  /** The last lines the step printed (or the K3s journal), redacted. */
  lastOutput: z.array(z.string()),
});
export type StepError = z.infer<typeof StepError>;

export const StepInfo = z.object({
  id: z.string(),
  host: z.string(),
  phase: z.string(),
  title: z.string(),
  dependsOn: z.array(z.string()),
});
export type StepInfo = z.infer<typeof StepInfo>;

/** A node as the cluster reports it after the run. */
export const NodeInfo = z.object({
  name: z.string(),
  ready: z.boolean(),
  roles: z.array(z.string()),
  version: z.string(),
  arch: z.string(),
  internalIp: z.string(),
});
export type NodeInfo = z.infer<typeof NodeInfo>;

const base = {
  runId: z.string(),
  seq: z.number().int().nonnegative(),
  /** ISO time on this computer. */
  time: z.string(),
};
const onStep = { ...base, host: z.string(), stepId: z.string() };

export const RunEvent = z.discriminatedUnion('type', [
  z.object({
    ...base,
    type: z.literal('run-started'),
    cluster: z.string(),
    steps: z.array(StepInfo),
    dryRun: z.boolean(),
    concurrency: z.number().int().positive(),
  }),
  /** A finished run goes on with some of its steps again (retry of one host). */
  z.object({ ...base, type: z.literal('run-resumed'), host: z.string(), stepIds: z.array(z.string()) }),
  z.object({ ...onStep, type: z.literal('step-started') }),
  z.object({
    ...onStep,
    type: z.literal('step-skipped'),
    /**
     * done: its check says it is done already; dry-run: it would run; not-needed: it only reads
     * what steps that are all done already would use (the join token on a re-run).
     */
    reason: z.enum(['done', 'dry-run', 'not-needed']),
  }),
  z.object({
    ...onStep,
    type: z.literal('output'),
    stream: z.enum(['stdout', 'stderr']),
    lines: z.array(z.string()),
  }),
  z.object({
    ...onStep,
    type: z.literal('progress'),
    /** Which action of the step runs now (0-based), of how many, and what it does. */
    action: z.number().int().nonnegative(),
    actions: z.number().int().nonnegative(),
    what: z.string(),
    /** Bytes copied so far and in all, during an upload. */
    transferred: z.number().optional(),
    total: z.number().optional(),
  }),
  z.object({ ...onStep, type: z.literal('step-finished'), durationMs: z.number(), changed: z.boolean() }),
  z.object({ ...onStep, type: z.literal('step-failed'), durationMs: z.number(), error: StepError }),
  z.object({ ...onStep, type: z.literal('step-blocked'), blockedBy: z.string() }),
  /** The nodes as the cluster lists them (after the verify step), and the kubeconfig written. */
  z.object({
    ...base,
    type: z.literal('cluster-checked'),
    nodes: z.array(NodeInfo),
    kubeconfigPath: z.string().nullable(),
    /** Whether the API answered from this computer with that kubeconfig. */
    checkedFromHere: z.boolean(),
    /** Every flow of the flow table between the nodes, tested after the install. */
    flows: z.array(ConnectivityResultSchema).optional(),
  }),
  z.object({
    ...base,
    type: z.literal('run-finished'),
    outcome: z.enum(['succeeded', 'failed', 'cancelled']),
    /** False when every step was already done: the run changed nothing. */
    changed: z.boolean(),
    durationMs: z.number(),
  }),
]);
export type RunEvent = z.infer<typeof RunEvent>;
export type RunEventType = RunEvent['type'];

/** An event without the fields the engine stamps on every one. */
export type RunEventBody = RunEvent extends infer E
  ? E extends RunEvent
    ? Omit<E, 'runId' | 'seq' | 'time'>
    : never
  : never;
