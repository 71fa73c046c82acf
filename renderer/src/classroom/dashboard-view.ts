/**
 * What the classroom dashboard says: the words for each state, the one-line summary, and which
 * machines and clusters offer a retry. Pure, from the back end's dashboard (failures first).
 */
import type { CellState, ClusterRow } from '../../../shared/fleet/dashboard';
import type { FleetDashboard } from '../../../shared/fleet/schema';

export const STATE_LABEL: Record<CellState, string> = {
  done: 'Ready',
  failed: 'Failed',
  blocked: 'Blocked',
  cancelled: 'Stopped',
  running: 'Working',
  pending: 'Waiting',
};

const ENDED_BADLY: readonly CellState[] = ['failed', 'blocked', 'cancelled'];

/** A cluster whose run has ended with something not done: it can be built again. */
export function canRetryCluster(row: ClusterRow): boolean {
  return ENDED_BADLY.includes(row.state);
}

/** Machines to offer a retry on: the failed ones of a cluster that is not being worked on. */
export function retryableMachines(row: ClusterRow): string[] {
  if (!canRetryCluster(row)) return [];
  return row.machines.filter((m) => m.state === 'failed').map((m) => m.host);
}

export function dashboardSummary(d: FleetDashboard): string {
  const machines = d.rows.flatMap((r) => r.machines);
  const ready = machines.filter((m) => m.state === 'done').length;
  const failed = machines.filter((m) => m.state === 'failed').length;
  const clusters = d.rows.length;
  const broken = d.rows.filter((r) => r.state !== 'done');
  if (d.running)
    return `Building ${clusters} clusters, ${d.concurrency} machines at a time: ${ready} of ${machines.length} machines ready${failed ? `, ${failed} failed` : ''}.`;
  if (!broken.length) return `All ${clusters} clusters are ready (${machines.length} machines).`;
  return `${broken.length} of ${clusters} clusters did not finish (${broken.map((r) => r.cluster).join(', ')}): ${failed} ${failed === 1 ? 'machine' : 'machines'} failed. Fix what they say, then retry them.`;
}
