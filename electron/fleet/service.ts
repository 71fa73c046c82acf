/**
 * The app's classroom build: the fleet the Classroom screen arranged, built as the command line
 * builds it (electron/fleet/fleet.ts: every machine checked through the one hosts service, each
 * cluster an ordinary run of its own spec by the RunService, all under one limit across the
 * fleet), kept here so the dashboard can be asked for and a machine or a cluster retried.
 * One fleet at a time: a teacher has one class in front of them.
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { LimitFunction } from 'p-limit';
import QRCode from 'qrcode';
import { AppError } from '../../shared/errors';
import type { HostFacts } from '../../shared/facts';
import { clusterName, fleetSpecs, type FleetCluster } from '../../shared/fleet/assign';
import { describeFixes } from '../../shared/fleet/fixes';
import { fitsInQr, QR_MAX_BYTES, type HandoutPer } from '../../shared/fleet/handout';
import { parsePreset, type Preset } from '../../shared/fleet/preset';
import type {
  FleetDashboard,
  FleetFixesResult,
  FleetHandoutResult,
  FleetLogin,
  FleetResetResult,
} from '../../shared/fleet/schema';
import { formatIssue, type ClusterSpec } from '../../shared/spec';
import type { StartedRun } from '../engine/service';
import { buildRows, planFixes, probeFleet, startBuild, startFixes, type FleetContext } from './fleet';
import { handOut } from './handout';
import { resetNamespaces, uninstallFleet } from './reset';

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

/** The fleet as the Classroom screen holds it. */
export interface FleetTarget {
  preset: string;
  clusters: FleetCluster[];
  login: FleetLogin;
  acceptNewHostKeys: boolean;
}

export interface FleetBuildRequest extends FleetTarget {
  concurrency?: number;
}

