import { useMemo } from 'react';
import { useAppStore } from '.';
import { buildSpecInput, checkSpec, type SpecCheck } from './spec';

/** The spec built from the wizard's state, checked; recomputed only when its inputs change. */
export function useSpecCheck(): SpecCheck {
  const cluster = useAppStore((s) => s.cluster);
  const hosts = useAppStore((s) => s.hosts);
  return useMemo(() => checkSpec(buildSpecInput(cluster, hosts)), [cluster, hosts]);
}
