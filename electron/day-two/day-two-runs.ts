/**
 * Upgrade and remove for the desktop and browser fronts: the same planners (shared/day-two) and
 * the same engine functions (runUpgrade, runRemoval) the command line calls, over the hosts
 * service's sessions (the logins the cluster page already uses). A run is told as run events on
 * the hub, like an install, and its snapshot is kept here for `run:snapshot`.
 */
import { AppError } from '../../shared/errors';
import {
  planRemoval,
  planUpgrade,
  type PeerRules,
  type RemovalPlan,
  type UpgradePlan,
  type UpgradePlanResult,
} from '../../shared/day-two';
import type { K3sArch } from '../../shared/facts';
import type { RunEvent, RunSnapshot } from '../../shared/run';
import { supportsTokenRotate } from '../../shared/day-two/tokens';
import { contextName, firstServer, kubeconfigUrl, type ClusterSpec } from '../../shared/spec';
import type { Logger } from '../backend/logger';
import { readAirgapFolder } from '../engine/airgap-folder';
import type { HostRunner } from '../engine/host-runner';
import { runnersOf } from '../engine/runners';
import { expandHome } from '../ssh/auth';
import type { SessionPool } from '../ssh/pool';
import { Activity } from './activity';
import { resolveChannel } from './cluster';
import { readClusterNodes } from './cluster-read';
import { addressesOf, peerRulesOf, reachable } from './peer-rules';
import { moveKubeconfigServer } from './kubeconfig-move';
import { runRemoval } from './remove';
import { runRotation } from './rotate';
import { CordonLedger, RotationLedger, statePath } from './state';
import { runUpgrade } from './upgrade';

const ARCHES: readonly string[] = ['amd64', 'arm64', 'arm'];

export interface DayTwoRunsOptions {
  dataDir: string;
  logger: Logger;
  pool: () => SessionPool;
  onEvent: (event: RunEvent) => void;
  /** Where the kubeconfig lives (KUBECONFIG, HOME): it follows a first server that leaves. */
  env?: NodeJS.ProcessEnv;
  /** The machines' runners (default: over the pool's sessions); tests give fakes. */
  runners?: (spec: ClusterSpec) => (name: string) => HostRunner;
}

export type UpgradePreview = { ok: true; plan: UpgradePlan } | { ok: false; reason: string };

export interface RemovalPreview {
  ok: true;
  node: string;
  role: 'server' | 'agent';
  address: string;
  inCluster: boolean;
  ready: boolean;
  reachable: boolean;
  /** The nodes whose firewalls hold rules for it (taken out). */
  firewallPeers: string[];
  warnings: string[];
}

export interface DrainChoice {
  drain: boolean;
  drainTimeoutSeconds: number;
}

export class DayTwoRuns {
  private readonly runs = new Map<string, Activity>();
  private readonly busy = new Set<string>();

  constructor(private readonly options: DayTwoRunsOptions) {}

  private runnersOf(spec: ClusterSpec): (name: string) => HostRunner {
    if (this.options.runners) return this.options.runners(spec);
    return runnersOf({ pool: this.options.pool, spec });
  }

  /** The snapshot of a day-two run started here; null when the id is not one of them. */
  snapshot(runId: string): RunSnapshot | null {
    const activity = this.runs.get(runId);
    if (!activity) return null;
    const s = activity.snapshot;
    if (!s) throw new AppError('NOT_FOUND', `The run ${runId} has not started.`);
    return s;
  }

  private async target(
    spec: ClusterSpec,
    runnerFor: (n: string) => HostRunner,
    to: { version?: string | undefined; channel?: string | undefined },
    signal: AbortSignal,
  ): Promise<string> {
    if (to.version) return to.version;
    const first = firstServer(spec);
    if (!first) throw new AppError('SPEC_INVALID', `${spec.name} has no server.`);
    return resolveChannel(runnerFor(first.nodeName), spec, to.channel ?? '', signal);
  }

  private async upgradePlan(
    spec: ClusterSpec,
    runnerFor: (n: string) => HostRunner,
    request: { version?: string | undefined; channel?: string | undefined; force: boolean },
    signal: AbortSignal,
  ): Promise<{ planned: UpgradePlanResult; nodes: Awaited<ReturnType<typeof readClusterNodes>> }> {
    const nodes = await readClusterNodes(spec, runnerFor, signal);
    const target = await this.target(spec, runnerFor, request, signal);
    const ledger = new CordonLedger(statePath(this.options.dataDir, spec.name));
    const planned = planUpgrade({
      spec,
      cluster: nodes,
      target,
      force: request.force,
      cordonedByUs: ledger.nodes,
      file: `cluster ${spec.name}`,
    });
    return { planned, nodes };
  }

