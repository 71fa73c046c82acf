import type { StateCreator } from 'zustand';
import type { HostFacts } from '../../../shared/facts';
import type { Store } from '.';

export interface FactsSlice {
  /** What the probe found, by node name; the plan and the firewall step read it. */
  facts: Record<string, HostFacts>;
  setFacts: (nodeName: string, facts: HostFacts | null) => void;
}

export const createFactsSlice: StateCreator<Store, [], [], FactsSlice> = (set) => ({
  facts: {},
  setFacts(nodeName, facts) {
    set((state) => {
      const next = { ...state.facts };
      if (facts) next[nodeName] = facts;
      else delete next[nodeName];
      return { facts: next };
    });
  },
});
