/**
 * The app's classroom build: the fleet the Classroom screen arranged, built as the command line
 * builds it (electron/fleet/fleet.ts: every machine checked through the one hosts service, each
 * cluster an ordinary run of its own spec by the RunService, all under one limit across the
 * fleet), kept here so the dashboard can be asked for and a machine or a cluster retried.
 * One fleet at a time: a teacher has one class in front of them.
 */
import type { LimitFunction } from 'p-limit';
import { AppError } from '../../shared/errors';
import type { HostFacts } from '../../shared/facts';
import { fleetSpecs, type FleetCluster } from '../../shared/fleet/assign';
import { parsePreset, type Preset } from '../../shared/fleet/preset';
import type { FleetDashboard, FleetLogin } from '../../shared/fleet/schema';
import { formatIssue, type ClusterSpec } from '../../shared/spec';
import type { StartedRun } from '../engine/service';
import { buildRows, probeFleet, startBuild, type FleetContext } from './fleet';

interface Fleet {
  preset: Preset;
  specs: ClusterSpec[];
  concurrency: number;
  limit: LimitFunction | null;
  acceptNew: boolean;
  facts: Record<string, HostFacts>;
  runs: Map<string, StartedRun>;
  /** Clusters that could not start, and why. */
  refused: Map<string, string>;
  /** Machines that could not be logged in to or checked, by node name. */
  problems: Map<string, string>;
  /** Clusters whose machines are being checked before their run starts. */
  checking: Set<string>;
}

export interface FleetBuildRequest {
  preset: string;
  clusters: FleetCluster[];
  login: FleetLogin;
  concurrency?: number;
  acceptNewHostKeys: boolean;
}

/** The preset's text as the command line reads it, every problem named; the login is the app's. */
export function presetFor(text: string, login: FleetLogin): Preset {
  const parsed = parsePreset(text);
  if (!parsed.preset)
    throw new AppError(
      'SPEC_INVALID',
      `The preset has problems; nothing was done: ${parsed.issues.map((i) => formatIssue(i)).join('; ')}`,
      { problems: parsed.issues.map((i) => formatIssue(i)) },
    );
  if (parsed.preset.install.source === 'airgap' && !parsed.preset.install.folder.startsWith('/'))
    throw new AppError(
      'SPEC_INVALID',
      'The air-gap folder in the preset must be a full path (from /) on the computer running k3s-wizard.',
    );
  return {
    ...parsed.preset,
    login: {
      user: login.user,
      port: login.port,
      auth: login.auth,
      sudo: { password: login.sudoPassword },
    },
  };
}

export class FleetService {
  private fleet: Fleet | null = null;

  constructor(private readonly ctx: () => FleetContext) {}

  private running(fleet: Fleet): boolean {
    return fleet.checking.size > 0 || [...fleet.runs.values()].some((r) => r.run.running);
  }

  /** Checks every machine, then starts every cluster that can be planned; answers at once after. */
  async build(request: FleetBuildRequest, signal?: AbortSignal): Promise<FleetDashboard> {
    if (this.fleet && this.running(this.fleet))
      throw new AppError(
        'INVALID_INPUT',
        'A classroom build is still going: wait for it to end, or stop it first.',
      );
    const preset = presetFor(request.preset, request.login);
    let specs: ClusterSpec[];
    try {
      specs = fleetSpecs(request.clusters, preset);
    } catch (error) {
      throw new AppError('SPEC_INVALID', (error as Error).message);
    }
    const fleet: Fleet = {
      preset,
      specs,
      concurrency: request.concurrency ?? preset.build.concurrency,
      limit: null,
      acceptNew: request.acceptNewHostKeys,
      facts: {},
      runs: new Map(),
      refused: new Map(),
      problems: new Map(),
      checking: new Set(),
    };
    this.fleet = fleet;
    const machines = specs.reduce((n, s) => n + s.nodes.length, 0);
    this.ctx().logger.info(
      'fleet',
      `${preset.name}: building ${specs.length} clusters of ${machines} machines, ${fleet.concurrency} at a time`,
    );
    await this.start(fleet, specs, signal);
    return this.dashboard();
  }

