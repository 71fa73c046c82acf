/**
 * The classroom build's dashboard: a row per cluster, a cell per machine with its live state,
 * failures first (clusters with a failed machine, and those machines first in their row) with
 * what went wrong; "Retry" on a failed machine (its failed steps) or on a cluster (a new run,
 * the finished steps skipped). It follows the runs' events, and catches up after a reload.
 */
import { useEffect } from 'react';
import type { ClusterRow } from '../../../shared/fleet/dashboard';
import type { FleetDashboard as Dashboard } from '../../../shared/fleet/schema';
import { useAppStore } from '../store';
import { STATE_LABEL, canRetryCluster, dashboardSummary, retryableMachines } from './dashboard-view';

function Row({ row, dashboard, busy }: { row: ClusterRow; dashboard: Dashboard; busy: boolean }) {
  const retryFleet = useAppStore((s) => s.retryFleet);
  const retryable = new Set(retryableMachines(row));
  return (
    <section className={`fleet-row state-${row.state}`} aria-label={`Build of ${row.cluster}`}>
      <h3>
        {row.cluster}: <span className="fleet-state">{STATE_LABEL[row.state]}</span>
        {row.durationMs !== undefined && !['running', 'pending'].includes(row.state) && (
          <span className="help"> in {Math.round(row.durationMs / 1000)} s</span>
        )}
      </h3>
      {canRetryCluster(row) && (
        <button type="button" disabled={busy} onClick={() => void retryFleet(row.cluster)}>
          Retry cluster {row.cluster}
        </button>
      )}
      <ul className="fleet-cells" aria-label={`Machines of ${row.cluster}`}>
        {row.machines.map((m) => {
          const node = dashboard.nodes[m.host];
          return (
            <li
              key={m.host}
              className={`fleet-cell state-${m.state}`}
              aria-label={`${m.host}: ${STATE_LABEL[m.state]}`}
            >
              <strong>{m.host}</strong> {node?.address}
              {node?.role === 'server' ? ' (server)' : ''}{' '}
              <span className="fleet-state">{STATE_LABEL[m.state]}</span>
              {m.problem && (
                <p
                  className={m.state === 'failed' ? 'field-problem' : 'help'}
                  role={m.state === 'failed' ? 'alert' : undefined}
                >
                  {m.problem}
                </p>
              )}
              {retryable.has(m.host) && (
                <button type="button" disabled={busy} onClick={() => void retryFleet(row.cluster, m.host)}>
                  Retry {m.host}
                </button>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}

export function FleetDashboard() {
  const dashboard = useAppStore((s) => s.fleetDashboard);
  const busy = useAppStore((s) => s.fleetBusy);
  const followFleet = useAppStore((s) => s.followFleet);
  const refreshFleet = useAppStore((s) => s.refreshFleet);
  const cancelFleet = useAppStore((s) => s.cancelFleet);
  useEffect(() => {
    const stop = followFleet();
    void refreshFleet();
    return stop;
  }, [followFleet, refreshFleet]);
  if (!dashboard) return null;
  return (
    <div className="fleet-dashboard" aria-label={`Build of ${dashboard.name}`} role="region">
      <h2>Build of {dashboard.name}</h2>
      <p role="status" aria-label="Classroom build">
        {dashboardSummary(dashboard)}
      </p>
      {dashboard.running && (
        <button type="button" disabled={busy !== null} onClick={() => void cancelFleet()}>
          Stop the build
        </button>
      )}
      {dashboard.rows.map((row) => (
        <Row key={row.cluster} row={row} dashboard={dashboard} busy={busy !== null} />
      ))}
    </div>
  );
}
