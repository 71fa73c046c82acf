import type { StateCreator } from 'zustand';
import type { HostFacts } from '../../../shared/facts';
import { autoNodeNames, type HostEntry } from './hosts-slice';
import type { Store } from '.';

export interface FactsSlice {
  /** What the probe found, by host id: facts belong to the machine, not to its (editable) node name. */
  facts: Record<string, HostFacts>;
  setFacts: (hostId: string, facts: HostFacts | null) => void;
}

export const createFactsSlice: StateCreator<Store, [], [], FactsSlice> = (set) => ({
  facts: {},
  setFacts(hostId, facts) {
    set((state) => {
      const next = { ...state.facts };
      if (facts) next[hostId] = facts;
      else delete next[hostId];
      // A probed hostname is the machine's node name unless the user typed one.
      return { facts: next, hosts: autoNodeNames(state.hosts, next) };
    });
  },
});

/** The facts by node name, as the plan, the firewall planner and the engine read them. */
export function factsByNode(
  hosts: readonly HostEntry[],
  facts: Readonly<Record<string, HostFacts>>,
): Record<string, HostFacts> {
  const out: Record<string, HostFacts> = {};
  for (const host of hosts) {
    const found = facts[host.id];
    if (found) out[host.nodeName] = found;
  }
  return out;
}
