/**
 * A run of a plan: steps start as soon as their dependencies are done (skipped counts as done),
 * in parallel up to a concurrency limit; a failed step blocks everything that depends on it;
 * cancel stops launching and interrupts what runs. A finished run can retry one host: its
 * unfinished steps and whatever waited on them, nothing else.
 */
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import pLimit, { type LimitFunction } from 'p-limit';
import type { Plan, PlanStep } from '../../shared/plan';
import {
  reduceRun,
  type RunEvent,
  type RunEventBody,
  type RunSnapshot,
  type StepStatus,
} from '../../shared/run';
import type { HostRunner } from './host-runner';
import { hasPrecheck, precheck, type Precheck } from './precheck';
import { executeStep, type RunMemory, type StepOutcome, type StepServices } from './step';

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
}

/** Protects the computer running the app: more hosts than this wait for a free slot. */
export const MAX_DEFAULT_CONCURRENCY = 16;

/** Every host at once (a cluster's agents all join together), up to MAX_DEFAULT_CONCURRENCY. */
export function defaultConcurrency(hosts: number): number {
  return Math.min(MAX_DEFAULT_CONCURRENCY, Math.max(1, hosts));
}

const FINISHED: readonly StepStatus[] = ['done', 'skipped'];
const BROKEN: readonly StepStatus[] = ['failed', 'blocked', 'cancelled'];

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

  constructor(private readonly options: RunOptions) {
    this.runId = options.runId ?? randomUUID();
    this.concurrency =
      options.concurrency ?? defaultConcurrency(new Set(options.plan.steps.map((s) => s.host)).size);
    this.byId = new Map(options.plan.steps.map((s) => [s.id, s]));
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
    this.options.onEvent(event);
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
    if (this.options.dryRun) return early;
    for (const id of ids) {
      const step = this.byId.get(id) as PlanStep;
      const identity = firstServerHost !== undefined && firstServerHost !== step.host;
      const ownHost = step.dependsOn.some((dep) => this.byId.get(dep)?.host === step.host);
      if (!step.dependsOn.length || ownHost || !hasPrecheck(step, identity)) continue;
      const answer = limit(() =>
        precheck({
          step,
          runner: this.options.runnerFor(step.host),
          identity,
          signal: this.abort.signal,
          timeoutMs: 60_000,
        }),
      );
      // Awaited by the step when it runs; a step that never runs (blocked) leaves it unread.
      answer.catch(() => undefined);
      early.set(id, answer);
    }
    return early;
  }

  private schedule(ids: string[]): Promise<void> {
    const limit = pLimit(Math.max(1, this.concurrency));
    const waiting = [...ids];
    let running = 0;
    const firstServerHost = this.options.plan.steps.find((s) => s.phase === 'first-server')?.host;
    const early = this.prechecks(ids, firstServerHost);
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
    try {
      return await executeStep({
        step,
        runner: this.options.runnerFor(step.host),
        firstServer:
          firstServerHost && firstServerHost !== step.host ? this.options.runnerFor(firstServerHost) : null,
        runSignal: this.abort.signal,
        dryRun: this.options.dryRun ?? false,
        memory: this.memory,
        services: this.options.services,
        emit: (body) => this.emit(body),
        ...(checked ? { precheck: checked } : {}),
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
    }
  }
}