  /** The upgrade planner's answer: per node from which version to which, or its refusal. */
  async planUpgrade(
    spec: ClusterSpec,
    request: { version?: string | undefined; channel?: string | undefined; force: boolean },
    signal: AbortSignal = AbortSignal.timeout(120_000),
  ): Promise<UpgradePreview> {
    const { planned } = await this.upgradePlan(spec, this.runnersOf(spec), request, signal);
    return planned;
  }

  private claim(spec: ClusterSpec): () => void {
    if (this.busy.has(spec.name))
      throw new AppError(
        'INVALID_INPUT',
        `An upgrade, a removal or a token rotation is running on ${spec.name}: wait for it to finish.`,
      );
    this.busy.add(spec.name);
    return () => this.busy.delete(spec.name);
  }

  private activity(spec: ClusterSpec): Activity {
    const activity = new Activity({
      cluster: spec.name,
      dataDir: this.options.dataDir,
      logger: this.options.logger,
      signal: new AbortController().signal,
      onEvent: this.options.onEvent,
    });
    this.runs.set(activity.runId, activity);
    return activity;
  }

  /**
   * Plans again (the cluster may have moved since the preview) and starts the rollout; resolves
   * with the run's id once its first event is out. A refusal is an error here.
   */
  async upgrade(
    spec: ClusterSpec,
    request: {
      version: string;
      force: boolean;
      concurrency: number;
      readyTimeoutSeconds: number;
    } & DrainChoice,
  ): Promise<{ runId: string }> {
    const release = this.claim(spec);
    try {
      const runnerFor = this.runnersOf(spec);
      const { planned, nodes } = await this.upgradePlan(
        spec,
        runnerFor,
        { version: request.version, force: request.force },
        AbortSignal.timeout(120_000),
      );
      if (!planned.ok) throw new AppError('PLAN_FAILED', planned.reason);
      const plan = planned.plan;
      const byName = new Map(nodes.map((n) => [n.name, n]));
      const airgap =
        spec.install.source === 'airgap'
          ? {
              inventory: readAirgapFolder(expandHome(spec.install.folder)),
              arch: (name: string) => {
                const a = byName.get(name)?.arch ?? '';
                return ARCHES.includes(a) ? (a as K3sArch) : null;
              },
            }
          : null;
      const activity = this.activity(spec);
      const done = runUpgrade({
        spec,
        plan,
        runnerFor,
        activity,
        ledger: new CordonLedger(statePath(this.options.dataDir, spec.name)),
        drain: { enabled: request.drain, timeoutSeconds: request.drainTimeoutSeconds },
        concurrency: request.concurrency,
        readyTimeoutMs: request.readyTimeoutSeconds * 1000,
        installTimeoutMs: 10 * 60_000,
        airgap,
      });
      this.settle(done, release);
      return { runId: activity.runId };
    } catch (error) {
      release();
      throw error;
    }
  }

  private settle(done: Promise<unknown>, release: () => void): void {
    done.then(
      () => release(),
      (error: unknown) => {
        release();
        this.options.logger.error(
          'day-two',
          `the run stopped: ${(error as Error)?.message ?? String(error)}`,
        );
      },
    );
  }

  private async removalPlan(
    spec: ClusterSpec,
    name: string,
    signal: AbortSignal,
  ): Promise<
    | { ok: false; planned: { ok: false; reason: string } }
    | {
        ok: true;
        planned: { ok: true; plan: RemovalPlan };
        runnerFor: (n: string) => HostRunner;
        reachable: boolean;
        rules: PeerRules[];
        warnings: string[];
      }
  > {
    const runnerFor = this.runnersOf(spec);
    const nodes = await readClusterNodes(spec, runnerFor, signal, name);
    const planned = planRemoval({ spec, cluster: nodes, name, file: `cluster ${spec.name}` });
    if (!planned.ok) return { ok: false, planned };
    const warnings = [...planned.plan.warnings];
    const isUp = await reachable(runnerFor(name), signal);
    const rules = await peerRulesOf({
      spec,
      runnerFor,
      leaving: name,
      addresses: addressesOf(planned.plan.node, nodes.find((n) => n.name === name)?.internalIp),
      signal,
      warn: (message) => warnings.push(message),
    });
    return { ok: true, planned, runnerFor, reachable: isUp, rules, warnings };
  }

