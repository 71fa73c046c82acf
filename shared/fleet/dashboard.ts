/**
 * The fleet's dashboard from its runs' snapshots: a row per cluster, a cell per machine, the
 * failures first (clusters with a failed machine, and in each row the failed machines), so the
 * teacher sees at once what needs a retry. Pure: the command line and the UI show the same.
 */
import type { RunSnapshot } from '../run';

export type CellState = 'pending' | 'running' | 'done' | 'failed' | 'blocked' | 'cancelled';

export interface MachineCell {
  host: string;
  state: CellState;
  /** The step that failed (or blocked it) and why, in one line. */
  problem?: string;
}

export interface ClusterRow {
  cluster: string;
  state: CellState;
  machines: MachineCell[];
  durationMs?: number;
}

const RANK: Record<CellState, number> = {
  failed: 0,
  blocked: 1,
  cancelled: 2,
  running: 3,
  pending: 4,
  done: 5,
};

// The cluster's own checks run on its server but are about the whole cluster: they colour the
// row, not the server's cell (a failed agent would otherwise show the healthy server blocked).
const CLUSTER_PHASES = new Set(['verify']);

function cell(snapshot: RunSnapshot, host: string): MachineCell {
  const steps = snapshot.order
    .map((id) => snapshot.steps[id])
    .filter((s) => s?.host === host && !CLUSTER_PHASES.has(s.phase));
  const failed = steps.find((s) => s?.status === 'failed');
  if (failed) {
    const message = failed.error?.message ?? 'failed';
    // The engine's own words often name the step already: it is not said twice.
    return {
      host,
      state: 'failed',
      problem: message.includes(failed.title) ? message : `${failed.title}: ${message}`,
    };
  }
  const blocked = steps.find((s) => s?.status === 'blocked');
  if (blocked)
    return { host, state: 'blocked', problem: `waits for ${blocked.blockedBy ?? 'an earlier step'}` };
  if (steps.some((s) => s?.status === 'cancelled')) return { host, state: 'cancelled' };
  if (steps.some((s) => s?.status === 'running')) return { host, state: 'running' };
  if (steps.every((s) => s?.status === 'done' || s?.status === 'skipped')) return { host, state: 'done' };
  return {
    host,
    state: steps.some((s) => s?.status === 'done' || s?.status === 'skipped') ? 'running' : 'pending',
  };
}

/** `machines`: every cluster's machines by name, so a cluster whose run has not started shows too. */
export function dashboard(
  clusters: readonly { cluster: string; machines: readonly string[] }[],
  snapshots: Readonly<Record<string, RunSnapshot | null | undefined>>,
): ClusterRow[] {
  const rows = clusters.map(({ cluster, machines }): ClusterRow => {
    const snapshot = snapshots[cluster];
    const cells = machines
      .map((host) => (snapshot ? cell(snapshot, host) : { host, state: 'pending' as const }))
      .map((c, i) => ({ c, i }))
      .sort((a, b) => RANK[a.c.state] - RANK[b.c.state] || a.i - b.i)
      .map(({ c }) => c);
    const worst = cells.reduce<CellState>((w, c) => (RANK[c.state] < RANK[w] ? c.state : w), 'done');
    const ended: Partial<Record<RunSnapshot['status'], CellState>> = {
      succeeded: 'done',
      failed: 'failed',
      cancelled: 'cancelled',
    };
    const state: CellState = snapshot
      ? (ended[snapshot.status] ?? (worst === 'done' ? 'running' : worst))
      : 'pending';
    return {
      cluster,
      state,
      machines: cells,
      ...(snapshot?.durationMs !== undefined ? { durationMs: snapshot.durationMs } : {}),
    };
  });
  return rows
    .map((r, i) => ({ r, i }))
    .sort((a, b) => RANK[a.r.state] - RANK[b.r.state] || a.i - b.i)
    .map(({ r }) => r);
}

/** The dashboard as terminal lines. */
export function dashboardText(rows: readonly ClusterRow[]): string[] {
  const mark: Record<CellState, string> = {
    done: 'ok',
    failed: 'FAILED',
    blocked: 'blocked',
    cancelled: 'stopped',
    running: 'working',
    pending: 'waiting',
  };
  return rows.flatMap((r) => [
    `${r.cluster}: ${mark[r.state]}${r.durationMs !== undefined ? ` (${Math.round(r.durationMs / 1000)} s)` : ''}  ${r.machines.map((m) => `${m.host} ${mark[m.state]}`).join(', ')}`,
    ...r.machines.filter((m) => m.problem).map((m) => `    ${m.host}: ${m.problem}`),
  ]);
}
