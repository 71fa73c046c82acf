import { useMemo } from 'react';
import { buildPlan, type PlanResult } from '../../../shared/plan';
import { useFactsByNode } from './use-facts';
import { useSpecCheck } from './use-spec';

/** The install plan for the spec and whatever facts the probe has gathered so far. */
export function usePlan(): PlanResult | null {
  const { spec } = useSpecCheck();
  const facts = useFactsByNode();
  return useMemo(() => (spec ? buildPlan(spec, facts) : null), [spec, facts]);
}
