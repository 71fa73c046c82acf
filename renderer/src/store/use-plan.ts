import { useMemo } from 'react';
import { buildPlan, type PlanResult } from '../../../shared/plan';
import { useAppStore } from '.';
import { useSpecCheck } from './use-spec';

/** The install plan for the spec and whatever facts the probe has gathered so far. */
export function usePlan(): PlanResult | null {
  const { spec } = useSpecCheck();
  const facts = useAppStore((s) => s.facts);
  return useMemo(() => (spec ? buildPlan(spec, facts) : null), [spec, facts]);
}