  /** Checks these clusters' machines again and starts a new run of each that can start. */
  private async start(fleet: Fleet, specs: ClusterSpec[], signal?: AbortSignal): Promise<void> {
    const ctx = this.ctx();
    const nodes = specs.flatMap((s) => s.nodes);
    // Until checked, these clusters show as waiting (not their last run, nor why they were refused).
    for (const s of specs) {
      fleet.checking.add(s.name);
      fleet.runs.delete(s.name);
      fleet.refused.delete(s.name);
    }
    let probed;
    try {
      probed = await probeFleet(ctx, nodes, signal, { acceptNew: fleet.acceptNew });
    } finally {
      for (const s of specs) fleet.checking.delete(s.name);
    }
    for (const node of nodes) {
      const failed = probed.failed[node.nodeName];
      if (failed) fleet.problems.set(node.nodeName, `could not be checked: ${failed}`);
      else fleet.problems.delete(node.nodeName);
    }
    Object.assign(fleet.facts, probed.facts);
    const ready: ClusterSpec[] = [];
    for (const spec of specs) {
      const unread = spec.nodes.filter((n) => fleet.problems.has(n.nodeName)).map((n) => n.nodeName);
      if (unread.length) {
        fleet.runs.delete(spec.name);
        fleet.refused.set(spec.name, `not started: ${unread.join(', ')} could not be checked`);
      } else ready.push(spec);
    }
    if (!ready.length) return;
    const build = startBuild(ctx, {
      specs: ready,
      facts: fleet.facts,
      concurrency: fleet.concurrency,
      ...(fleet.limit ? { limit: fleet.limit } : {}),
    });
    fleet.limit = build.limit;
    for (const spec of ready) {
      const why = build.refused.get(spec.name);
      const run = build.runs.get(spec.name);
      if (why) {
        fleet.runs.delete(spec.name);
        fleet.refused.set(spec.name, why);
      } else if (run) {
        fleet.refused.delete(spec.name);
        fleet.runs.set(spec.name, run);
        void run.done.catch((error: unknown) =>
          ctx.logger.error(
            'fleet',
            `${spec.name}: ${error instanceof Error ? error.message : String(error)}`,
          ),
        );
      }
    }
  }

  /**
   * A machine: its failed or blocked steps run again in its cluster's run, and what waited on
   * them. A cluster (or a machine of a cluster that never started): its machines are checked
   * again and a new run of its spec starts; the steps that are done are skipped by their checks.
   */
  async retry(request: { cluster: string; host?: string }, signal?: AbortSignal): Promise<FleetDashboard> {
    const fleet = this.need();
    const spec = fleet.specs.find((s) => s.name === request.cluster);
    if (!spec)
      throw new AppError(
        'NOT_FOUND',
        `There is no cluster ${request.cluster}; the clusters are ${fleet.specs.map((s) => s.name).join(', ')}.`,
      );
    if (request.host && !spec.nodes.some((n) => n.nodeName === request.host))
      throw new AppError('NOT_FOUND', `${spec.name} has no machine ${request.host}.`);
    const started = fleet.runs.get(spec.name);
    if (started?.run.running || fleet.checking.has(spec.name))
      throw new AppError('INVALID_INPUT', `${spec.name} is still being built: wait for it to end first.`);
    const ctx = this.ctx();
    if (request.host && started && !fleet.refused.has(spec.name)) {
      ctx.logger.info('fleet', `${spec.name}: retrying ${request.host}`);
      void started.run
        .retryHost(request.host)
        .catch((error: unknown) =>
          ctx.logger.error(
            'fleet',
            `${spec.name}: ${error instanceof Error ? error.message : String(error)}`,
          ),
        );
      return this.dashboard();
    }
    ctx.logger.info('fleet', `${spec.name}: building again`);
    await this.start(fleet, [spec], signal);
    return this.dashboard();
  }

  /** Stops every run of the fleet (what ran stays done; a retry goes on from there). */
  cancel(): FleetDashboard {
    const fleet = this.need();
    for (const r of fleet.runs.values()) if (r.run.running) r.run.cancel();
    return this.dashboard();
  }

  dashboard(): FleetDashboard {
    const fleet = this.need();
    return {
      name: fleet.preset.name,
      concurrency: fleet.concurrency,
      running: this.running(fleet),
      rows: buildRows(fleet.specs, fleet),
      runs: Object.fromEntries([...fleet.runs].map(([name, r]) => [name, r.run.runId])),
      nodes: Object.fromEntries(
        fleet.specs.flatMap((s) => s.nodes.map((n) => [n.nodeName, { address: n.address, role: n.role }])),
      ),
    };
  }

  private need(): Fleet {
    if (!this.fleet) throw new AppError('NOT_FOUND', 'No classroom has been built since k3s-wizard started.');
    return this.fleet;
  }
}
