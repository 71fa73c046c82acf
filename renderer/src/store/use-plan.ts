import { buildPlan, type PlanResult } from '../../../shared/plan';
import type { ClusterSpec } from '../../../shared/spec';
import type { HostFacts } from '../../../shared/facts';
import { memoizeLast } from '../lib/memo';
import { useFactsByNode } from './use-facts';
import { useSpecCheck } from './use-spec';

const planOf = memoizeLast((spec: ClusterSpec | null, facts: Record<string, HostFacts>) =>
  spec ? buildPlan(spec, facts) : null,
);

/** The install plan for the spec and whatever facts the probe has gathered so far. */
export function usePlan(): PlanResult | null {
  const { spec } = useSpecCheck();
  return planOf(spec, useFactsByNode());
}
