import { useAppStore } from '../store';
import { ConnectionsTable } from '../components/ConnectionsTable';
import { NodesTable } from '../components/NodesTable';
import { DoneJoin } from './DoneJoin';
import { installState } from './done-state';

export function DoneStep() {
  const run = useAppStore((s) => s.run);
  const cluster = useAppStore((s) => s.cluster);
  const createBundle = useAppStore((s) => s.createBundle);
  const uninstall = useAppStore((s) => s.uninstall);
  const bundlePath = useAppStore((s) => s.bundlePath);
  const opsError = useAppStore((s) => s.opsError);
  const download = useAppStore((s) => s.download);
  // In the browser front the files are on the computer running `k3s-wizard serve`.
  const served = useAppStore((s) => s.info?.front === 'browser');
  const where = served ? ' on the computer running k3s-wizard serve' : '';
  const state = installState(run);
  if (!run || !state.installed) {
    return <p className="panel muted">The cluster is not installed yet: finish the Install step first.</p>;
  }
  const blocked = state.blocked;
  const nodes = run.nodes ?? [];
  const context = cluster.contextName || cluster.name;
  return (
    <div className="done">
      {blocked && (
        <section className="panel" aria-labelledby="done-blocked">
          <h2 id="done-blocked">Installed, but not ready</h2>
          <p className="field-problem" role="alert">
            {blocked}
          </p>
          <p className="help">
            The blocked connections are marked in the table below. Once they are open, install again from the
            Install step: what is already done is skipped, and the connections are tested again.
          </p>
        </section>
      )}
      <section className="panel" aria-labelledby="done-nodes">
        <h2 id="done-nodes">Your cluster {cluster.name}</h2>
        <NodesTable nodes={nodes} />
        <p className={run.checkedFromHere ? 'conn-ok' : 'conn-error'}>
          {run.checkedFromHere
            ? 'Checked from this computer: kubectl will work from here.'
            : 'The cluster could not be reached from this computer with the new kubeconfig.'}
        </p>
      </section>
      {run.flows?.length ? (
        <section className="panel" aria-labelledby="done-flows">
          <h2 id="done-flows">Connections between the nodes</h2>
          <p className="help">
            Tested after the install, flow by flow; a flow that could not be tested is unknown, not passed.
          </p>
          <ConnectionsTable label="Connections tested" results={run.flows} />
        </section>
      ) : null}
      <section className="panel" aria-labelledby="done-kubeconfig">
        <h2 id="done-kubeconfig">kubeconfig</h2>
        {run.kubeconfigPath ? (
          <>
            <p>
              Written to <code>{run.kubeconfigPath}</code>
              {where} as context <code>{context}</code>.
            </p>
            <pre className="commands">{`kubectl --context ${context} get nodes`}</pre>
            {served && (
              <button
                type="button"
                onClick={() => void download({ kind: 'kubeconfig', runId: run.runId, context })}
              >
                Download the kubeconfig
              </button>
            )}
          </>
        ) : (
          <p className="help">No kubeconfig was written.</p>
        )}
      </section>
      <DoneJoin />
      <section className="panel" aria-labelledby="done-help">
        <h2 id="done-help">When something is wrong</h2>
        <div className="toolbar">
          <button type="button" onClick={() => void createBundle()}>
            Create a support bundle
          </button>
          <button
            type="button"
            className="danger"
            onClick={() => {
              if (
                window.confirm(
                  `Uninstall K3s from every machine of ${cluster.name}? The cluster and its data are removed.`,
                )
              )
                void uninstall();
            }}
          >
            Uninstall the cluster…
          </button>
        </div>
        {bundlePath && (
          <p>
            Support bundle written to <code>{bundlePath}</code>
            {where} (secrets removed).{' '}
            {served && (
              <button type="button" onClick={() => void download({ kind: 'bundle', path: bundlePath })}>
                Download the support bundle
              </button>
            )}
          </p>
        )}
        {opsError && (
          <p className="field-problem" role="alert">
            {opsError}
          </p>
        )}
      </section>
    </div>
  );
}
