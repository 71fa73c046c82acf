/**
 * The contract's shapes for upgrade and remove from the cluster page: what the planners answer
 * (a plan, or a refusal with its reason) and what the user chose. Bounded like every input.
 */
import { z } from 'zod';
import { ClusterSpec } from '../spec/schema';

const Name = z.string().min(1).max(253);
const Text = z.string().max(4000);
const Version = z.string().min(1).max(100);
const Channel = z.string().regex(/^[a-z0-9.-]{1,40}$/, 'A channel is a name like stable, latest or v1.33.');

export const RefusalSchema = z.object({ ok: z.literal(false), reason: Text });

export const UpgradePlanSchema = z.object({
  cluster: z.string(),
  target: z.string(),
  nodes: z.array(
    z.object({
      name: z.string(),
      role: z.enum(['server', 'agent']),
      from: z.string(),
      to: z.string(),
      kind: z.enum(['upgrade', 'uncordon', 'skip']),
      uncordon: z.boolean(),
      note: z.string().nullable(),
    }),
  ),
  downgrade: z.boolean(),
  warnings: z.array(z.string()),
});

export const PlanUpgradeInput = z
  .strictObject({
    spec: ClusterSpec,
    to: z.discriminatedUnion('kind', [
      z.strictObject({ kind: z.literal('version'), version: Version }),
      z.strictObject({ kind: z.literal('channel'), channel: Channel }),
    ]),
    force: z.boolean().default(false),
  })
  .strict();

export const PlanUpgradeOutput = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), plan: UpgradePlanSchema }),
  RefusalSchema,
]);

const Drain = {
  drain: z.boolean().default(true),
  drainTimeoutSeconds: z
    .number()
    .int()
    .min(1)
    .max(24 * 3600)
    .default(120),
};

export const UpgradeInput = z.strictObject({
  spec: ClusterSpec,
  /** The exact release the plan showed (a channel is resolved by planUpgrade first). */
  version: Version,
  force: z.boolean().default(false),
  concurrency: z.number().int().min(1).max(64).default(1),
  readyTimeoutSeconds: z
    .number()
    .int()
    .min(1)
    .max(24 * 3600)
    .default(300),
  ...Drain,
});

export const PlanRemoveInput = z.strictObject({ spec: ClusterSpec, node: Name });

export const RemovalPreviewSchema = z.object({
  ok: z.literal(true),
  node: z.string(),
  role: z.enum(['server', 'agent']),
  address: z.string(),
  inCluster: z.boolean(),
  ready: z.boolean(),
  reachable: z.boolean(),
  firewallPeers: z.array(z.string()),
  warnings: z.array(z.string()),
});

export const PlanRemoveOutput = z.discriminatedUnion('ok', [RemovalPreviewSchema, RefusalSchema]);

export const RemoveInput = z.strictObject({ spec: ClusterSpec, node: Name, ...Drain });

/** Rotating the cluster token: how long each node may take to restart and be Ready. */
export const RotateTokenInput = z.strictObject({
  spec: ClusterSpec,
  readyTimeoutSeconds: z
    .number()
    .int()
    .min(1)
    .max(24 * 3600)
    .default(300),
});

export const DayTwoStarted = z.object({ runId: z.string() });

export type UpgradePlanView = z.output<typeof UpgradePlanSchema>;
export type RemovalPreview = z.output<typeof RemovalPreviewSchema>;
export type PlanUpgradeAnswer = z.output<typeof PlanUpgradeOutput>;
export type PlanRemoveAnswer = z.output<typeof PlanRemoveOutput>;