/** A QR code of a text, as SVG, when it fits in one a phone reads from paper. */
async function qrOf(text: string, what: string, file: string): Promise<{ svg: string | null; note: string }> {
  const bytes = Buffer.byteLength(text);
  if (!fitsInQr(text))
    return {
      svg: null,
      note: `${what} is ${bytes} bytes, too much for a QR code that scans (at most ${QR_MAX_BYTES}): hand out the file ${file}.`,
    };
  return {
    svg: await QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'L', margin: 2 }),
    note: what,
  };
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

  /** Something other than a build holds the fleet's machines (fixes, a hand-out, a reset). */
  private busy: string | null = null;
  /** The last hand-out's files, by cluster then file name. */
  private handoutFiles = new Map<string, Map<string, string>>();

  constructor(
    private readonly ctx: () => FleetContext,
    /** Where hand-outs are written (a folder of the app's data, 0700). */
    private readonly handoutDir: () => string = () => 'handout',
  ) {}

  /** The fleet's preset and specs, every problem named; refused while something else runs. */
  private target(request: FleetTarget, doing: string): { preset: Preset; specs: ClusterSpec[] } {
    if (this.fleet && this.running(this.fleet))
      throw new AppError(
        'INVALID_INPUT',
        `A classroom build is still going: wait for it to end, or stop it first, then ${doing}.`,
      );
    if (this.busy)
      throw new AppError(
        'INVALID_INPUT',
        `The machines are busy (${this.busy}): wait for it to end, then ${doing}.`,
      );
    const preset = presetFor(request.preset, request.login);
    try {
      return { preset, specs: fleetSpecs(request.clusters, preset) };
    } catch (error) {
      throw new AppError('SPEC_INVALID', (error as Error).message);
    }
  }

  private async hold<T>(what: string, work: () => Promise<T>): Promise<T> {
    this.busy = what;
    try {
      return await work();
    } finally {
      this.busy = null;
    }
  }

  /** Only the clusters named (all when none), every name checked. */
  private chosen(specs: ClusterSpec[], only?: string[]): ClusterSpec[] {
    if (!only) return specs;
    const unknown = only.filter((c) => !specs.some((s) => s.name === c));
    if (unknown.length)
      throw new AppError(
        'NOT_FOUND',
        `No cluster ${unknown.join(', ')}; the clusters are ${specs.map((s) => s.name).join(', ')}.`,
      );
    return specs.filter((s) => only.includes(s.name));
  }

  /** Logs in to and checks machines; any that cannot be is named and nothing is done. */
  private async checked(
    nodes: ClusterSpec['nodes'],
    acceptNew: boolean,
    doing: string,
    signal?: AbortSignal,
  ): Promise<Record<string, HostFacts>> {
    const probed = await probeFleet(this.ctx(), nodes, signal, { acceptNew });
    const failed = Object.entries(probed.failed);
    if (failed.length)
      throw new AppError(
        'COMMAND_FAILED',
        `${failed.length} machines could not be checked, so nothing was done (${doing}): ${failed.map(([h, w]) => `${h}: ${w}`).join('; ')}`,
        { problems: failed.map(([h, w]) => `${h}: ${w}`) },
      );
    return probed.facts;
  }

  /**
   * The fleet fixes (cloned host names, shared machine-ids, the Pis' memory cgroup, reboots in
   * the preset's waves): with `apply` false, what will change; with `apply`, the fixes as one
   * engine run, then every machine checked again and what is still to fix.
   */
  async fixes(request: FleetTarget & { apply: boolean }, signal?: AbortSignal): Promise<FleetFixesResult> {
    const { preset, specs } = this.target(request, request.apply ? 'fix the machines' : 'check them');
    const ctx = this.ctx();
    const nodes = specs.flatMap((s) => s.nodes);
    return this.hold(request.apply ? 'fixing the machines' : 'checking the machines', async () => {
      const probed = await probeFleet(ctx, nodes, signal, { acceptNew: request.acceptNewHostKeys });
      const fixes = planFixes(preset, specs, probed.facts);
      const unfixed = fixes.unfixed.map(
        (c) => `${c.hostId ?? (c.hostIds ?? []).join(', ')}: ${c.title}: ${c.reason}`,
      );
      const result: FleetFixesResult = {
        status: 'planned',
        changes: fixes.changes,
        unfixed,
        problems: probed.failed,
        remaining: [],
        failed: [],
      };
      // A machine that cannot be checked could be a clone of another: nothing is changed then.
      if (!request.apply || Object.keys(probed.failed).length || !fixes.plan.steps.length) return result;
      ctx.logger.info(
        'fleet',
        `${preset.name}: fixing ${fixes.changes.length} machines: ${describeFixes(fixes).join('; ')}`,
      );
      const started = startFixes(ctx, { preset, specs, fixes, facts: probed.facts });
      // Not stopped when the window goes away (a reload): a Pi half-way through its reboot wave
      // is better left to finish; meanwhile the fleet is busy, and says so.
      const snapshot = await started.done;
      result.failed = snapshot.order
        .map((id) => snapshot.steps[id])
        .filter((s) => s?.status === 'failed' || s?.status === 'blocked' || s?.status === 'cancelled')
        .map((s) =>
          s?.status === 'blocked'
            ? `${s.host}: blocked by ${s.blockedBy ?? 'an earlier fix'}`
            : `${s?.host ?? '?'}: ${s?.status === 'cancelled' ? 'stopped' : (s?.error?.message ?? 'failed')}`,
        );
      // Checked again: the new names, ids and cgroups as the machines now report them.
      const again = await probeFleet(ctx, nodes, signal, { acceptNew: request.acceptNewHostKeys });
      result.problems = again.failed;
      const remaining = planFixes(preset, specs, again.facts);
      result.remaining = remaining.changes;
      result.unfixed = remaining.unfixed.map(
        (c) => `${c.hostId ?? (c.hostIds ?? []).join(', ')}: ${c.title}: ${c.reason}`,
      );
      result.status =
        snapshot.status === 'succeeded' && !remaining.changes.length && !Object.keys(again.failed).length
          ? 'fixed'
          : 'failed';
      return result;
    });
  }

  /**
   * Access for the students of each built cluster: kubeconfigs (one per student, or one per
   * group) and a join command whose tokens expire after the lesson, as files (0600) in the app's
   * data; with a QR code of each where it fits in one.
   */
  async handout(
    request: FleetTarget & { only?: string[]; per: HandoutPer; ttl?: string },
    signal?: AbortSignal,
  ): Promise<FleetHandoutResult> {
    const { preset, specs: all } = this.target(request, 'hand out access');
    const specs = this.chosen(all, request.only);
    // Built here since the back end started: only clusters whose build finished get access.
    if (this.fleet) {
      const rows = buildRows(this.fleet.specs, this.fleet);
      const unbuilt = specs.filter((s) => {
        const row = rows.find((r) => r.cluster === s.name);
        return row && row.state !== 'done';
      });
      if (unbuilt.length)
        throw new AppError(
          'INVALID_INPUT',
          `${unbuilt.map((s) => s.name).join(', ')} ${unbuilt.length === 1 ? 'is' : 'are'} not built yet: build or retry ${unbuilt.length === 1 ? 'it' : 'them'} first, then hand out access.`,
        );
    }
    const ctx = this.ctx();
    const servers = specs.flatMap((s) => s.nodes.filter((n) => n.role === 'server').slice(0, 1));
    return this.hold('handing out access', async () => {
      const facts = await this.checked(servers, request.acceptNewHostKeys, 'hand out access', signal);
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const dir = join(this.handoutDir(), `${preset.name}-${stamp}`);
      const ttl = request.ttl ?? preset.handout.ttl;
      const clusters: FleetHandoutResult['clusters'] = [];
      for (const spec of specs) {
        const cluster = request.clusters.find((c) => clusterName(preset, c.group) === spec.name);
        const server = spec.nodes.find((n) => n.role === 'server');
        if (!cluster || !server) continue;
        const h = await handOut(ctx, {
          spec,
          cluster,
          preset,
          dir,
          facts: facts[server.nodeName] ?? null,
          per: request.per,
          ttl,
          ...(signal ? { signal } : {}),
        });
        const files = new Map<string, string>();
        const kubeconfigs = [];
        for (const k of h.kubeconfigs) {
          const file = basename(k.path);
          files.set(file, k.path);
          kubeconfigs.push({
            namespace: k.namespace,
            file,
            qr: await qrOf(readFileSync(k.path, 'utf8'), `The kubeconfig of ${k.namespace}`, file),
          });
        }
        const joinName = basename(h.joinFile);
        files.set(joinName, h.joinFile);
        const command = readFileSync(h.joinFile, 'utf8')
          .split('\n')
          .filter((l) => l.trim() && !l.startsWith('#'))
          .join('\n');
        this.handoutFiles.set(spec.name, files);
        clusters.push({
          cluster: spec.name,
          kubeconfigs,
          join: {
            file: joinName,
            node: h.joinNode,
            qr: await qrOf(command, `The command that joins one more machine as ${h.joinNode}`, joinName),
          },
        });
      }
      ctx.logger.info(
        'fleet',
        `${preset.name}: access handed out to ${clusters.length} clusters in ${dir} (expires in ${ttl})`,
      );
      return { dir, expiresIn: ttl, clusters };
    });
  }

  /** One file of the last hand-out, for the browser to save (only those files). */
  handoutFile(request: { cluster: string; file: string }): {
    name: string;
    mediaType: string;
    base64: string;
  } {
    const path = this.handoutFiles.get(request.cluster)?.get(request.file);
    if (!path)
      throw new AppError(
        'NOT_FOUND',
        `The last hand-out has no file ${request.file} for ${request.cluster}: hand out access again.`,
      );
    return {
      name: `${request.cluster}-${request.file}`,
      mediaType: request.file.endsWith('.kubeconfig') ? 'application/yaml' : 'text/plain',
      base64: readFileSync(path).toString('base64'),
    };
  }

  /**
   * After class: every chosen cluster uninstalled, or only the students' namespaces deleted;
   * then what is left, looked for on the machines.
   */
  async reset(
    request: FleetTarget & { what: 'uninstall' | 'namespaces'; only?: string[] },
    signal?: AbortSignal,
  ): Promise<FleetResetResult> {
    const { preset, specs: all } = this.target(request, 'reset');
    const specs = this.chosen(all, request.only);
    const ctx = this.ctx();
    const nodes =
      request.what === 'uninstall'
        ? specs.flatMap((s) => s.nodes)
        : specs.flatMap((s) => s.nodes.filter((n) => n.role === 'server').slice(0, 1));
    return this.hold(request.what === 'uninstall' ? 'uninstalling' : 'deleting namespaces', async () => {
      await this.checked(nodes, request.acceptNewHostKeys, 'reset', signal);
      ctx.logger.info(
        'fleet',
        `${preset.name}: reset (${request.what}) of ${specs.map((s) => s.name).join(', ')}`,
      );
      const results =
        request.what === 'uninstall'
          ? await uninstallFleet(ctx, { specs, concurrency: preset.build.concurrency })
          : await resetNamespaces(ctx, { specs, preset });
      if (request.what === 'uninstall') {
        for (const s of specs) this.handoutFiles.delete(s.name);
        // The build's dashboard described clusters that are gone.
        if (this.fleet && this.fleet.specs.every((s) => specs.some((x) => x.name === s.name)))
          this.fleet = null;
      }
      return { what: request.what, results };
    });
  }

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
    if (this.busy)
      throw new AppError(
        'INVALID_INPUT',
        `The machines are busy (${this.busy}): wait for it to end, then build.`,
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
