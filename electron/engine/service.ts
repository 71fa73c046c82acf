/**
 * The back end's runs: starts a run of a spec's plan over the session pool, keeps each run's
 * snapshot for windows that open late, writes the run log, and forwards events. Shared by the
 * contract handlers and `k3s-wizard apply`.
 */
import type { LimitFunction } from 'p-limit';
import { AppError } from '../../shared/errors';
import { buildPlan, buildUninstallPlan, type Plan } from '../../shared/plan';
import type { RunEvent, RunSnapshot } from '../../shared/run';
import { joinCommand, renderJoinCommand } from '../../shared/join';
import { firstServer, formatIssue, type ClusterSpec, type FactsByNode } from '../../shared/spec';
import type { Logger } from '../backend/logger';
import { listNodesFromHere } from '../kubeconfig/check';
import { removeKubeconfig, saveKubeconfig } from '../kubeconfig/file';
import type { SessionPool } from '../ssh/pool';
import { createBundle } from '../bundle';
import { readAirgapFolder } from './airgap-folder';
import { checkLocalFiles } from './local-files';
import { EngineRun } from './run';
import { answersFromFacts, datastoreIsNew } from './precheck';
import { RunLog } from './run-log';
import type { SshHostRunner } from './ssh-runner';
import { runnerOf, runnersOf } from './runners';
import type { StepServices } from './step';
import type { JoinWatchOptions } from './join-watch';
import { clusterFlowResults, reachable } from './reach';

export interface RunServiceOptions {
  dataDir: string;
  logger: Logger;
  pool: () => SessionPool;
  /** Where kubeconfigs go: KUBECONFIG and HOME of this environment. */
  env: NodeJS.ProcessEnv;
  /** Sent every event (the EventHub's `run:event`). */
  onEvent?: (event: RunEvent) => void;
  serviceTimeoutMs?: number;
  joinWatch?: Partial<JoinWatchOptions>;
}

export interface StartRunRequest {
  spec: ClusterSpec;
  facts?: FactsByNode;
  /**
   * When `facts` were read from the machines (ms since the epoch), when the run follows straight
   * on (the command line's `apply` reads them): within FRESH_FACTS_MS (see answersFromFacts)
   * they answer the install steps' "already done?" instead of one more question per machine.
   */
  factsReadAt?: number;
  /** A plan made already (tests, a reviewed plan); otherwise built from spec and facts. */
  plan?: Plan;
  concurrency?: number;
  /** One limit across several runs (the fleet's), besides the run's own concurrency. */
  sharedLimit?: LimitFunction;
  dryRun?: boolean;
  onEvent?: (event: RunEvent) => void;
}

export interface StartedRun {
  run: EngineRun;
  plan: Plan;
  logPath: string;
  /** The runners by node name (their round-trip counts, for the benchmark). */
  runners: Map<string, SshHostRunner>;
  done: Promise<RunSnapshot>;
}

const KEEP_RUNS = 20;

/** The facts say every node's K3s runs already, in the node's role: a re-run, most likely. */
function runsAlready(spec: ClusterSpec, facts: FactsByNode | undefined): boolean {
  return spec.nodes.every((node) => {
    const k3s = facts?.[node.nodeName]?.k3s;
    return k3s?.installed === true && k3s.serviceState === 'active' && k3s.role === node.role;
  });
}

export interface RunSummary {
  runId: string;
  cluster: string;
  status: RunSnapshot['status'];
  startedAt: string;
}

/** What a run was made from, for the join command (kept beside the run, in memory). */
interface RunOrigin {
  spec: ClusterSpec;
  facts: FactsByNode;
  runners: Map<string, SshHostRunner>;
  logPath: string;
}

export interface BundleRequest {
  runId?: string;
  spec: ClusterSpec;
  facts?: FactsByNode;
  /** A run log to include when no run is named (the command line's newest). */
  logPath?: string | null;
}

export interface JoinCommandRequest {
  runId: string;
  role?: 'agent' | 'server';
  ttl?: string;
  reveal: boolean;
  withNodeId?: boolean;
}

export class RunService {
  private readonly runs = new Map<string, EngineRun>();
  private readonly origins = new WeakMap<EngineRun, RunOrigin>();

  constructor(private readonly options: RunServiceOptions) {}

