import type { StateCreator } from 'zustand';
import type { RemovalPreview, UpgradePlanView } from '../../../shared/day-two/actions-schema';
import { reduceRun, type RunEvent, type RunSnapshot } from '../../../shared/run';
import type { AppBridge } from '../bridge';
import { errorText } from '../lib/errors';
import { SPEC_PROBLEMS, specOf } from './spec';
import type { Store } from '.';

export type UpgradeTarget = { kind: 'channel'; channel: string } | { kind: 'version'; version: string };

/** An upgrade, a removal or a token rotation started from the cluster page, and its run as the events tell it. */
export interface DayTwoRun {
  kind: 'upgrade' | 'remove' | 'rotate';
  /** upgrade: the release; remove: the node; rotate: the cluster's name. */
  subject: string;
  runId: string;
  /** The saved cluster it runs on: its success is written there, never into another one opened since. */
  slug: string | null;
  snapshot: RunSnapshot | null;
  /** Everything each machine printed, newest last. */
  logs: Record<string, string[]>;
  /** Its success was written into the saved cluster (the cluster file's part of the job). */
  recorded: boolean;
}

export interface DayTwoSlice {
  upgradeTarget: UpgradeTarget;
  /** The upgrade planner's answer for the target: the plan, or its refusal. */
  upgradePlan: UpgradePlanView | null;
  upgradeRefusal: string | null;
  /** "Remove" was clicked for this node: what it will do, or why it is refused. */
  removal: { node: string; preview: RemovalPreview | null; refusal: string | null } | null;
  dayTwoBusy: 'planning' | 'starting' | null;
  dayTwoError: string | null;
  dayTwoRun: DayTwoRun | null;
  setUpgradeTarget: (target: UpgradeTarget) => void;
  planUpgrade: () => Promise<void>;
  /** Runs the plan shown (again after a failure: the back end continues where it stopped). */
  startUpgrade: () => Promise<void>;
  planRemove: (node: string) => Promise<void>;
  startRemove: () => Promise<void>;
  /** Rotates the cluster token (again after a failure: the back end continues where it stopped). */
  startRotate: () => Promise<void>;
  /** Closes the plan, the confirmation or a finished run's result. */
  dismissDayTwo: () => void;
  /** Folds run events of the day-two run; returns the unsubscribe. */
  followDayTwo: () => () => void;
}

const LOG_LINES = 20_000;

function withOutput(logs: Record<string, string[]>, event: RunEvent): Record<string, string[]> {
  if (event.type !== 'output') return logs;
  const next = [...(logs[event.host] ?? []), ...event.lines];
  return { ...logs, [event.host]: next.slice(-LOG_LINES) };
}

