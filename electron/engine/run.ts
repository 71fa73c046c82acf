/**
 * A run of a plan: steps start as soon as their dependencies are done (skipped counts as done),
 * in parallel up to a concurrency limit; a failed step blocks everything that depends on it;
 * cancel stops launching and interrupts what runs. A finished run can retry one host: its
 * unfinished steps and whatever waited on them, nothing else.
 */
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import pLimit, { type LimitFunction } from 'p-limit';
import type { HostCheck, Plan, PlanAction, PlanStep } from '../../shared/plan';
import {
  reduceRun,
  type RunEvent,
  type RunEventBody,
  type RunSnapshot,
  type StepStatus,
} from '../../shared/run';
import type { ConnectivityResult } from '../../shared/checks/connectivity';
import type { ExecOutcome, HostRunner } from './host-runner';
import {
  metWaits,
  runBatch,
  sendFiles,
  waitsAtOnceCheck,
  type SentFile,
  type SentFiles,
} from './install-batch';
import { isInstallScript, joins, NODE_LIST_WHAT, nodeListCheck } from './k3s';
import { hasPrecheck, isInstallStep, nodeNamesOn, precheck, type Precheck } from './precheck';
import { readSecretCommand } from './actions/read-secret';
import { executeStep, type RunMemory, type StepOutcome, type StepServices } from './step';
import type { Prepared, StepContext } from './step-context';

export interface RunOptions {
  plan: Plan;
  runnerFor: (host: string) => HostRunner;
  services: StepServices;
  /** Steps at once; defaultConcurrency when not given. */
  concurrency?: number;
  /** A limit shared with other runs (a fleet of clusters built at once): each step takes a slot. */
  sharedLimit?: LimitFunction;
  dryRun?: boolean;
  runId?: string;
  /** Every event, in order, after the snapshot has folded it in. */
  onEvent: (event: RunEvent) => void;
  /**
   * The machines' facts say every node runs its K3s already (a re-run, most likely): the verify
   * step's flow test starts with the run, beside the steps' own checks. A step about to change
   * anything first stops it and waits until its listeners are gone (see `speculate`).
   */
  likelyUnchanged?: boolean;
  /**
   * Install steps' "already done?" answered by the machines' facts, read just before this run
   * (see answersFromFacts): not asked again. The first pass only: a retry asks the machines.
   */
  answered?: ReadonlyMap<string, Precheck>;
  /**
   * The first server's datastore is this run's own (see datastoreIsNew): no joining machine
   * waits for a look at its nodes for a stale object of its name.
   */
  newDatastore?: boolean;
}

/** Protects the computer running the app: more hosts than this wait for a free slot. */
export const MAX_DEFAULT_CONCURRENCY = 16;

/** Every host at once (a cluster's agents all join together), up to MAX_DEFAULT_CONCURRENCY. */
export function defaultConcurrency(hosts: number): number {
  return Math.min(MAX_DEFAULT_CONCURRENCY, Math.max(1, hosts));
}

const FINISHED: readonly StepStatus[] = ['done', 'skipped'];
const BROKEN: readonly StepStatus[] = ['failed', 'blocked', 'cancelled'];
/** Actions that change nothing on a machine: reads there, or work on this computer. */
const LEAVES_MACHINES_AS_THEY_ARE: ReadonlySet<PlanAction['kind']> = new Set([
  'read-secret',
  'check-files',
  'save-kubeconfig',
  'remove-kubeconfig',
  'wait-for',
]);

