import type { StateCreator } from 'zustand';
import { reduceRun, type RunEvent, type RunSnapshot } from '../../../shared/run';
import type { AppBridge } from '../bridge';
import { errorText } from '../lib/errors';
import { SPEC_PROBLEMS, specOf } from './spec';
import type { Store } from '.';

/** Lines kept per machine in the live log (the view is windowed, so this can be large). */
export const MAX_LOG_LINES = 50_000;

export interface RunSlice {
  /** This cluster's install run (the Install step shows it, and only it). */
  runId: string | null;
  run: RunSnapshot | null;
  /** A fix started from the Checks step (some steps of the plan), shown where it was started. */
  fixRunId: string | null;
  fixRun: RunSnapshot | null;
  /** Everything each machine printed during this run, newest last. */
  hostLogs: Record<string, string[]>;
  runError: string | null;
  /** Starts the install: a run of the whole plan. */
  startRun: (options?: { dryRun?: boolean }) => Promise<void>;
  /** Runs only these steps of the plan (a fix from the Checks step); the install is not touched. */
  startFix: (steps: string[]) => Promise<void>;
  /** Follows run events live; returns the unsubscribe. */
  followRun: () => () => void;
  /** After a reload: the run's state so far, from the back end. */
  catchUpRun: () => Promise<void>;
  cancelRun: () => Promise<void>;
  retryHost: (host: string) => Promise<void>;
}

function appendLog(logs: Record<string, string[]>, host: string, lines: string[]): Record<string, string[]> {
  const next = [...(logs[host] ?? []), ...lines];
  return { ...logs, [host]: next.length > MAX_LOG_LINES ? next.slice(-MAX_LOG_LINES) : next };
}

export const createRunSlice =
  (bridge: AppBridge): StateCreator<Store, [], [], RunSlice> =>
  (set, get) => ({
    runId: null,
    run: null,
    fixRunId: null,
    fixRun: null,
    hostLogs: {},
    runError: null,
    async startRun(options = {}) {
      const spec = specOf(get());
      if (!spec) {
        set({ runError: SPEC_PROBLEMS });
        return;
      }
      set({ runError: null, run: null, hostLogs: {} });
      try {
        const { runId } = await bridge.invoke('run:start', { spec, dryRun: options.dryRun ?? false });
        set({ runId });
        await get().catchUpRun();
      } catch (error) {
        set({ runError: errorText(error) });
      }
    },
    async startFix(steps) {
      const spec = specOf(get());
      if (!spec) {
        set({ runError: SPEC_PROBLEMS });
        return;
      }
      set({ runError: null, fixRun: null });
      try {
        const { runId } = await bridge.invoke('run:start', { spec, dryRun: false, steps });
        set({ fixRunId: runId });
        const snapshot = await bridge.invoke('run:snapshot', { runId });
        set((state) =>
          state.fixRunId === runId && (!state.fixRun || state.fixRun.lastSeq < snapshot.lastSeq)
            ? { fixRun: snapshot }
            : {},
        );
      } catch (error) {
        set({ runError: errorText(error) });
      }
    },
    followRun() {
      return bridge.on('run:event', (event: RunEvent) => {
        const { runId, run, fixRunId, fixRun } = get();
        if (event.runId === fixRunId) {
          if (!fixRun || event.seq > fixRun.lastSeq) set({ fixRun: reduceRun(fixRun, event) });
          return;
        }
        if (event.runId !== runId) return;
        // Events the snapshot already holds (it was taken after they happened) are skipped.
        if (run && event.seq <= run.lastSeq) return;
        set((state) => ({
          run: reduceRun(state.run, event),
          hostLogs:
            event.type === 'output' ? appendLog(state.hostLogs, event.host, event.lines) : state.hostLogs,
        }));
      });
    },
    async catchUpRun() {
      const { runId } = get();
      if (!runId) return;
      try {
        const snapshot = await bridge.invoke('run:snapshot', { runId });
        set((state) => {
          if (state.run && state.run.lastSeq >= snapshot.lastSeq) return {};
          // Seed each machine's log with what the snapshot kept, when nothing streamed yet.
          let logs = state.hostLogs;
          for (const id of snapshot.order) {
            const step = snapshot.steps[id];
            if (step && !logs[step.host]?.length) logs = appendLog(logs, step.host, step.output);
          }
          return { run: snapshot, hostLogs: logs };
        });
      } catch (error) {
        set({ runError: errorText(error) });
      }
    },
    async cancelRun() {
      const { runId } = get();
      if (!runId) return;
      try {
        await bridge.invoke('run:cancel', { runId });
      } catch (error) {
        set({ runError: errorText(error) });
      }
    },
    async retryHost(host) {
      const { runId } = get();
      if (!runId) return;
      set({ runError: null });
      try {
        await bridge.invoke('run:retryHost', { runId, host });
      } catch (error) {
        set({ runError: errorText(error) });
      }
    },
  });
