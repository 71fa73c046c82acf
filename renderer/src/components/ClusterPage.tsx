import { useEffect } from 'react';
import { useAppStore } from '../store';
import { ConnectionsTable } from './ConnectionsTable';
import { NodesTable } from './NodesTable';
import { DayTwoRunView, RemoveConfirm, UpgradePanel } from './DayTwoPanel';
import { DataTable } from './DataTable';
import { ErrorBoundary } from './ErrorBoundary';
import { RotateTokenPanel } from './RotateTokenPanel';

/** How often the nodes are asked again while the page is open (the flows only on demand). */
const REFRESH_MS = 15_000;

/** An installed cluster, live: its nodes, the flows between them, its join tokens, Add machines. */
export function ClusterPage() {
  const name = useAppStore((s) => s.cluster.name);
  const status = useAppStore((s) => s.clusterStatus);
  const error = useAppStore((s) => s.clusterStatusError);
  const loading = useAppStore((s) => s.clusterLoading);
  const refresh = useAppStore((s) => s.refreshCluster);
  const revoke = useAppStore((s) => s.revokeToken);
  const addMachines = useAppStore((s) => s.addMachines);
  const close = useAppStore((s) => s.closeClusterPage);
  const planRemove = useAppStore((s) => s.planRemove);
  const dayTwoError = useAppStore((s) => s.dayTwoError);
  const dayTwoBusy = useAppStore((s) => s.dayTwoBusy);
  const dayTwoRunning = useAppStore((s) => s.dayTwoRun?.snapshot?.status === 'running');
  const adoptNotes = useAppStore((s) => s.adoptNotes);

  useEffect(() => {
    const timer = setInterval(() => void refresh(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [refresh]);

  const ready = status?.nodes.filter((n) => n.ready).length ?? 0;
  const tokens = status?.tokens ?? [];
  return (
    <div className="done cluster-page">
      {adoptNotes.length > 0 && (
        <section className="panel" aria-labelledby="adopt-notes">
          <h2 id="adopt-notes">Adopted: what the saved cluster assumed</h2>
          <ul>
            {adoptNotes.map((note) => (
              <li key={note}>{note}</li>
            ))}
          </ul>
        </section>
      )}
      <section className="panel" aria-labelledby="cluster-nodes">
        <h2 id="cluster-nodes">Nodes</h2>
        <p role="status" className="help">
          {loading === 'flows'
            ? 'Reading the cluster and testing the flows between the nodes…'
            : loading === 'nodes'
              ? 'Reading the cluster…'
              : status
                ? `K3s ${status.version} on ${status.server}: ${ready} of ${status.nodes.length} nodes Ready.`
                : ''}
        </p>
        {error && (
          <p className="field-problem" role="alert">
            {error}
          </p>
        )}
        {status && (
          <NodesTable
            nodes={status.nodes}
            note={(node) => (node.inFile ? '' : ' (not in this cluster’s machines)')}
            action={{
              label: 'Remove',
              cell: (node) =>
                node.inFile && (
                  <button
                    type="button"
                    className="danger"
                    onClick={() => void planRemove(node.name)}
                    disabled={dayTwoBusy !== null || dayTwoRunning}
                  >
                    Remove <span className="visually-hidden">{node.name}</span>
                  </button>
                ),
            }}
          />
        )}
        {status?.notJoined.length ? (
          <p className="conn-error">
            Not in the cluster: {status.notJoined.join(', ')}. Install again to join{' '}
            {status.notJoined.length === 1 ? 'it' : 'them'}.
          </p>
        ) : null}
        <div className="toolbar">
          <button type="button" onClick={() => void refresh()} disabled={loading !== null}>
            Refresh
          </button>
          <button type="button" className="primary" onClick={addMachines}>
            Add machines
          </button>
          <button type="button" onClick={close}>
            Back to the wizard
          </button>
        </div>
      </section>
      {dayTwoError && (
        <p className="field-problem" role="alert">
          {dayTwoError}
        </p>
      )}
      <RemoveConfirm />
      <DayTwoRunView />
      <UpgradePanel />
      <section className="panel" aria-labelledby="cluster-flows">
        <h2 id="cluster-flows">Connections between the nodes</h2>
        {status?.flows?.length ? (
          <ConnectionsTable label="Connections tested" results={status.flows} />
        ) : (
          <p className="help">{status?.flows ? 'A single node: no flows to test.' : 'Not tested yet.'}</p>
        )}
        {status?.blocked && <p className="conn-error">{status.blocked}</p>}
        {status?.flowsError && <p className="conn-error">The flows were not tested: {status.flowsError}</p>}
        <button type="button" onClick={() => void refresh({ flows: true })} disabled={loading !== null}>
          Test the flows again
        </button>
      </section>
      <section className="panel" aria-labelledby="cluster-tokens">
        <h2 id="cluster-tokens">Join tokens</h2>
        <p className="help">
          Expiring tokens of join commands (k3s token create). Revoking one stops new machines joining with
          it; machines that joined stay. The cluster token is not listed here.
        </p>
        {tokens.length === 0 ? (
          <p>No join tokens on {name}.</p>
        ) : (
          <DataTable
            label="Join tokens"
            rows={tokens}
            rowKey={(t) => t.id}
            columns={[
              { head: 'Token', cell: (t) => <code>{t.id}</code> },
              {
                head: 'Expires',
                cell: (t) => (t.expires ? `${new Date(t.expires).toLocaleString()} (${t.ttl})` : 'never'),
              },
              { head: 'Description', cell: (t) => t.description || '—' },
              {
                head: 'Revoke',
                hidden: true,
                cell: (t) => (
                  <button
                    type="button"
                    className="danger"
                    onClick={() => {
                      if (
                        window.confirm(`Revoke the join token ${t.id}? Machines can no longer join with it.`)
                      )
                        void revoke(t.id);
                    }}
                  >
                    Revoke <span className="visually-hidden">{t.id}</span>
                  </button>
                ),
              },
            ]}
          />
        )}
        {status && <RotateTokenPanel version={status.version} server={status.server} />}
      </section>
    </div>
  );
}

/** The page in the app's frame, in place of the wizard's steps. */
export function ClusterMain() {
  const name = useAppStore((s) => s.cluster.name);
  return (
    <main className="app-main">
      <h1 tabIndex={-1}>Cluster {name}</h1>
      <p className="step-summary">Live: its nodes, the connections between them, its join tokens.</p>
      <ErrorBoundary what="the cluster page" reloadLabel="Reload the cluster page">
        <ClusterPage />
      </ErrorBoundary>
    </main>
  );
}