export class EngineRun {
  readonly runId: string;
  private seq = 0;
  private state: RunSnapshot | null = null;
  private abort = new AbortController();
  private readonly memory: RunMemory = { secrets: {}, kubeconfig: null };
  private readonly byId: Map<string, PlanStep>;
  private current: Promise<RunSnapshot> | null = null;
  private anyChange = false;
  private readonly started = Date.now();
  private readonly concurrency: number;
  /** Resolves when the first server's steps are over: true when all of them are done or skipped. */
  private firstServerSettled!: (ok: boolean) => void;
  private readonly firstServerUp = new Promise<boolean>((resolve) => (this.firstServerSettled = resolve));
  /** The verify step's read-only checks, asked ahead when the run looks like it changes nothing. */
  private ahead: {
    flows: Promise<{ results: ConnectivityResult[]; blocked: string | null }> | null;
    waits: { command: string; count: number; answer: Promise<ExecOutcome> } | null;
    /** The node list taken beside the waits: the step's list when that try met every wait. */
    nodes: Promise<ExecOutcome> | null;
    /** The flow test started with the run (likelyUnchanged), until a step stops it. */
    speculation: { stop: AbortController; over: Promise<void> } | null;
  } | null = null;
  private pass = 0;
  /** Per install step of this pass: its files, copied as soon as it said "not done" (null: not sent). */
  private sentEarly = new Map<string, Promise<SentFiles | null>>();
  private preparedEarly = new Map<string, Promise<Prepared | null>>();
  /** This pass's reads done ahead for the credentials steps (see readAhead), by what and command. */
  private readEarly = new Map<string, Promise<ExecOutcome>>();
  /** Fires when the current pass is over (or the run is cancelled): root shells started for it end. */
  private passOver: AbortSignal = AbortSignal.abort();
  /** Whether this pass started root shells for the verify step's first checks. */
  private verifyPrepared = false;
  /** RunOptions.answered, until the first pass has taken them. */
  private answered: ReadonlyMap<string, Precheck> | null;

  constructor(private readonly options: RunOptions) {
    this.runId = options.runId ?? randomUUID();
    this.concurrency =
      options.concurrency ?? defaultConcurrency(new Set(options.plan.steps.map((s) => s.host)).size);
    this.byId = new Map(options.plan.steps.map((s) => [s.id, s]));
    this.answered = options.answered ?? null;
    this.freshSignal();
  }

  /** Every running step and command listens on the run's signal. */
  private freshSignal(): void {
    this.abort = new AbortController();
    setMaxListeners(0, this.abort.signal);
  }

  get snapshot(): RunSnapshot | null {
    return this.state;
  }

  /**
   * A secret this run holds in its memory (the join token), or, when the plan never read it,
   * `read` it now and keep it there. Never written anywhere else.
   */
  async secret(name: 'token', read: () => Promise<string>): Promise<string> {
    const known = this.memory.secrets[name];
    if (known) return known;
    const value = await read();
    this.options.services.onSecret(value);
    this.memory.secrets[name] = value;
    return value;
  }

  get running(): boolean {
    return this.current !== null;
  }

  private emit(body: RunEventBody): void {
    const event = { ...body, runId: this.runId, seq: this.seq++, time: new Date().toISOString() };
    this.state = reduceRun(this.state, event);
    if (event.type === 'step-finished' && event.changed) this.anyChange = true;
    if ('stepId' in event) this.noteFirstServer();
    if (event.type === 'progress') this.prepareAfter(event.stepId, event.action);
    this.options.onEvent(event);
  }

  /**
   * Once a step's install script starts, what comes after it is known: root shells are started
   * for it where it will run (see HostRunner.prepare), so its channel, exec and sudo are over
   * when its turn comes. After the first server's: its credentials reads there; after a joining
   * machine's: the verify step's first try of its waits and the node list taken beside it.
   */
  private prepareAfter(stepId: string, index: number): void {
    const step = this.byId.get(stepId);
    const action = step?.actions[index];
    if (!step || !action || this.options.dryRun) return;
    const before = step.actions[index - 1];
    if (step.phase === 'first-server' && before && isInstallScript(before)) this.readAhead(step);
    if (!isInstallScript(action)) return;
    const { plan, runnerFor } = this.options;
    if (step.phase === 'first-server') {
      const reads = plan.steps
        .filter((s) => s.phase === 'credentials' && s.host === step.host && s.dependsOn.includes(step.id))
        .flatMap((s) => s.actions.flatMap((a) => (a.kind === 'read-secret' && a.sudo ? [a.what] : [])));
      runnerFor(step.host).prepare?.(reads, this.passOver);
      return;
    }
    const verify = plan.steps.find((s) => s.phase === 'verify');
    if (!joins(step) || !verify || this.verifyPrepared) return;
    this.verifyPrepared = true;
    const atOnce = waitsAtOnceCheck(verify.actions, 0);
    const whats = [
      ...(atOnce?.sudo ? [atOnce.what] : []),
      ...(nodeListCheck(verify).sudo ? [NODE_LIST_WHAT] : []),
    ];
    runnerFor(verify.host).prepare?.(whats, this.passOver);
  }

