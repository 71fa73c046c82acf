import type { HostFacts } from '../../../shared/facts';
import { memoizeLast } from '../lib/memo';
import { useAppStore } from '.';
import { factsByNode } from './facts-slice';

const factsByNodeOf = memoizeLast(factsByNode);

/** Probe facts keyed by node name, recomputed when hosts or facts change. */
export function useFactsByNode(): Record<string, HostFacts> {
  const hosts = useAppStore((s) => s.hosts);
  const facts = useAppStore((s) => s.facts);
  return factsByNodeOf(hosts, facts);
}
