/**
 * The shape of an action module: how one kind of plan action runs, and what it adds before the
 * step's check and to a failure. Every kind of `PlanAction` has one, in the table of index.ts.
 */
import type { AppError } from '../../../shared/errors';
import type { PlanAction } from '../../../shared/plan';
import type { StepError } from '../../../shared/run';
import type { StepOutput } from '../output';
import type { StepContext } from '../step-context';

export type ActionKind = PlanAction['kind'];
export type ActionOf<K extends ActionKind> = Extract<PlanAction, { kind: K }>;

/** What the step gives the action it runs: its signal (step timeout and run cancel), its output. */
export interface ActionRun {
  signal: AbortSignal;
  output: StepOutput;
  /** What is left of the step's timeout, in ms (at least 1). */
  remaining: () => number;
  /** The action's place in the step (for its progress events). */
  index: number;
}

export interface ActionModule<A extends PlanAction> {
  /**
   * Runs the action; true when it changed something on the host or this computer. An action that
   * finds its work already done (the same file there, the condition met, the kubeconfig the same)
   * does nothing and says false. Throws ActionFailed (or an AppError) on a failure.
   */
  run: (ctx: StepContext, action: A, run: ActionRun) => Promise<boolean>;
  /**
   * Once per step holding this kind, before the step's already-done check (which must not be
   * answered by a state something else is about to take back).
   */
  beforeCheck?: (ctx: StepContext, run: { signal: AbortSignal; output: StepOutput }) => Promise<void>;
  /**
   * The failure in this action's own words, when it has some; null: the general classification
   * (shared/run) describes it.
   */
  describeFailure?: (
    ctx: StepContext,
    action: A,
    failure: { timedOutAfterMs: number | undefined; lastOutput: string[] },
  ) => StepError | null;
}

/** Why an action failed, before it is classified. */
export class ActionFailed extends Error {
  constructor(
    readonly action: PlanAction,
    readonly exitCode: number | null,
    readonly extra: { cause?: AppError; journal?: string; timedOutAfterMs?: number; error?: StepError } = {},
  ) {
    super(`${action.what} failed`);
  }
}
