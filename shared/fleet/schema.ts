/**
 * The contract's shapes for building a classroom fleet from the app: the clusters as the
 * Classroom screen arranged them, the preset file's text (parsed on the back end), the login for
 * every machine (no secret: those go through `hosts:setCredentials`), and the dashboard the back
 * end answers with. Bounded like every input.
 */
import { z } from 'zod';
import { NodeSpec } from '../spec/schema';
import { Duration } from './preset';
import { MAX_CLUSTERS, MAX_FLEET } from './roster';

const node = NodeSpec.shape;
const Group = z.string().regex(/^[a-z0-9]([a-z0-9-]{0,18}[a-z0-9])?$/, {
  error: 'A group is 1-20 lower-case letters, digits or dashes.',
});
const Role = z.enum(['server', 'agent']);

export const FleetMachineSchema = z.strictObject({
  address: z.string().min(1).max(253),
  port: z.number().int().min(1).max(65535).optional(),
  user: z.string().min(1).max(64).optional(),
  group: Group,
  name: z.string().min(1).max(63).optional(),
  role: Role,
});

export const FleetClusterSchema = z.strictObject({
  group: Group,
  machines: z.array(FleetMachineSchema).min(1).max(MAX_FLEET),
});

/** How every machine is logged in to (the Hosts step's choices); replaces the preset's login. */
export const FleetLoginSchema = z.strictObject({
  user: node.user,
  port: node.port,
  auth: node.auth,
  /** A sudo password was handed to the back end (for every machine). */
  sudoPassword: z.boolean().default(false),
});
export type FleetLogin = z.output<typeof FleetLoginSchema>;

export const FleetBuildInput = z
  .strictObject({
    /** The ClassroomPreset file's text (class.yaml). */
    preset: z.string().min(1).max(100_000),
    clusters: z.array(FleetClusterSchema).min(1).max(MAX_CLUSTERS),
    login: FleetLoginSchema,
    /** Machines worked on at once across the fleet; the preset's when absent. */
    concurrency: z.number().int().min(1).max(64).optional(),
    /** Trust machines seen for the first time (never a changed key), as `--accept-new-host-keys`. */
    acceptNewHostKeys: z.boolean().default(false),
  })
  .refine((input) => input.clusters.reduce((n, c) => n + c.machines.length, 0) <= MAX_FLEET, {
    error: `At most ${MAX_FLEET} machines at once.`,
  });

export const FleetRetryInput = z.strictObject({
  cluster: z.string().min(1).max(63),
  /** One machine (its node name): only its failed steps and what waited on them run again. */
  host: z.string().min(1).max(63).optional(),
});

const CellState = z.enum(['pending', 'running', 'done', 'failed', 'blocked', 'cancelled']);

export const ClusterRowSchema = z.object({
  cluster: z.string(),
  state: CellState,
  machines: z.array(z.object({ host: z.string(), state: CellState, problem: z.string().optional() })),
  durationMs: z.number().optional(),
});

export const FleetDashboardSchema = z.object({
  /** The class (the preset's name). */
  name: z.string(),
  concurrency: z.number(),
  /** Some cluster's run is still going. */
  running: z.boolean(),
  /** Failures first (clusters, and machines within each). */
  rows: z.array(ClusterRowSchema),
  /** Each cluster's current run (a cluster that could not start has none). */
  runs: z.record(z.string(), z.string()),
  /** Each machine's address and role, by node name. */
  nodes: z.record(z.string(), z.object({ address: z.string(), role: Role })),
});
export type FleetDashboard = z.output<typeof FleetDashboardSchema>;

/** The fleet as the Classroom screen holds it: what fixes, hand-outs and resets work on. */
const fleetTarget = {
  preset: z.string().min(1).max(100_000),
  clusters: z.array(FleetClusterSchema).min(1).max(MAX_CLUSTERS),
  login: FleetLoginSchema,
  acceptNewHostKeys: z.boolean().default(false),
};
const fewMachines = (input: { clusters: { machines: unknown[] }[] }) =>
  input.clusters.reduce((n, c) => n + c.machines.length, 0) <= MAX_FLEET;
