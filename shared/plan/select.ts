/**
 * A part of a plan: only the given steps, with dependencies on steps left out dropped (they
 * are taken as done). Used to run one fix from the Checks step, e.g. the Pi memory cgroup.
 */
import type { Plan } from './types';

export function onlySteps(plan: Plan, ids: readonly string[]): Plan {
  const wanted = new Set(ids);
  const missing = ids.filter((id) => !plan.steps.some((step) => step.id === id));
  if (missing.length) throw new Error(`The plan has no step ${missing.join(', ')}.`);
  return {
    ...plan,
    steps: plan.steps
      .filter((step) => wanted.has(step.id))
      .map((step) => ({ ...step, dependsOn: step.dependsOn.filter((id) => wanted.has(id)) })),
  };
}