export const createDayTwoSlice =
  (bridge: AppBridge): StateCreator<Store, [], [], DayTwoSlice> =>
  (set, get) => {
    /** Once a run ended: a success goes into the saved cluster, and the page reads the cluster again. */
    const settled = async () => {
      const run = get().dayTwoRun;
      if (!run?.snapshot || run.recorded || run.snapshot.status === 'running') return;
      set({ dayTwoRun: { ...run, recorded: true } });
      const snapshot = run.snapshot;
      // as the command line does: once a node runs the new release the cluster asks for it (a
      // later install must not take it back), even when the rollout stopped further on
      const moved =
        run.kind === 'upgrade' &&
        snapshot.order.some((id) => id.startsWith('upgrade:') && snapshot.steps[id]?.status === 'done');
      if (get().savedSlug === run.slug) {
        if (moved)
          set((s) => ({ cluster: { ...s.cluster, version: { kind: 'version', version: run.subject } } }));
        else if (run.kind === 'remove' && snapshot.status === 'succeeded')
          set((s) => ({ hosts: s.hosts.filter((h) => h.nodeName !== run.subject) }));
        if (moved || (run.kind === 'remove' && snapshot.status === 'succeeded')) await get().saveDraft();
      }
      if (get().savedSlug === run.slug && get().page === 'cluster') await get().refreshCluster();
    };

    const catchUp = async (runId: string) => {
      const snapshot = await bridge.invoke('run:snapshot', { runId });
      const run = get().dayTwoRun;
      if (run?.runId !== runId) return;
      if (!run.snapshot || run.snapshot.lastSeq < snapshot.lastSeq) {
        let logs = run.logs;
        for (const id of snapshot.order) {
          const step = snapshot.steps[id];
          if (step && !logs[step.host]?.length) logs = { ...logs, [step.host]: step.output };
        }
        set({ dayTwoRun: { ...run, snapshot, logs } });
      }
      await settled();
    };

    const start = async (
      kind: DayTwoRun['kind'],
      subject: string,
      invoke: () => Promise<{ runId: string }>,
    ) => {
      set({ dayTwoBusy: 'starting', dayTwoError: null });
      const slug = get().savedSlug;
      try {
        const { runId } = await invoke();
        set({
          dayTwoBusy: null,
          upgradePlan: null,
          removal: null,
          dayTwoRun: { kind, subject, runId, slug, snapshot: null, logs: {}, recorded: false },
        });
        await catchUp(runId);
      } catch (error) {
        set({ dayTwoBusy: null, dayTwoError: errorText(error) });
      }
    };

    return {
      upgradeTarget: { kind: 'channel', channel: 'stable' },
      upgradePlan: null,
      upgradeRefusal: null,
      removal: null,
      dayTwoBusy: null,
      dayTwoError: null,
      dayTwoRun: null,
      setUpgradeTarget(upgradeTarget) {
        set({ upgradeTarget, upgradePlan: null, upgradeRefusal: null });
      },
      async planUpgrade() {
        const spec = specOf(get());
        if (!spec) return set({ dayTwoError: SPEC_PROBLEMS });
        const target = get().upgradeTarget;
        set({
          dayTwoBusy: 'planning',
          dayTwoError: null,
          upgradePlan: null,
          upgradeRefusal: null,
          removal: null,
        });
        try {
          const to =
            target.kind === 'version'
              ? { kind: 'version' as const, version: target.version.trim() }
              : { kind: 'channel' as const, channel: target.channel.trim() };
          const answer = await bridge.invoke('cluster:planUpgrade', { spec, to, force: false });
          set(
            answer.ok
              ? { upgradePlan: answer.plan, dayTwoBusy: null }
              : { upgradeRefusal: answer.reason, dayTwoBusy: null },
          );
        } catch (error) {
          set({ dayTwoBusy: null, dayTwoError: errorText(error) });
        }
      },
      async startUpgrade() {
        const spec = specOf(get());
        if (!spec) return set({ dayTwoError: SPEC_PROBLEMS });
        const state = get();
        const version =
          state.upgradePlan?.target ?? (state.dayTwoRun?.kind === 'upgrade' ? state.dayTwoRun.subject : null);
        if (!version) return;
        await start('upgrade', version, () =>
          bridge.invoke('cluster:upgrade', { spec, version, force: false, drain: true }),
        );
      },
      async planRemove(node) {
        const spec = specOf(get());
        if (!spec) return set({ dayTwoError: SPEC_PROBLEMS });
        set({
          dayTwoBusy: 'planning',
          dayTwoError: null,
          upgradePlan: null,
          upgradeRefusal: null,
          removal: { node, preview: null, refusal: null },
        });
        try {
          const answer = await bridge.invoke('cluster:planRemove', { spec, node });
          if (get().removal?.node !== node) return;
          set({
            dayTwoBusy: null,
            removal: answer.ok
              ? { node, preview: answer, refusal: null }
              : { node, preview: null, refusal: answer.reason },
          });
        } catch (error) {
          set({ dayTwoBusy: null, removal: null, dayTwoError: errorText(error) });
        }
      },
      async startRemove() {
        const spec = specOf(get());
        if (!spec) return set({ dayTwoError: SPEC_PROBLEMS });
        const node = get().removal?.preview?.node;
        if (!node) return;
        await start('remove', node, () => bridge.invoke('cluster:remove', { spec, node, drain: true }));
      },
      async startRotate() {
        const spec = specOf(get());
        if (!spec) return set({ dayTwoError: SPEC_PROBLEMS });
        set({ upgradePlan: null, upgradeRefusal: null, removal: null });
        await start('rotate', spec.name, () => bridge.invoke('cluster:rotateToken', { spec }));
      },
      dismissDayTwo() {
        const run = get().dayTwoRun;
        set({
          upgradePlan: null,
          upgradeRefusal: null,
          removal: null,
          dayTwoError: null,
          dayTwoRun: run?.snapshot?.status === 'running' ? run : null,
        });
      },
      followDayTwo() {
        const off = bridge.on('run:event', (event: RunEvent) => {
          const run = get().dayTwoRun;
          if (event.runId !== run?.runId) return;
          if (run.snapshot && event.seq <= run.snapshot.lastSeq) return;
          set({
            dayTwoRun: {
              ...run,
              snapshot: reduceRun(run.snapshot, event),
              logs: withOutput(run.logs, event),
            },
          });
          if (event.type === 'run-finished') void settled();
        });
        // a page opened again while a run went on catches up
        const run = get().dayTwoRun;
        if (run) void catchUp(run.runId).catch(() => undefined);
        return off;
      },
    };
  };