  /** What removing `name` will do, or why it is refused (last server, first server, quorum). */
  async planRemove(
    spec: ClusterSpec,
    name: string,
    signal: AbortSignal = AbortSignal.timeout(120_000),
  ): Promise<RemovalPreview | { ok: false; reason: string }> {
    const r = await this.removalPlan(spec, name, signal);
    if (!r.ok) return r.planned;
    const plan = r.planned.plan;
    return {
      ok: true,
      node: name,
      role: plan.node.role,
      address: plan.node.address,
      inCluster: plan.inCluster,
      ready: plan.ready,
      reachable: r.reachable,
      firewallPeers: r.rules.map((x) => x.node),
      warnings: r.warnings,
    };
  }

  /** Plans again and starts the removal; resolves with the run's id. */
  async remove(spec: ClusterSpec, name: string, request: DrainChoice): Promise<{ runId: string }> {
    const release = this.claim(spec);
    try {
      const r = await this.removalPlan(spec, name, AbortSignal.timeout(120_000));
      if (!r.ok) throw new AppError('PLAN_FAILED', r.planned.reason);
      const activity = this.activity(spec);
      const done = runRemoval({
        spec,
        plan: r.planned.plan,
        runnerFor: r.runnerFor,
        reachable: r.reachable,
        activity,
        drain: { enabled: request.drain, timeoutSeconds: request.drainTimeoutSeconds },
        peerRules: r.rules,
        addSecret: (secret) => this.options.logger.addSecret(secret),
      }).then((outcome) => {
        // the kubeconfig that pointed at the first server points at the one that took over
        const from = kubeconfigUrl(spec);
        const to = kubeconfigUrl(r.planned.plan.remaining);
        if (
          outcome.snapshot.status === 'succeeded' &&
          r.planned.plan.joinMove &&
          this.options.env &&
          from &&
          to &&
          from !== to
        )
          for (const path of moveKubeconfigServer(
            { env: this.options.env },
            { contextName: contextName(spec), from, to },
          ))
            this.options.logger.info(
              'day-two',
              `${path}: the ${contextName(spec)} cluster's server is ${to} now`,
            );
        return outcome;
      });
      this.settle(done, release);
      return { runId: activity.runId };
    } catch (error) {
      release();
      throw error;
    }
  }

  /**
   * Rotates the cluster token, or continues a rotation that stopped (the ledger says so);
   * refused when this K3s cannot, or when a node of the cluster is NotReady (it could not
   * rejoin with the new token). Resolves with the run's id.
   */
  async rotateToken(spec: ClusterSpec, request: { readyTimeoutSeconds: number }): Promise<{ runId: string }> {
    const release = this.claim(spec);
    try {
      const runnerFor = this.runnersOf(spec);
      const nodes = await readClusterNodes(spec, runnerFor, AbortSignal.timeout(120_000));
      const first = firstServer(spec);
      const version = nodes.find((n) => n.name === first?.nodeName)?.version ?? '';
      if (!supportsTokenRotate(version))
        throw new AppError(
          'PLAN_FAILED',
          `K3s ${version || '(unknown)'} cannot rotate the cluster token (k3s token rotate came with v1.28.2, v1.27.6, v1.26.9 and v1.25.14): upgrade K3s first.`,
        );
      const names = new Set(spec.nodes.map((n) => n.nodeName));
      const down = nodes.filter((n) => names.has(n.name) && !n.ready).map((n) => n.name);
      if (down.length)
        throw new AppError(
          'PLAN_FAILED',
          `${down.join(', ')} ${down.length === 1 ? 'is' : 'are'} NotReady: a node that cannot be restarted with the new token could not rejoin. Bring it back (or remove it) first.`,
        );
      const activity = this.activity(spec);
      const done = runRotation({
        spec,
        runnerFor,
        activity,
        ledger: new RotationLedger(statePath(this.options.dataDir, spec.name)),
        addSecret: (secret) => this.options.logger.addSecret(secret),
        readyTimeoutMs: request.readyTimeoutSeconds * 1000,
      });
      this.settle(done, release);
      return { runId: activity.runId };
    } catch (error) {
      release();
      throw error;
    }
  }
}