  /**
   * The first server's install script is over (its next part started: the script returned, K3s
   * up): what its credentials steps read there (the token, the kubeconfig) is read now, beside
   * the step's own last check, and handed to those steps when they start (see runnerOf). Reads
   * only, kept for this pass only; one that failed is read again by its step.
   */
  private readAhead(step: PlanStep): void {
    const runner = this.options.runnerFor(step.host);
    for (const reader of this.options.plan.steps) {
      if (reader.phase !== 'credentials' || reader.host !== step.host || !reader.dependsOn.includes(step.id))
        continue;
      for (const action of reader.actions) {
        if (action.kind !== 'read-secret') continue;
        const command = readSecretCommand(action);
        const key = `${action.what}\n${command}`;
        if (this.readEarly.has(key)) continue;
        const read = runner.exec({
          command,
          sudo: action.sudo,
          timeoutMs: 60_000,
          signal: this.passOver,
          what: action.what,
        });
        read.catch(() => undefined);
        this.readEarly.set(key, read);
      }
    }
  }

  /** Runs every step; resolves with the final snapshot (never rejects for a failed step). */
  start(): Promise<RunSnapshot> {
    if (this.state) throw new Error('This run has started already.');
    const { plan } = this.options;
    const concurrency = this.concurrency;
    this.emit({
      type: 'run-started',
      cluster: plan.cluster,
      dryRun: this.options.dryRun ?? false,
      concurrency,
      steps: plan.steps.map(({ id, host, phase, title, dependsOn }) => ({
        id,
        host,
        phase,
        title,
        dependsOn,
      })),
    });
    return this.go(plan.steps.map((s) => s.id));
  }

  /** Stops launching steps and interrupts the running ones. */
  cancel(): void {
    this.abort.abort();
  }

  /** Runs a failed, blocked or cancelled host's unfinished steps again, and what depends on them. */
  retryHost(host: string): Promise<RunSnapshot> {
    const state = this.state;
    if (!state) throw new Error('This run has not started.');
    if (this.current) throw new Error('The run is still going; wait for it to finish or cancel it.');
    const open = (id: string) => !FINISHED.includes(state.steps[id]?.status ?? 'pending');
    const chosen = new Set(state.order.filter((id) => this.byId.get(id)?.host === host && open(id)));
    // Whatever waits on a chosen step runs again too (the verify step, later joins).
    for (const id of state.order) {
      if (open(id) && this.byId.get(id)?.dependsOn.some((dep) => chosen.has(dep))) chosen.add(id);
    }
    const ids = state.order.filter((id) => chosen.has(id));
    if (this.abort.signal.aborted) this.freshSignal();
    this.emit({ type: 'run-resumed', host, stepIds: ids });
    return this.go(ids);
  }

  private go(ids: string[]): Promise<RunSnapshot> {
    const promise = this.schedule(ids).then(() => {
      const broken = ids.some((id) => !FINISHED.includes(this.state?.steps[id]?.status ?? 'pending'));
      const outcome = this.abort.signal.aborted ? 'cancelled' : broken ? 'failed' : 'succeeded';
      this.emit({
        type: 'run-finished',
        outcome,
        changed: this.anyChange,
        durationMs: Date.now() - this.started,
      });
      this.current = null;
      return this.state as RunSnapshot;
    });
    this.current = promise;
    return promise;
  }

  /** Tells the waiters when every first-server step has ended (done, skipped, or broken). */
  private noteFirstServer(): void {
    const ids = this.options.plan.steps.filter((s) => s.phase === 'first-server').map((s) => s.id);
    const statuses = ids.map((id) => this.status(id));
    if (statuses.every((st) => st !== undefined && FINISHED.includes(st))) this.firstServerSettled(true);
    else if (statuses.some((st) => st !== undefined && BROKEN.includes(st))) this.firstServerSettled(false);
  }

