import type { StateCreator } from 'zustand';
import type { ClusterStatus } from '../../../shared/day-two/status';
import type { AppBridge } from '../bridge';
import { errorText } from '../lib/errors';
import type { HostEntry } from './hosts-slice';
import { SPEC_PROBLEMS, specOf } from './spec';
import type { Store } from '.';

export interface ClusterPageSlice {
  /** The wizard's steps, or the page of an installed cluster. */
  page: 'wizard' | 'cluster';
  clusterStatus: ClusterStatus | null;
  clusterStatusError: string | null;
  /** A refresh is under way (and whether it tests the flows). */
  clusterLoading: 'nodes' | 'flows' | null;
  /**
   * "Add machines" to the saved cluster `slug`: the hosts it had then are running nodes; the
   * Hosts and Checks steps are for the others only, and the plan keeps what already runs.
   */
  addingTo: { slug: string; existing: string[] } | null;
  openClusterPage: (slug: string) => Promise<void>;
  closeClusterPage: () => void;
  refreshCluster: (options?: { flows?: boolean }) => Promise<void>;
  revokeToken: (id: string) => Promise<void>;
  addMachines: () => void;
  /** Adopt: the server's running cluster, read and saved (notes on what was assumed), being read. */
  adopting: { hostId: string; error: string | null } | null;
  adoptNotes: string[];
  adoptCluster: (hostId: string) => Promise<void>;
}

/** The hosts the Hosts and Checks steps work on: while adding machines, only the new ones. */
export function hostsBeingAdded(state: Pick<Store, 'hosts' | 'addingTo' | 'savedSlug'>): HostEntry[] {
  const adding = state.addingTo;
  if (!adding || adding.slug !== state.savedSlug) return state.hosts;
  return state.hosts.filter((h) => !adding.existing.includes(h.id));
}

export const createClusterPageSlice =
  (bridge: AppBridge): StateCreator<Store, [], [], ClusterPageSlice> =>
  (set, get) => {
    // The answer of the latest refresh only: an older one answering late is dropped.
    let latest = 0;
    return {
      page: 'wizard',
      clusterStatus: null,
      clusterStatusError: null,
      clusterLoading: null,
      addingTo: null,
      async openClusterPage(slug) {
        await get().openSaved(slug);
        set({ page: 'cluster', clusterStatus: null, clusterStatusError: null, addingTo: null });
        await get().refreshCluster({ flows: true });
      },
      closeClusterPage() {
        latest += 1;
        set({ page: 'wizard', clusterLoading: null, adoptNotes: [] });
      },
      async refreshCluster(options = {}) {
        const spec = specOf(get());
        if (!spec) {
          set({ clusterStatusError: SPEC_PROBLEMS });
          return;
        }
        const mine = ++latest;
        set({ clusterLoading: options.flows ? 'flows' : 'nodes' });
        try {
          const status = await bridge.invoke('cluster:status', { spec, flows: Boolean(options.flows) });
          if (mine !== latest) return;
          // A refresh without flows keeps the flows tested last.
          const flows = options.flows ? status.flows : (get().clusterStatus?.flows ?? null);
          set({
            clusterStatus: {
              ...status,
              flows,
              blocked: options.flows ? status.blocked : (get().clusterStatus?.blocked ?? null),
              flowsError: options.flows ? status.flowsError : (get().clusterStatus?.flowsError ?? null),
            },
            clusterStatusError: null,
            clusterLoading: null,
          });
        } catch (error) {
          if (mine !== latest) return;
          set({ clusterStatusError: errorText(error), clusterLoading: null });
        }
      },
      async revokeToken(id) {
        const spec = specOf(get());
        if (!spec) {
          set({ clusterStatusError: SPEC_PROBLEMS });
          return;
        }
        try {
          await bridge.invoke('cluster:revokeToken', { spec, id });
          await get().refreshCluster();
        } catch (error) {
          set({ clusterStatusError: errorText(error) });
        }
      },
      adopting: null,
      adoptNotes: [],
      async adoptCluster(hostId) {
        const host = get().hosts.find((h) => h.id === hostId);
        if (!host) return;
        set({ adopting: { hostId, error: null } });
        try {
          const result = await bridge.invoke('cluster:adopt', {
            address: host.address,
            port: host.port,
            user: host.user,
            auth: host.auth,
            keyPath: host.keyPath,
            sudoPasswordGiven: Boolean(host.sudoPasswordGiven),
          });
          await get().refreshSaved();
          await get().openClusterPage(result.slug);
          set({
            adopting: null,
            adoptNotes: [
              ...result.notes,
              ...result.missing.map((m) => `${m.node} is not in the saved cluster: add ${m.what}.`),
            ],
          });
        } catch (error) {
          set({ adopting: { hostId, error: errorText(error) } });
        }
      },
      addMachines() {
        const { savedSlug, hosts } = get();
        if (!savedSlug) return;
        latest += 1;
        set({
          page: 'wizard',
          clusterLoading: null,
          addingTo: { slug: savedSlug, existing: hosts.map((h) => h.id) },
          step: 'hosts',
          // the install of the new machines is a run of its own (Install, not Run again)
          run: null,
          runId: null,
          hostLogs: {},
        });
      },
    };
  };
