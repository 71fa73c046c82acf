/**
 * Every kind of plan action and the module that runs it. A new action: its kind in the
 * `PlanAction` union (shared/plan/types.ts), one file here, one line in ACTIONS (the compiler
 * says when a kind has no module).
 */
import type { PlanAction } from '../../../shared/plan';
import type { StepError } from '../../../shared/run';
import type { StepOutput } from '../output';
import type { StepContext } from '../step-context';
import type { ActionKind, ActionModule, ActionOf, ActionRun } from './action';
import { checkFiles } from './check-files';
import { exec } from './exec';
import { firewall } from './firewall';
import { readSecret } from './read-secret';
import { rebootAndWait } from './reboot-and-wait';
import { removeKubeconfig } from './remove-kubeconfig';
import { saveKubeconfig } from './save-kubeconfig';
import { upload } from './upload';
import { waitFor } from './wait-for';
import { writeFile } from './write-file';

export { ActionFailed, type ActionModule, type ActionRun } from './action';

export type ActionTable = { readonly [K in ActionKind]: ActionModule<ActionOf<K>> };

export const ACTIONS: ActionTable = {
  exec,
  'write-file': writeFile,
  'check-files': checkFiles,
  upload,
  firewall,
  'reboot-and-wait': rebootAndWait,
  'wait-for': waitFor,
  'read-secret': readSecret,
  'remove-kubeconfig': removeKubeconfig,
  'save-kubeconfig': saveKubeconfig,
};

/** The module of an action's kind, typed for that action. */
function moduleOf<A extends PlanAction>(action: A): ActionModule<A> {
  const found = (ACTIONS as Record<string, ActionModule<A> | undefined>)[action.kind];
  if (!found) throw new Error(`No module runs a "${String(action.kind)}" action.`);
  return found;
}

/** Runs one action; true when it changed something on the host or this computer. */
export function runAction(ctx: StepContext, action: PlanAction, run: ActionRun): Promise<boolean> {
  return moduleOf(action).run(ctx, action, run);
}

/** What each kind of the step's actions does before the step's check, once per kind. */
export async function beforeCheck(
  ctx: StepContext,
  run: { signal: AbortSignal; output: StepOutput },
): Promise<void> {
  for (const action of new Map(ctx.step.actions.map((a) => [a.kind, a])).values())
    await moduleOf(action).beforeCheck?.(ctx, run);
}

/** The failure in the failed action's own words, or null. */
export function describeActionFailure(
  ctx: StepContext,
  action: PlanAction,
  failure: { timedOutAfterMs: number | undefined; lastOutput: string[] },
): StepError | null {
  return moduleOf(action).describeFailure?.(ctx, action, failure) ?? null;
}
