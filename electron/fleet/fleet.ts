/**
 * A classroom fleet on the back end's services: every machine logged in through the one hosts
 * service, the fixes as one engine run, then each cluster as an ordinary run of its own spec by
 * the same RunService, all under one limit across the fleet. Nothing here is a second engine.
 */
import pLimit, { type LimitFunction } from 'p-limit';
import { AppError } from '../../shared/errors';
import type { HostFacts } from '../../shared/facts';
import { dashboard, type ClusterRow, type MachineCell } from '../../shared/fleet/dashboard';
import { fleetFixPlan, type FleetFixPlan } from '../../shared/fleet/fixes';
import type { Preset } from '../../shared/fleet/preset';
import type { RunEvent, RunSnapshot } from '../../shared/run';
import type { ClusterSpec, NodeSpec } from '../../shared/spec';
import type { Logger } from '../backend/logger';
import type { RunService, StartedRun } from '../engine/service';
import { SshHostRunner } from '../engine/ssh-runner';
import type { HostsService } from '../probe/hosts-service';
import type { SessionPool } from '../ssh/pool';

export interface FleetContext {
  hosts: HostsService;
  pool: SessionPool;
  service: RunService;
  logger: Logger;
}

/** Every machine of the fleet in one spec: for the logins, and for the fix run's runners. */
export function fleetSpec(preset: Preset, specs: ClusterSpec[]): ClusterSpec {
  const first = specs[0];
  if (!first) throw new AppError('INVALID_INPUT', 'The roster has no machines.');
  return { ...first, name: preset.name, nodes: specs.flatMap((s) => s.nodes) };
}

export function runnerFor(pool: SessionPool, node: NodeSpec): SshHostRunner {
  return new SshHostRunner(pool, { host: node.address, port: node.port, user: node.user }, node.nodeName);
}

/** Facts of every machine, by node name; one that cannot be read is named, the others go on. */
export async function probeFleet(
  ctx: FleetContext,
  nodes: NodeSpec[],
  signal?: AbortSignal,
  /** Trust a machine seen for the first time (never a changed key), as --accept-new-host-keys. */
  options: { acceptNew?: boolean } = {},
): Promise<{ facts: Record<string, HostFacts>; failed: Record<string, string> }> {
  const limit = pLimit(16);
  const facts: Record<string, HostFacts> = {};
  const failed: Record<string, string> = {};
  await Promise.all(
    nodes.map((node) =>
      limit(async () => {
        try {
          if (options.acceptNew)
            await ctx.hosts.connectAll({
              acceptNew: true,
              targets: [
                { name: node.nodeName, target: { host: node.address, port: node.port, user: node.user } },
              ],
              onTrusted: (name, offer) =>
                ctx.logger.info('fleet', `${name}: trusted new ${offer.keyType} key ${offer.fingerprint}`),
            });
          facts[node.nodeName] = await ctx.hosts.probe(
            { host: node.address, port: node.port, user: node.user },
            signal,
          );
        } catch (error) {
          failed[node.nodeName] =
            `${node.address}: ${error instanceof Error ? error.message : String(error)}`;
        }
      }),
    ),
  );
  return { facts, failed };
}

export function planFixes(
  preset: Preset,
  specs: ClusterSpec[],
  facts: Record<string, HostFacts>,
): FleetFixPlan {
  return fleetFixPlan({ name: preset.name, specs, facts, rebootWave: preset.fixes.rebootWave });
}

/** The fixes as one run over every machine (reboots in the plan's waves). */
export function startFixes(
  ctx: FleetContext,
  options: {
    preset: Preset;
    specs: ClusterSpec[];
    fixes: FleetFixPlan;
    facts: Record<string, HostFacts>;
    onEvent?: (event: RunEvent) => void;
  },
): StartedRun {
  const spec = fleetSpec(options.preset, options.specs);
  return ctx.service.start({
    spec,
    facts: options.facts,
    plan: options.fixes.plan,
    concurrency: Math.min(16, Math.max(1, options.fixes.plan.steps.length)),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  });
}

export interface FleetBuild {
  /** The runs by cluster name (a cluster whose plan could not be made has none). */
  runs: Map<string, StartedRun>;
  /** Clusters whose plan could not be made, and why. */
  refused: Map<string, string>;
  limit: LimitFunction;
  /** Resolves when every run has ended: the final snapshots by cluster. */
  done: Promise<Map<string, RunSnapshot>>;
}

/** Every cluster at once, each its own run of its own plan, under one limit across the fleet. */
export function startBuild(
  ctx: FleetContext,
  options: {
    specs: ClusterSpec[];
    facts: Record<string, HostFacts>;
    concurrency: number;
    /** The fleet's limit already in use (a retry joins it); a new one otherwise. */
    limit?: LimitFunction;
    onEvent?: (cluster: string, event: RunEvent) => void;
  },
): FleetBuild {
  const limit = options.limit ?? pLimit(options.concurrency);
  const runs = new Map<string, StartedRun>();
  const refused = new Map<string, string>();
  for (const spec of options.specs) {
    const facts = Object.fromEntries(spec.nodes.map((n) => [n.nodeName, options.facts[n.nodeName]]));
    try {
      const plan = ctx.service.planFor(spec, facts);
      runs.set(
        spec.name,
        ctx.service.start({
          spec,
          facts,
          plan,
          sharedLimit: limit,
          ...(options.onEvent ? { onEvent: (e: RunEvent) => options.onEvent?.(spec.name, e) } : {}),
        }),
      );
    } catch (error) {
      refused.set(spec.name, error instanceof Error ? error.message : String(error));
    }
  }
  const done = Promise.all(
    [...runs].map(async ([name, started]) => [name, await started.done] as const),
  ).then((pairs) => new Map(pairs));
  return { runs, refused, limit, done };
}

/**
 * The dashboard rows of a build (failures first). A refused cluster shows every machine failed;
 * with `problems` (by node name: a machine that could not be logged in to), that machine shows
 * its own reason and the others of its cluster wait for it.
 */
export function buildRows(
  specs: ClusterSpec[],
  build: Pick<FleetBuild, 'runs' | 'refused'> & { problems?: ReadonlyMap<string, string> },
): ClusterRow[] {
  const snapshots = Object.fromEntries([...build.runs].map(([name, r]) => [name, r.run.snapshot]));
  const rows = dashboard(
    specs.map((s) => ({ cluster: s.name, machines: s.nodes.map((n) => n.nodeName) })),
    snapshots,
  );
  return rows
    .map((row): ClusterRow => {
      const why = build.refused.get(row.cluster);
      if (!why) return row;
      const own = (host: string) => build.problems?.get(host);
      const anyOwn = row.machines.some((m) => own(m.host));
      const cells = row.machines.map((m): MachineCell => {
        const mine = own(m.host);
        if (mine) return { host: m.host, state: 'failed', problem: mine };
        return anyOwn
          ? { host: m.host, state: 'blocked', problem: why }
          : { host: m.host, state: 'failed', problem: why };
      });
      return {
        ...row,
        state: 'failed',
        machines: [
          ...cells.filter((c) => c.state === 'failed'),
          ...cells.filter((c) => c.state !== 'failed'),
        ],
      };
    })
    .sort((a, b) => Number(b.state === 'failed') - Number(a.state === 'failed'));
}
