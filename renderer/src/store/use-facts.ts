import { useMemo } from 'react';
import type { HostFacts } from '../../../shared/facts';
import { useAppStore } from '.';
import { factsByNode } from './facts-slice';

/** Probe facts keyed by node name, recomputed when hosts or facts change. */
export function useFactsByNode(): Record<string, HostFacts> {
  const hosts = useAppStore((s) => s.hosts);
  const facts = useAppStore((s) => s.facts);
  return useMemo(() => factsByNode(hosts, facts), [hosts, facts]);
}
