/**
 * The contract's shapes for building a classroom fleet from the app: the clusters as the
 * Classroom screen arranged them, the preset file's text (parsed on the back end), the login for
 * every machine (no secret: those go through `hosts:setCredentials`), and the dashboard the back
 * end answers with. Bounded like every input.
 */
import { z } from 'zod';
import { NodeSpec } from '../spec/schema';
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