  /** Every first-server step skipped: the run found the first server as it should be. */
  private firstServerSkipped(): boolean {
    return this.options.plan.steps
      .filter((s) => s.phase === 'first-server')
      .every((s) => this.status(s.id) === 'skipped');
  }

  private status(id: string): StepStatus | undefined {
    return this.state?.steps[id]?.status;
  }

  /** The step that caused a block: the first broken dependency, followed to its root. */
  private rootCause(id: string): string {
    const blockedBy = this.state?.steps[id]?.blockedBy;
    return blockedBy ?? id;
  }

  /**
   * Install steps that wait only for other hosts (an agent for the server and the token) ask
   * "already done?" at once, so when their turn comes they skip or install straight away. Not
   * for a step after one on its own host (a firewall change, a reboot), whose answer could change.
   */
  private prechecks(ids: string[], firstServerHost: string | undefined): Map<string, Promise<Precheck>> {
    const limit = pLimit(Math.max(1, this.concurrency));
    const early = new Map<string, Promise<Precheck>>();
    const done = new Map<string, Promise<boolean>>();
    const answered = this.answered;
    this.answered = null;
    if (this.options.dryRun) return early;
    // A joining machine without its node identity may have a stale node object on the first
    // server: the server's nodes are listed once, as soon as it is up, for all of them, instead
    // of one look per machine when its step starts. Only a name on that list is looked at again.
    let names: Promise<Set<string> | null> | null = this.options.newDatastore
      ? Promise.resolve(new Set<string>())
      : null;
    const nodeNames = (): Promise<Set<string> | null> =>
      (names ??= this.firstServerUp.then((up) =>
        up && firstServerHost
          ? nodeNamesOn(this.options.runnerFor(firstServerHost), this.abort.signal)
          : null,
      ));
    for (const id of ids) {
      const step = this.byId.get(id) as PlanStep;
      const identity = firstServerHost !== undefined && firstServerHost !== step.host;
      const ownSteps = step.dependsOn.map((dep) => this.byId.get(dep)).filter((s) => s?.host === step.host);
      // Known from the facts, unless a step before it on its machine can change its K3s (a reboot).
      const known = ownSteps.every((s) => s?.actions.every((a) => a.kind === 'firewall'))
        ? answered?.get(id)
        : undefined;
      if (!known && (!step.dependsOn.length || ownSteps.length || !hasPrecheck(step, identity))) continue;
      const asked = known
        ? Promise.resolve(known)
        : limit(() =>
            precheck({
              step,
              runner: this.options.runnerFor(step.host),
              identity,
              signal: this.abort.signal,
              timeoutMs: 60_000,
            }),
          );
      // Whether it is done is known here, before any look for a stale node object (no answer: not done).
      done.set(
        id,
        asked.then(
          (checked) => checked.done,
          () => false,
        ),
      );
      const answer = asked.then(async (checked) => {
        if (checked.done || checked.hasIdentity || !identity) return checked;
        const known = await nodeNames();
        return known && !known.has(step.host) ? { ...checked, hasIdentity: true } : checked;
      });
      // Awaited by the step when it runs; a step that never runs (blocked) leaves it unread.
      answer.catch(() => undefined);
      early.set(id, answer);
      // Its files (air-gap) go over while it waits for the server and the token: they land in
      // private temporary files, which only its own batch puts in place.
      const sent = step.actions.some((a) => a.kind === 'upload')
        ? asked.then((checked) => (checked.done ? null : limit(() => this.sendEarly(step))))
        : null;
      if (sent) {
        sent.catch(() => undefined);
        this.sentEarly.set(id, sent);
      }
      // Its first actions (the K3s binary fetched or, air-gap, its files put in place, nothing
      // started) run while it waits.
      if (step.early)
        this.preparedEarly.set(
          id,
          asked.then(
            async (checked) => {
              if (checked.done) return null;
              // Its files copied first (in a slot of their own): waiting for them holds no slot.
              // A copy that failed is the step's to say: nothing is done early then.
              const files = sent ? await sent.catch(() => null) : new Map<number, SentFile>();
              return files ? limit(() => this.prepareEarly(step, files)) : null;
            },
            () => null,
          ),
        );
    }
    for (const id of ids) {
      const answer = this.secretNeeded(this.byId.get(id) as PlanStep, ids, done);
      if (answer) early.set(id, answer);
    }
    return early;
  }