  planFor(spec: ClusterSpec, facts: FactsByNode = {}): Plan {
    // Air-gap: what the folder holds, so a file missing for some host's arch stops the plan.
    const airgap = spec.install.source === 'airgap' ? readAirgapFolder(spec.install.folder) : null;
    const result = buildPlan(spec, facts, { airgap });
    if (!result.ok) {
      const problems = result.issues.filter((i) => i.severity === 'error').map((i) => formatIssue(i));
      throw new AppError('PLAN_FAILED', `The plan cannot be made: ${problems.join('; ')}`, { problems });
    }
    return result.plan;
  }

  start(request: StartRunRequest): StartedRun {
    const { logger } = this.options;
    const plan = request.plan ?? this.planFor(request.spec, request.facts);
    const runners = new Map<string, SshHostRunner>();
    for (const node of request.spec.nodes) runners.set(node.nodeName, runnerOf(this.options.pool(), node));
    const redact = (text: string) => logger.redact(text);
    const log = new RunLog({ dataDir: this.options.dataDir, cluster: plan.cluster }, redact);
    const services: StepServices = {
      saveKubeconfig: (save) => Promise.resolve(saveKubeconfig({ ...save, env: this.options.env })),
      checkLocalFiles: (files, signal) => checkLocalFiles(files, signal),
      removeKubeconfig: (remove) => Promise.resolve(removeKubeconfig({ ...remove, env: this.options.env })),
      checkFromHere: (check) => listNodesFromHere(check),
      redact,
      onSecret: (value) => logger.addSecret(value),
      reachable: ({ host, paths, signal }) =>
        reachable({
          pool: this.options.pool(),
          spec: request.spec,
          facts: request.facts ?? {},
          host,
          paths,
          signal,
        }),
      testFlows: (signal, onClosed, bindWhen) =>
        clusterFlowResults({
          pool: this.options.pool(),
          spec: request.spec,
          facts: request.facts ?? {},
          signal,
          ...(onClosed ? { onClosed } : {}),
          ...(bindWhen ? { bindWhen } : {}),
        }),
      serviceTimeoutMs: this.options.serviceTimeoutMs ?? 5 * 60_000,
      joinWatch: { intervalMs: 5_000, unreachableGraceMs: 60_000, ...this.options.joinWatch },
    };
    const answered = answersFromFacts(plan, request.facts, request.factsReadAt);
    const run = new EngineRun({
      plan,
      runnerFor: (host) => {
        const runner = runners.get(host);
        if (!runner) throw new AppError('INTERNAL', `The plan names ${host}, which is not in the spec.`);
        return runner;
      },
      services,
      ...(request.concurrency ? { concurrency: request.concurrency } : {}),
      ...(request.sharedLimit ? { sharedLimit: request.sharedLimit } : {}),
      dryRun: request.dryRun ?? false,
      likelyUnchanged: runsAlready(request.spec, request.facts),
      newDatastore: datastoreIsNew(request.spec, request.facts, request.factsReadAt),
      ...(answered ? { answered } : {}),
      onEvent: (event) => {
        log.write(event);
        if (event.type === 'step-failed')
          logger.warn('run', `${event.host} ${event.stepId}: ${event.error.code} ${event.error.message}`);
        if (event.type === 'run-finished')
          logger.info('run', `run ${event.runId} ${event.outcome} (log: ${log.path})`);
        request.onEvent?.(event);
        this.options.onEvent?.(event);
      },
    });
    this.runs.set(run.runId, run);
    this.origins.set(run, { spec: request.spec, facts: request.facts ?? {}, runners, logPath: log.path });
    while (this.runs.size > KEEP_RUNS) this.runs.delete(this.runs.keys().next().value ?? '');
    logger.info('run', `run ${run.runId} of ${plan.cluster}: ${plan.steps.length} steps, log ${log.path}`);
    return { run, plan, logPath: log.path, runners, done: run.start() };
  }

  /** Removes K3s from the spec's machines (agents, then servers), and what k3s-wizard added. */
  uninstall(request: Omit<StartRunRequest, 'plan' | 'dryRun'>): StartedRun {
    return this.start({ ...request, plan: buildUninstallPlan(request.spec) });
  }

