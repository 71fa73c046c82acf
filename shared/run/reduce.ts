/**
 * The pure reducer that folds run events into a snapshot: what a window shows, and what a
 * reopened window gets to catch up. Output is bounded per step; events already folded in (by
 * `seq`) are ignored, so replaying a tail over a snapshot is safe.
 */
import type { z } from 'zod';
import type { RunEvent } from './events';
import type { RunSnapshotSchema, StepStateSchema } from './schema';

export const MAX_OUTPUT_LINES = 40;

export type StepState = z.output<typeof StepStateSchema>;
export type RunSnapshot = z.output<typeof RunSnapshotSchema>;
export type StepStatus = StepState['status'];
export type RunStatus = RunSnapshot['status'];

function withStep(snapshot: RunSnapshot, id: string, change: (step: StepState) => StepState): RunSnapshot {
  const step = snapshot.steps[id];
  if (!step) return snapshot;
  return { ...snapshot, steps: { ...snapshot.steps, [id]: change(step) } };
}

function bounded(lines: string[]): string[] {
  return lines.length > MAX_OUTPUT_LINES ? lines.slice(-MAX_OUTPUT_LINES) : lines;
}

function started(event: Extract<RunEvent, { type: 'run-started' }>): RunSnapshot {
  const steps: Record<string, StepState> = {};
  for (const info of event.steps) steps[info.id] = { ...info, status: 'pending', output: [] };
  return {
    runId: event.runId,
    cluster: event.cluster,
    status: 'running',
    dryRun: event.dryRun,
    concurrency: event.concurrency,
    startedAt: event.time,
    lastSeq: event.seq,
    order: event.steps.map((s) => s.id),
    steps,
    hosts: [...new Set(event.steps.map((s) => s.host))],
  };
}

/** Folds one event in; `null` before the run-started event. */
export function reduceRun(snapshot: RunSnapshot | null, event: RunEvent): RunSnapshot | null {
  if (event.type === 'run-started') return started(event);
  if (!snapshot || event.runId !== snapshot.runId || event.seq <= snapshot.lastSeq) return snapshot;
  const next = step(snapshot, event);
  return { ...next, lastSeq: event.seq };
}

function step(snapshot: RunSnapshot, event: RunEvent): RunSnapshot {
  switch (event.type) {
    case 'run-started':
      return snapshot;
    case 'run-resumed': {
      const reset = new Set(event.stepIds);
      const steps = { ...snapshot.steps };
      for (const id of reset) {
        const s = steps[id];
        if (s) steps[id] = { ...s, status: 'pending', output: [], error: undefined, blockedBy: undefined };
      }
      return { ...snapshot, status: 'running', finishedAt: undefined, steps };
    }
    case 'step-started':
      return withStep(snapshot, event.stepId, (s) => ({
        ...s,
        status: 'running',
        startedAt: event.time,
        output: [],
        error: undefined,
        progress: undefined,
      }));
    case 'step-skipped':
      return withStep(snapshot, event.stepId, (s) => ({ ...s, status: 'skipped', skipReason: event.reason }));
    case 'output':
      return withStep(snapshot, event.stepId, (s) => ({
        ...s,
        output: bounded([...s.output, ...event.lines]),
      }));
    case 'progress': {
      const { action, actions, what, transferred, total } = event;
      const progress = { action, actions, what, ...(total !== undefined ? { transferred, total } : {}) };
      return withStep(snapshot, event.stepId, (s) => ({ ...s, progress }));
    }
    case 'step-finished':
      return withStep(snapshot, event.stepId, (s) => ({
        ...s,
        status: 'done',
        durationMs: event.durationMs,
        changed: event.changed,
      }));
    case 'step-failed':
      return withStep(snapshot, event.stepId, (s) => ({
        ...s,
        status: event.error.code === 'CANCELLED' ? 'cancelled' : 'failed',
        durationMs: event.durationMs,
        error: event.error,
      }));
    case 'step-blocked':
      return withStep(snapshot, event.stepId, (s) => ({
        ...s,
        status: 'blocked',
        blockedBy: event.blockedBy,
      }));
    case 'cluster-checked':
      return {
        ...snapshot,
        nodes: event.nodes,
        kubeconfigPath: event.kubeconfigPath,
        checkedFromHere: event.checkedFromHere,
        ...(event.flows ? { flows: event.flows } : {}),
      };
    case 'run-finished':
      return {
        ...snapshot,
        status: event.outcome,
        finishedAt: event.time,
        durationMs: event.durationMs,
        changed: event.changed,
      };
  }
}

/** Folds a whole list of events. */
export function replayRun(events: readonly RunEvent[]): RunSnapshot | null {
  return events.reduce<RunSnapshot | null>((s, e) => reduceRun(s, e), null);
}

export type HostStatus = 'pending' | 'running' | 'done' | 'failed' | 'blocked' | 'cancelled';

/** One word per host: failed beats running beats cancelled beats blocked beats pending. */
export function hostStatus(snapshot: RunSnapshot, host: string): HostStatus {
  const statuses = snapshot.order.map((id) => snapshot.steps[id]).filter((s) => s?.host === host);
  const has = (status: StepStatus) => statuses.some((s) => s?.status === status);
  if (has('failed')) return 'failed';
  if (has('running')) return 'running';
  if (has('cancelled')) return 'cancelled';
  if (has('blocked')) return 'blocked';
  if (statuses.every((s) => s?.status === 'done' || s?.status === 'skipped')) return 'done';
  return 'pending';
}

/** Steps of one host, in plan order. */
export function hostSteps(snapshot: RunSnapshot, host: string): StepState[] {
  return snapshot.order.flatMap((id) => {
    const s = snapshot.steps[id];
    return s && s.host === host ? [s] : [];
  });
}

/** Milliseconds since the run started (or its whole duration once finished). */
export function elapsedMs(snapshot: RunSnapshot, now: number): number {
  if (snapshot.durationMs !== undefined && snapshot.status !== 'running') return snapshot.durationMs;
  return Math.max(0, now - Date.parse(snapshot.startedAt));
}