  /**
   * What work done for a step before it starts runs in (see `prechecks`), and how long it has
   * left of the step's timeout, counted from now.
   */
  private earlyContext(
    step: PlanStep,
    emit: (body: RunEventBody) => void,
  ): { ctx: StepContext; remaining: () => number } {
    const started = Date.now();
    return {
      ctx: {
        step,
        runner: this.options.runnerFor(step.host),
        firstServer: null,
        runSignal: this.abort.signal,
        dryRun: false,
        memory: this.memory,
        services: this.options.services,
        emit,
      },
      remaining: () => Math.max(1, step.timeoutMs - (Date.now() - started)),
    };
  }

  /** An install step's uploads, copied before the step starts (see `prechecks`). */
  private async sendEarly(step: PlanStep): Promise<SentFiles> {
    const { ctx, remaining } = this.earlyContext(step, (body) => this.emit(body));
    // What puts them in place, the step's batch (or its early part): its root shell is started
    // beside the copy, so its channel, exec and sudo are over when the files are there.
    ctx.runner.prepare?.([step.title], this.passOver);
    return sendFiles(ctx, { signal: this.abort.signal, remaining, started: () => undefined });
  }

  /** An install step's first `early` actions in one batch, before the step starts (see `prechecks`). */
  private async prepareEarly(step: PlanStep, files: SentFiles): Promise<Prepared> {
    const chunks: Prepared['chunks'] = [];
    const count = step.early ?? 0;
    let last = -1;
    try {
      // Nothing changes on a machine while the run's early flow test has its listeners there.
      await this.beforeChange(step)?.();
      // Its progress is said when the step starts, which has not yet.
      const { ctx, remaining } = this.earlyContext(step, () => undefined);
      const { alreadyDone } = await runBatch(ctx, {
        signal: this.abort.signal,
        output: { push: (stream, text) => chunks.push({ stream, text }) },
        remaining,
        from: 0,
        count,
        started: (action) => (last = step.actions.indexOf(action)),
        // Its files (air-gap), copied early to temporary files: put in place by this batch.
        files,
        // Asked first, in the same script: where it passes (K3s is there), nothing runs early.
        ...(step.earlyUnless ? { check: step.earlyUnless } : {}),
      });
      // What follows on this machine once the token is there: the step's next batch.
      ctx.runner.prepare?.([step.title], this.passOver);
      return { count: alreadyDone ? 0 : count, chunks, failure: null };
    } catch (error) {
      return { count: last + 1, chunks, failure: error instanceof Error ? error : new Error(String(error)) };
    }
  }

  /**
   * A step that only reads secrets for other steps (the join token): not needed when every step
   * of this pass that would use them said early that it is already done (a re-run), needed as
   * soon as one of them says it is not (or could not say). Null: not such a step, or one of its
   * readers has no early answer, so it runs as usual.
   */
  private secretNeeded(
    step: PlanStep,
    ids: string[],
    doneEarly: Map<string, Promise<boolean>>,
  ): Promise<Precheck> | null {
    const reads = new Set(step.actions.flatMap((a) => (a.kind === 'read-secret' ? [a.as] : [])));
    if (step.alreadyDone || !reads.size || step.actions.some((a) => a.kind !== 'read-secret')) return null;
    const readers = ids
      .map((id) => this.byId.get(id) as PlanStep)
      .filter((s) => s.id !== step.id && s.secrets.some((name) => reads.has(name)));
    const answers = readers.map((s) => doneEarly.get(s.id));
    if (answers.some((a) => a === undefined)) return null;
    const needed: Precheck = { done: false, hasIdentity: true };
    const notNeeded: Precheck = { done: true, hasIdentity: true, notNeeded: true };
    return new Promise<Precheck>((resolve) => {
      let left = answers.length;
      if (!left) resolve(notNeeded);
      for (const answer of answers as Promise<boolean>[])
        answer.then(
          (done) => {
            if (!done) resolve(needed);
            else if (--left === 0) resolve(notNeeded);
          },
          () => resolve(needed),
        );
    });
  }

