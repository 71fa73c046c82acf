/**
 * A day-two operation (an upgrade, a removal) told as a run: the same events as an install
 * (run-started, step-…, output, run-finished), so the fronts' displays, the snapshot reducer
 * and the run log serve it unchanged. Every line is redacted before it leaves.
 */
import { randomUUID } from 'node:crypto';
import { AppError } from '../../shared/errors';
import {
  reduceRun,
  type NodeInfo,
  type RunEvent,
  type RunEventBody,
  type RunSnapshot,
  type StepError,
  type StepInfo,
} from '../../shared/run';
import type { ClusterSpec } from '../../shared/spec';
import type { Logger } from '../backend/logger';
import type { HostRunner } from '../engine/host-runner';
import { RunLog } from '../engine/run-log';
import { StepOutput } from '../engine/output';

/** A step's failure, with what to show: thrown by step bodies. */
export class StepFailure extends Error {
  constructor(readonly error: StepError) {
    super(error.message);
  }
}

export interface StepTools {
  /** Lines for the step's output (redacted, split into lines). */
  output: StepOutput;
  /** Which part of the step runs now. */
  progress: (what: string, index: number, of: number) => void;
  signal: AbortSignal;
  redact: (text: string) => string;
}

export type StepResult = 'changed' | 'unchanged';

/** What every day-two run is given: the cluster file, its machines, and where its steps are told. */
export interface DayTwoRunOptions {
  spec: ClusterSpec;
  runnerFor: (node: string) => HostRunner;
  activity: Activity;
}

export class Activity {
  readonly runId = randomUUID();
  private seq = 0;
  private state: RunSnapshot | null = null;
  private readonly log: RunLog;
  private readonly started = Date.now();
  private changed = false;

  constructor(
    private readonly options: {
      cluster: string;
      dataDir: string;
      logger: Logger;
      signal: AbortSignal;
      onEvent?: (event: RunEvent) => void;
    },
  ) {
    this.log = new RunLog({ dataDir: options.dataDir, cluster: options.cluster }, (t) =>
      options.logger.redact(t),
    );
  }

  get logPath(): string {
    return this.log.path;
  }

  get snapshot(): RunSnapshot | null {
    return this.state;
  }

  get signal(): AbortSignal {
    return this.options.signal;
  }

  redact(text: string): string {
    return this.options.logger.redact(text);
  }

  private emit(body: RunEventBody): void {
    const event = { ...body, runId: this.runId, seq: this.seq++, time: new Date().toISOString() } as RunEvent;
    this.state = reduceRun(this.state, event);
    this.log.write(event);
    this.options.onEvent?.(event);
  }

  begin(steps: StepInfo[], concurrency: number): void {
    this.emit({ type: 'run-started', cluster: this.options.cluster, steps, dryRun: false, concurrency });
  }

  skip(step: StepInfo): void {
    this.emit({ type: 'step-skipped', host: step.host, stepId: step.id, reason: 'done' });
  }

  block(step: StepInfo, by: string): void {
    this.emit({ type: 'step-blocked', host: step.host, stepId: step.id, blockedBy: by });
  }

  /** Runs a step's body; false when it failed or was cancelled (told as events). */
  async step(step: StepInfo, body: (tools: StepTools) => Promise<StepResult>): Promise<boolean> {
    const on = { host: step.host, stepId: step.id };
    const began = Date.now();
    const output = new StepOutput(
      (t) => this.redact(t),
      (stream, lines) => this.emit({ type: 'output', ...on, stream, lines }),
    );
    this.emit({ type: 'step-started', ...on });
    try {
      const result = await body({
        output,
        signal: this.options.signal,
        redact: (t) => this.redact(t),
        progress: (what, action, actions) => this.emit({ type: 'progress', ...on, action, actions, what }),
      });
      output.flush();
      if (result === 'changed') this.changed = true;
      this.emit({
        type: 'step-finished',
        ...on,
        durationMs: Date.now() - began,
        changed: result === 'changed',
      });
      return true;
    } catch (caught) {
      output.flush();
      this.changed = true; // a failed step may have changed something
      const error: StepError =
        caught instanceof StepFailure
          ? caught.error
          : caught instanceof AppError
            ? { code: caught.code, message: this.redact(caught.message), lastOutput: output.lastLines() }
            : {
                code: 'INTERNAL',
                message: this.redact(String((caught as Error)?.message ?? caught)),
                lastOutput: output.lastLines(),
              };
      this.emit({
        type: 'step-failed',
        ...on,
        durationMs: Date.now() - began,
        error: this.options.signal.aborted ? { ...error, code: 'CANCELLED' } : error,
      });
      return false;
    }
  }

  /** The nodes as the cluster lists them at the end (the summary's table). */
  clusterChecked(nodes: NodeInfo[]): void {
    this.emit({ type: 'cluster-checked', nodes, kubeconfigPath: null, checkedFromHere: false });
  }

  finish(): RunSnapshot {
    const s = this.state;
    const broken = s
      ? s.order.some((id) => !['done', 'skipped'].includes(s.steps[id]?.status ?? 'pending'))
      : true;
    this.emit({
      type: 'run-finished',
      outcome: this.options.signal.aborted ? 'cancelled' : broken ? 'failed' : 'succeeded',
      changed: this.changed,
      durationMs: Date.now() - this.started,
    });
    return this.state as RunSnapshot;
  }
}
