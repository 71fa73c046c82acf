import type { StateCreator } from 'zustand';
import type {
  ClusterDraftInput,
  ClusterOptionsDraft,
  DraftHost,
  DraftStepId,
  SavedClusterSummary,
} from '../../../shared/draft';
import type { AppBridge } from '../bridge';
import { errorText } from '../lib/errors';
import type { StepId } from '../steps/steps';
import { DEFAULT_CLUSTER, type ClusterOptions } from './cluster-slice';
import { takenNames, uniqueName } from './cluster-name';
import type { HostEntry } from './hosts-slice';
import type { Store } from '.';

// The store and the saved draft must describe the same things, both ways.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const DRAFT_MATCHES_STORE: [
  Same<ClusterOptions, ClusterOptionsDraft>,
  Same<HostEntry, DraftHost>,
  Same<StepId, DraftStepId>,
] = [true, true, true];

export interface SavedSlice {
  /** Where this draft is saved (keeps saving to the same place); null until first saved. */
  savedSlug: string | null;
  savedClusters: SavedClusterSummary[];
  /** The context names already in the kubeconfig kubectl reads, and where it is. */
  kubeContexts: string[];
  kubeconfigPath: string;
  saveError: string | null;
  refreshSaved: () => Promise<void>;
  saveDraft: () => Promise<void>;
  openSaved: (slug: string) => Promise<void>;
  deleteSaved: (slug: string) => Promise<void>;
  /** Starts over with an empty draft under a name no other cluster uses (the saved ones stay saved). */
  newCluster: () => void;
}

/** The default name, or the next free one ("homelab-2") when another cluster has it. */
function freshName(state: Pick<Store, 'savedClusters' | 'kubeContexts'>): string {
  return uniqueName(DEFAULT_CLUSTER.name, takenNames({ ...state, savedSlug: null }));
}

/** The draft as saved: everything the wizard holds except secrets (it holds none) and UI state. */
export function draftOf(state: Store): ClusterDraftInput {
  return {
    version: 1,
    name: state.cluster.name || 'cluster',
    hosts: state.hosts,
    cluster: state.cluster,
    facts: state.facts,
    step: state.step,
    reached: state.reached,
    runId: state.runId,
  };
}

export const createSavedSlice =
  (bridge: AppBridge): StateCreator<Store, [], [], SavedSlice> =>
  (set, get) => {
    // Which draft the wizard holds: a save answered after New cluster or Open belongs to the
    // draft before, and must not make the new one save over it.
    let draft = 0;
    return {
      savedSlug: null,
      savedClusters: [],
      kubeContexts: [],
      kubeconfigPath: '~/.kube/config',
      saveError: null,
      async refreshSaved() {
        try {
          const [savedClusters, kube] = await Promise.all([
            bridge.invoke('clusters:list', {}),
            bridge.invoke('kubeconfig:contexts', {}),
          ]);
          set({ savedClusters, kubeContexts: kube.contexts, kubeconfigPath: kube.path });
          // A draft not started yet takes a free name rather than one that would collide.
          const state = get();
          if (!state.savedSlug && state.hosts.length === 0 && state.cluster.name === DEFAULT_CLUSTER.name) {
            set({ cluster: { ...state.cluster, name: freshName(state) } });
          }
        } catch (error) {
          set({ saveError: errorText(error) });
        }
      },
      async saveDraft() {
        const state = get();
        if (state.hosts.length === 0) return;
        const saving = draft;
        try {
          const { slug } = await bridge.invoke('clusters:save', {
            draft: draftOf(state),
            ...(state.savedSlug ? { slug: state.savedSlug } : {}),
          });
          if (saving === draft) set({ savedSlug: slug, saveError: null });
        } catch (error) {
          set({ saveError: `Could not save this cluster: ${errorText(error)}` });
        }
      },
      async openSaved(slug) {
        draft += 1;
        try {
          const { draft } = await bridge.invoke('clusters:load', { slug });
          set({
            savedSlug: slug,
            hosts: draft.hosts,
            cluster: draft.cluster,
            facts: draft.facts,
            step: draft.step,
            reached: draft.reached,
            runId: draft.runId,
            connections: {},
            run: null,
            fixRunId: null,
            fixRun: null,
            hostLogs: {},
            saveError: null,
          });
          await get().catchUpRun();
        } catch (error) {
          set({ saveError: errorText(error) });
        }
      },
      async deleteSaved(slug) {
        try {
          await bridge.invoke('clusters:delete', { slug });
          if (get().savedSlug === slug) set({ savedSlug: null });
          await get().refreshSaved();
        } catch (error) {
          set({ saveError: errorText(error) });
        }
      },
      newCluster() {
        draft += 1;
        set({
          savedSlug: null,
          hosts: [],
          cluster: { ...DEFAULT_CLUSTER, name: freshName(get()) },
          facts: {},
          step: 'hosts',
          reached: ['hosts'],
          runId: null,
          run: null,
          fixRunId: null,
          fixRun: null,
          hostLogs: {},
          connections: {},
          saveError: null,
        });
      },
    };
  };

/** Saves the draft a moment after the user stops changing it. */
export function autosave(
  store: { getState(): Store; subscribe(listener: (s: Store, p: Store) => void): () => void },
  delayMs = 800,
): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const unsubscribe = store.subscribe((state, previous) => {
    const changed =
      state.hosts !== previous.hosts ||
      state.cluster !== previous.cluster ||
      state.facts !== previous.facts ||
      state.step !== previous.step ||
      state.runId !== previous.runId;
    if (!changed) return;
    clearTimeout(timer);
    timer = setTimeout(() => void store.getState().saveDraft(), delayMs);
  });
  return () => {
    clearTimeout(timer);
    unsubscribe();
  };
}