  private schedule(ids: string[]): Promise<void> {
    const limit = pLimit(Math.max(1, this.concurrency));
    const waiting = [...ids];
    let running = 0;
    const firstServerHost = this.options.plan.steps.find((s) => s.phase === 'first-server')?.host;
    this.sentEarly = new Map();
    this.preparedEarly = new Map();
    this.readEarly = new Map();
    const over = new AbortController();
    this.passOver = AbortSignal.any([over.signal, this.abort.signal]);
    this.verifyPrepared = false;
    const early = this.prechecks(ids, firstServerHost);
    // What was asked ahead belongs to one pass: a retry asks again.
    this.ahead = null;
    this.askVerifyAhead(ids, early, ++this.pass);
    return new Promise<void>((resolve) => {
      const tick = (): void => {
        for (let i = 0; i < waiting.length;) {
          const id = waiting[i] as string;
          const step = this.byId.get(id) as PlanStep;
          // After a cancel nothing is blocked: what did not run stays pending for the next run.
          const broken =
            !this.abort.signal.aborted &&
            step.dependsOn.find((dep) => {
              const status = this.status(dep);
              return status === undefined || BROKEN.includes(status);
            });
          if (broken !== undefined && broken !== false) {
            waiting.splice(i, 1);
            this.emit({
              type: 'step-blocked',
              host: step.host,
              stepId: id,
              blockedBy: this.rootCause(broken),
            });
            continue;
          }
          const ready = step.dependsOn.every((dep) => FINISHED.includes(this.status(dep) as StepStatus));
          if (!ready || this.abort.signal.aborted) {
            i++;
            continue;
          }
          waiting.splice(i, 1);
          running++;
          const shared = this.options.sharedLimit;
          const run = () => this.runStep(step, firstServerHost, early.get(id));
          void limit(() => (shared ? shared(run) : run())).then(() => {
            running--;
            tick();
          });
        }
        if (running > 0) return;
        // Nothing runs and nothing can start: what still waits depends on a step outside this
        // run (a retry of another host) that is not done. Unless cancelled, say so.
        if (!this.abort.signal.aborted) {
          for (const id of waiting) {
            const step = this.byId.get(id) as PlanStep;
            const dep = step.dependsOn.find((d) => !FINISHED.includes(this.status(d) as StepStatus)) ?? id;
            this.emit({ type: 'step-blocked', host: step.host, stepId: id, blockedBy: this.rootCause(dep) });
          }
        }
        over.abort();
        resolve();
      };
      tick();
    });
  }

  private async runStep(
    step: PlanStep,
    firstServerHost: string | undefined,
    checked: Promise<Precheck> | undefined,
  ): Promise<StepOutcome> {
    // Queued behind the limit while a cancel came: it never starts.
    if (this.abort.signal.aborted) return 'cancelled';
    const flowsDone = new AbortController();
    const beforeChange = this.beforeChange(step);
    try {
      return await executeStep({
        step,
        runner: this.runnerOf(step),
        firstServer:
          firstServerHost && firstServerHost !== step.host ? this.options.runnerFor(firstServerHost) : null,
        runSignal: this.abort.signal,
        dryRun: this.options.dryRun ?? false,
        memory: this.memory,
        services: this.servicesFor(step, flowsDone.signal),
        emit: (body) => this.emit(body),
        ...(checked ? { precheck: checked } : {}),
        ...(beforeChange ? { beforeChange } : {}),
        ...(this.sentEarly.has(step.id) ? { sentEarly: this.sentEarly.get(step.id) } : {}),
        ...(this.preparedEarly.has(step.id) ? { preparedEarly: this.preparedEarly.get(step.id) } : {}),
      });
    } catch (error) {
      // executeStep reports its own failures; this is a bug, reported rather than hanging the run.
      const message = error instanceof Error ? error.message : String(error);
      this.emit({
        type: 'step-failed',
        host: step.host,
        stepId: step.id,
        durationMs: 0,
        error: { code: 'INTERNAL', message: this.options.services.redact(message), lastOutput: [] },
      });
      return 'failed';
    } finally {
      flowsDone.abort();
    }
  }