const ClusterNames = z.array(z.string().min(1).max(63)).min(1).max(MAX_CLUSTERS);

/** The fleet fixes: `apply: false` says what will change; `apply: true` fixes, then checks again. */
export const FleetFixesInput = z
  .strictObject({ ...fleetTarget, apply: z.boolean() })
  .refine(fewMachines, { error: `At most ${MAX_FLEET} machines at once.` });

const MachineChangeSchema = z.object({
  host: z.string(),
  address: z.string(),
  changes: z.array(z.string()),
  reboots: z.boolean(),
  wave: z.number().nullable(),
});

export const FleetFixesOutput = z.object({
  /** planned: nothing changed yet; fixed: done and checked again clean; failed: see `failed`/`remaining`. */
  status: z.enum(['planned', 'fixed', 'failed']),
  /** What will change (planned) or what was changed (fixed, failed). */
  changes: z.array(MachineChangeSchema),
  /** What the checks found that the fixes do not cover, one line each. */
  unfixed: z.array(z.string()),
  /** Machines that could not be logged in to or checked, by node name (nothing is changed then). */
  problems: z.record(z.string(), z.string()),
  /** After the fixes: what the re-check still finds to fix. */
  remaining: z.array(MachineChangeSchema),
  /** Fix steps that failed or were blocked, in words. */
  failed: z.array(z.string()),
});
export type FleetFixesResult = z.output<typeof FleetFixesOutput>;

export const HANDOUT_PER = ['student', 'group'] as const;

/** Access for the students: a kubeconfig per student (or one per group) and a join command. */
export const FleetHandoutInput = z
  .strictObject({
    ...fleetTarget,
    /** Only these clusters (all when absent). */
    only: ClusterNames.optional(),
    per: z.enum(HANDOUT_PER),
    /** Students per cluster (per: student); the preset's when absent. */
    students: z.number().int().min(1).max(50).optional(),
    /** How long the tokens stay valid; the preset's when absent. */
    ttl: Duration.optional(),
  })
  .refine(fewMachines, { error: `At most ${MAX_FLEET} machines at once.` });

const Qr = z.object({
  /** An SVG image of the QR code, or null when the text does not fit in one. */
  svg: z.string().nullable(),
  /** What the QR code holds, or why there is none. */
  note: z.string(),
});

export const FleetHandoutOutput = z.object({
  /** Where the files were written (0600) on the computer running the back end. */
  dir: z.string(),
  expiresIn: z.string(),
  clusters: z.array(
    z.object({
      cluster: z.string(),
      kubeconfigs: z.array(z.object({ namespace: z.string(), file: z.string(), qr: Qr })),
      join: z.object({ file: z.string(), node: z.string(), qr: Qr }),
    }),
  ),
});
export type FleetHandoutResult = z.output<typeof FleetHandoutOutput>;

/** One file of the last hand-out, for the browser to download. */
export const FleetHandoutFileInput = z.strictObject({
  cluster: z.string().min(1).max(63),
  file: z.string().regex(/^[a-z0-9][a-z0-9.-]{0,80}$/, { error: 'Not a hand-out file name.' }),
});

export const RESET_WHAT = ['uninstall', 'namespaces'] as const;

export const FleetResetInput = z
  .strictObject({ ...fleetTarget, what: z.enum(RESET_WHAT), only: ClusterNames.optional() })
  .refine(fewMachines, { error: `At most ${MAX_FLEET} machines at once.` });

export const FleetResetOutput = z.object({
  what: z.enum(RESET_WHAT),
  results: z.array(
    z.object({
      cluster: z.string(),
      outcome: z.enum(['done', 'failed']),
      left: z.record(z.string(), z.array(z.string())),
      namespacesLeft: z.array(z.string()).optional(),
      problem: z.string().optional(),
    }),
  ),
});
export type FleetResetResult = z.output<typeof FleetResetOutput>;