  /** The runs kept in memory, newest first, for a window that opens and looks for one. */
  list(): RunSummary[] {
    return [...this.runs.values()].reverse().flatMap((run) => {
      const s = run.snapshot;
      return s ? [{ runId: s.runId, cluster: s.cluster, status: s.status, startedAt: s.startedAt }] : [];
    });
  }

  get(runId: string): EngineRun {
    const run = this.runs.get(runId);
    if (!run)
      throw new AppError('NOT_FOUND', `There is no run ${runId} (runs are kept until the app quits).`);
    return run;
  }

  snapshot(runId: string): RunSnapshot {
    const snapshot = this.get(runId).snapshot;
    if (!snapshot) throw new AppError('NOT_FOUND', `The run ${runId} has not started.`);
    return snapshot;
  }

  /**
   * The line a person copies to add a machine to the run's cluster. The token is filled in only
   * when revealed: the cluster token from the run's memory (read from the first server if the
   * run never needed it), or, with `ttl`, a bootstrap token minted on the first server now.
   */
  async joinCommand(request: JoinCommandRequest): Promise<{ command: string; tokenSource: string }> {
    const run = this.get(request.runId);
    const origin = this.origins.get(run);
    const first = origin ? firstServer(origin.spec) : undefined;
    const runner = first ? origin?.runners.get(first.nodeName) : undefined;
    if (!origin || !first || !runner)
      throw new AppError('NOT_FOUND', `The run ${request.runId} has no server.`);
    let join;
    try {
      join = joinCommand(origin.spec, first, {
        ...(request.role ? { role: request.role } : {}),
        ...(request.ttl ? { ttl: request.ttl } : {}),
        ...(request.withNodeId ? { naming: 'with-node-id' as const } : {}),
        facts: origin.facts[first.nodeName] ?? null,
      });
    } catch (error) {
      throw new AppError('INVALID_INPUT', (error as Error).message);
    }
    if (!request.reveal) return { command: renderJoinCommand(join), tokenSource: join.tokenSource };
    const signal = AbortSignal.timeout(60_000);
    const read = async (command: string, what: string): Promise<string> => {
      const r = await runner.exec({ command, sudo: true, timeoutMs: 60_000, signal, what });
      const value = r.stdout.trim().split('\n').pop()?.trim() ?? '';
      if (r.code !== 0 || !value)
        throw new AppError(
          'COMMAND_FAILED',
          `${first.nodeName}: could not ${what} (exit ${r.code ?? '?'}): ${this.options.logger.redact(r.stderr.trim().split('\n').pop() ?? '')}. Is K3s running there?`,
          { host: first.nodeName },
        );
      return value;
    };
    let token: string;
    if (join.mintToken) {
      token = await read(join.mintToken.command, `create a join token valid for ${request.ttl ?? ''}`);
      this.options.logger.addSecret(token);
    } else {
      token = await run.secret('token', () =>
        read('cat /var/lib/rancher/k3s/server/token', 'read the cluster token'),
      );
    }
    return {
      command: renderJoinCommand(join, { reveal: true, secrets: { token } }),
      tokenSource: join.tokenSource,
    };
  }

  /** Writes a support bundle of the spec's machines (and of a run, when named); returns its path. */
  async bundle(request: BundleRequest): Promise<string> {
    const origin = request.runId ? this.origins.get(this.get(request.runId)) : undefined;
    const runnerFor = runnersOf({
      pool: this.options.pool,
      spec: request.spec,
      ...(origin ? { known: origin.runners } : {}),
    });
    const path = await createBundle({
      spec: request.spec,
      facts: request.facts ?? origin?.facts ?? {},
      runnerFor,
      logPath: origin?.logPath ?? request.logPath ?? null,
      dataDir: this.options.dataDir,
      secrets: this.options.logger.knownSecrets(),
    });
    this.options.logger.info('bundle', `support bundle of ${request.spec.name}: ${path}`);
    return path;
  }

  cancel(runId: string): void {
    this.get(runId).cancel();
  }

  retryHost(runId: string, host: string): Promise<RunSnapshot> {
    const run = this.get(runId);
    if (run.running)
      throw new AppError('INVALID_INPUT', 'The run is still going: wait for it to end or cancel it first.');
    if (!run.snapshot?.hosts.includes(host)) throw new AppError('NOT_FOUND', `The run has no host ${host}.`);
    return run.retryHost(host);
  }
}