  /**
   * A run that may change nothing: the verify step's read-only checks are asked beside the steps
   * still running. The first try of its waits and, beside it, the node list: at once when the
   * first server's install has an "already done?" check and its datastore may predate the run (a
   * re-run is possible: else they would fail at once, K3s not being there), else as soon as the first
   * server's steps are over untouched. Once every joining machine said
   * "already done" too: the flow test (its listeners must never take a port of a K3s about to
   * be installed). They are used only if nothing changed by the time the verify step starts and
   * the first server was skipped, and the node list only if every wait was met at that try.
   */
  private askVerifyAhead(ids: string[], early: Map<string, Promise<Precheck>>, pass: number): void {
    const { plan, services } = this.options;
    const verify = plan.steps.find((s) => s.phase === 'verify' && ids.includes(s.id));
    if (!verify || this.options.dryRun) return;
    const joining = plan.steps.filter(
      (s) => ids.includes(s.id) && isInstallStep(s) && s.phase !== 'first-server',
    );
    if (joining.some((s) => !early.has(s.id))) return;
    const firstServer = plan.steps.filter((s) => s.phase === 'first-server');
    const ahead: NonNullable<EngineRun['ahead']> = {
      flows: null,
      waits: null,
      nodes: null,
      speculation: null,
    };
    this.ahead = ahead;
    const untouched = () =>
      pass === this.pass && !this.abort.signal.aborted && !this.anyChange && this.firstServerSkipped();
    const ask = () => {
      const check = waitsAtOnceCheck(verify.actions, 0);
      if (!check) return;
      const runner = this.options.runnerFor(verify.host);
      const question = ({ command, sudo, asUser }: HostCheck, what: string) => {
        const asked = { command, sudo, ...(asUser ? { asUser } : {}) };
        const answer = runner.exec({ ...asked, timeoutMs: 60_000, signal: this.abort.signal, what });
        answer.catch(() => undefined);
        return answer;
      };
      ahead.waits = {
        command: check.command,
        count: check.count,
        answer: question(check, check.what),
      };
      ahead.nodes = question(nodeListCheck(verify), NODE_LIST_WHAT);
    };
    const installs = firstServer.filter(isInstallStep);
    // A first server whose datastore is this run's own has no cluster to ask about yet.
    const rerunPossible =
      !this.options.newDatastore && installs.length > 0 && installs.every((s) => s.alreadyDone !== null);
    if (rerunPossible) ask();
    else
      void this.firstServerUp
        .then((up) => {
          if (up && untouched()) ask();
        })
        .catch(() => undefined);
    if (rerunPossible && pass === 1 && this.speculate(ahead)) return;
    void Promise.all([
      this.firstServerUp,
      Promise.all(joining.map((s) => early.get(s.id) as Promise<Precheck>)),
    ])
      .then(([up, checks]) => {
        if (!up || !untouched() || !checks.every((c) => c.done)) return;
        const flows = services.testFlows ? services.testFlows(this.abort.signal) : null;
        flows?.catch(() => undefined);
        ahead.flows = flows;
      })
      .catch(() => undefined);
  }

  /**
   * A run whose machines all ran their K3s when last looked at: the flow test starts now, beside
   * every step's "already done?" check, instead of after all of them. Its listeners bind only
   * ports nothing holds, so no step may change a machine while they are up: every step that is
   * about to (see `beforeChange`) stops the test first and waits until its listeners are closed,
   * and the verify step then tests again after the change. Not with firewall steps, whose check
   * first settles guards an earlier run left (a change of its own).
   */
  private speculate(ahead: NonNullable<EngineRun['ahead']>): boolean {
    const { plan, services, likelyUnchanged } = this.options;
    const testFlows = services.testFlows;
    if (
      !likelyUnchanged ||
      !testFlows ||
      plan.steps.some((s) => s.actions.some((a) => a.kind === 'firewall'))
    )
      return false;
    const stop = new AbortController();
    let closed: Promise<void> = Promise.resolve();
    const flows = testFlows(AbortSignal.any([this.abort.signal, stop.signal]), (done) => {
      closed = done;
    });
    flows.catch(() => undefined);
    ahead.flows = flows;
    ahead.speculation = {
      stop,
      over: flows.then(
        () => closed,
        () => closed,
      ),
    };
    return true;
  }

  /**
   * What a step that is about to change its machine waits for: the flow test started with the
   * run stopped and its listeners gone (its answer is dropped; the verify step tests again).
   */
  private beforeChange(step: PlanStep): (() => Promise<void>) | undefined {
    const ahead = this.ahead;
    // Steps that change no machine: the verify step, and those that only read on a machine or
    // work on this computer (the credentials, the air-gap folder's check).
    const readOnly = step.actions.every((a) => LEAVES_MACHINES_AS_THEY_ARE.has(a.kind));
    if (!ahead?.speculation || readOnly || step.phase === 'verify') return undefined;
    return async () => {
      const speculation = ahead.speculation;
      if (!speculation) return;
      ahead.flows = null;
      speculation.stop.abort();
      await speculation.over;
    };
  }

  /**
   * A step's runner. A credentials step's: its reads answered by those done ahead (readAhead).
   * The verify step's: its first try of the waits answered by the one asked ahead, and its node
   * list by the one taken beside it ahead.
   */
  private runnerOf(step: PlanStep): HostRunner {
    const runner = this.options.runnerFor(step.host);
    if (step.phase === 'credentials' && this.readEarly.size)
      return this.withReadsAhead(runner, this.readEarly);
    const ahead = this.ahead;
    const waits = ahead?.waits;
    const nodes = ahead?.nodes;
    if (step.phase !== 'verify' || this.anyChange || !this.firstServerSkipped() || !ahead || !waits || !nodes)
      return runner;
    ahead.waits = null;
    ahead.nodes = null;
    let usedWaits = false;
    let usedNodes = false;
    return withExec(runner, (request) => {
      if (!usedWaits && request.command === waits.command) {
        usedWaits = true;
        return waits.answer;
      }
      // Asked beside the waits' first try: it stands for the step's list only if that try
      // met them all (else the nodes are listed again, now).
      if (!usedNodes && request.command === nodeListCheck(step).command) {
        usedNodes = true;
        return waits.answer.then(
          (answer) => (metWaits(answer.stdout).size === waits.count ? nodes : runner.exec(request)),
          () => runner.exec(request),
        );
      }
      return runner.exec(request);
    });
  }

  /** A read done ahead (see readAhead) answers its own request, once; one that failed is asked again. */
  private withReadsAhead(runner: HostRunner, reads: Map<string, Promise<ExecOutcome>>): HostRunner {
    return withExec(runner, (request) => {
      const key = `${request.what}\n${request.command}`;
      const read = reads.get(key);
      if (!read) return runner.exec(request);
      reads.delete(key);
      return read.then(
        (r) => (r.code === 0 && r.stdout.trim() ? r : runner.exec(request)),
        () => runner.exec(request),
      );
    });
  }

  /**
   * The verify step of a run that changed nothing so far (every K3s already running and holding
   * its ports): its flow test starts with the step (or was asked ahead), beside its node checks,
   * instead of after them. After an install or any change the test waits for the nodes to be
   * Ready, so that its listeners never take a port a K3s still starting is about to bind.
   */
  private servicesFor(step: PlanStep, stepEnded: AbortSignal): StepServices {
    const { services } = this.options;
    const testFlows = services.testFlows;
    if (step.phase !== 'verify' || this.anyChange || this.options.dryRun || !testFlows) return services;
    const early = this.ahead?.flows ?? testFlows(AbortSignal.any([this.abort.signal, stepEnded]));
    if (this.ahead) this.ahead.flows = null;
    early.catch(() => undefined);
    return { ...services, testFlows: () => early };
  }
}

/** The runner with its exec answered by `exec` (which may call the runner's own); the rest as it is. */
function withExec(runner: HostRunner, exec: HostRunner['exec']): HostRunner {
  return new Proxy(runner, {
    get(target, name, receiver) {
      if (name === 'exec') return exec;
      const value: unknown = Reflect.get(target, name, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
