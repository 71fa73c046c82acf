import { useEffect } from 'react';
import { useAppStore } from '../store';
import type { DayTwoRun } from '../store/day-two-slice';
import { DataTable } from './DataTable';
import { MachineRunCard } from './MachineRunCard';

const KIND: Record<string, string> = {
  upgrade: 'upgrade',
  uncordon: 'uncordon only (it was left cordoned)',
  skip: 'already there',
};

/** "Upgrade K3s": a channel or a version, the planner's plan per node (or its refusal), then the run. */
export function UpgradePanel() {
  const target = useAppStore((s) => s.upgradeTarget);
  const setTarget = useAppStore((s) => s.setUpgradeTarget);
  const plan = useAppStore((s) => s.upgradePlan);
  const refusal = useAppStore((s) => s.upgradeRefusal);
  const busy = useAppStore((s) => s.dayTwoBusy);
  const running = useAppStore((s) => s.dayTwoRun?.snapshot?.status === 'running');
  const planUpgrade = useAppStore((s) => s.planUpgrade);
  const startUpgrade = useAppStore((s) => s.startUpgrade);
  const dismiss = useAppStore((s) => s.dismissDayTwo);
  const work = plan?.nodes.filter((n) => n.kind !== 'skip') ?? [];
  return (
    <section className="panel" aria-labelledby="cluster-upgrade">
      <h2 id="cluster-upgrade">Upgrade K3s</h2>
      <p className="help">
        Node by node: servers one at a time, then agents. Each is cordoned, drained, upgraded with the install
        script, waited for until Ready at the new version, and uncordoned. One minor version at a time; no
        downgrade.
      </p>
      <fieldset>
        <legend>Go to</legend>
        <label>
          <input
            type="radio"
            name="upgrade-kind"
            checked={target.kind === 'channel'}
            onChange={() => setTarget({ kind: 'channel', channel: 'stable' })}
          />{' '}
          A channel
        </label>{' '}
        <label>
          <input
            type="radio"
            name="upgrade-kind"
            checked={target.kind === 'version'}
            onChange={() => setTarget({ kind: 'version', version: '' })}
          />{' '}
          A version
        </label>
        {target.kind === 'channel' ? (
          <label className="field">
            Channel (stable, latest, or a minor version such as v1.33)
            <input
              value={target.channel}
              maxLength={40}
              onChange={(e) => setTarget({ kind: 'channel', channel: e.target.value })}
            />
          </label>
        ) : (
          <label className="field">
            Version (like v1.33.5+k3s1)
            <input
              value={target.version}
              maxLength={100}
              onChange={(e) => setTarget({ kind: 'version', version: e.target.value })}
            />
          </label>
        )}
      </fieldset>
      <button type="button" onClick={() => void planUpgrade()} disabled={busy !== null || running}>
        {busy === 'planning' && !plan ? 'Planning…' : 'Show the upgrade plan'}
      </button>
      {refusal && (
        <p className="field-problem" role="alert">
          Refused: {refusal}
        </p>
      )}
      {plan && (
        <div>
          <DataTable
            label="Upgrade plan"
            rows={plan.nodes}
            rowKey={(n) => n.name}
            columns={[
              { head: 'Node', cell: (n) => n.name },
              { head: 'Role', cell: (n) => n.role },
              { head: 'From', cell: (n) => n.from },
              { head: 'To', cell: (n) => n.to },
              { head: 'What', cell: (n) => `${KIND[n.kind]}${n.note ? ` (${n.note})` : ''}` },
            ]}
          />
          {plan.warnings.map((w) => (
            <p key={w} className="conn-error">
              {w}
            </p>
          ))}
          {work.length === 0 ? (
            <p role="status">Nothing to do: every node runs {plan.target}.</p>
          ) : (
            <div className="toolbar">
              <button
                type="button"
                className="primary"
                onClick={() => void startUpgrade()}
                disabled={busy !== null || running}
              >
                Upgrade {work.length} {work.length === 1 ? 'node' : 'nodes'} to {plan.target}
              </button>
              <button type="button" onClick={dismiss}>
                Cancel
              </button>
            </div>
          )}
        </div>
      )}
    </section>
  );
}

/** What removing a node does, asked before anything changes; or why it is refused. */
export function RemoveConfirm() {
  const removal = useAppStore((s) => s.removal);
  const busy = useAppStore((s) => s.dayTwoBusy);
  const startRemove = useAppStore((s) => s.startRemove);
  const dismiss = useAppStore((s) => s.dismissDayTwo);
  const file = useAppStore((s) => s.cluster.name);
  if (!removal) return null;
  const p = removal.preview;
  return (
    <section className="panel" aria-labelledby="cluster-remove">
      <h2 id="cluster-remove">Remove {removal.node}</h2>
      {!p && !removal.refusal && <p role="status">Reading the cluster…</p>}
      {removal.refusal && (
        <p className="field-problem" role="alert">
          Refused: {removal.refusal}
        </p>
      )}
      {p && (
        <>
          <p>
            {p.node} ({p.role}, {p.address}) leaves the cluster:
          </p>
          <ol>
            <li>
              {p.inCluster
                ? p.ready
                  ? 'Cordon it and drain it (at most 120 s); if pods block the drain, it is uncordoned and nothing else is done.'
                  : 'It is NotReady: it is not drained.'
                : 'It has no node object in the cluster.'}
            </li>
            <li>
              {p.reachable
                ? 'Uninstall K3s on the machine.'
                : 'It cannot be reached: K3s stays on it (run the uninstall script there if it comes back).'}
            </li>
            <li>Delete its node object and its node-password secret.</li>
            <li>
              {p.firewallPeers.length
                ? `Take its address out of the firewall rules of ${p.firewallPeers.join(', ')}.`
                : 'No other node has firewall rules for it.'}
            </li>
            <li>Take it out of the saved cluster {file}.</li>
          </ol>
          {p.warnings.map((w) => (
            <p key={w} className="conn-error">
              {w}
            </p>
          ))}
        </>
      )}
      <div className="toolbar">
        {p && (
          <button
            type="button"
            className="danger"
            onClick={() => void startRemove()}
            disabled={busy !== null}
          >
            Remove {p.node} from the cluster
          </button>
        )}
        <button type="button" onClick={dismiss}>
          {p ? 'Cancel' : 'Close'}
        </button>
      </div>
    </section>
  );
}

function title(run: DayTwoRun): string {
  const status = run.snapshot?.status ?? 'running';
  const what =
    run.kind === 'upgrade'
      ? `Upgrade to ${run.subject}`
      : run.kind === 'rotate'
        ? 'Rotation of the cluster token'
        : `Removal of ${run.subject}`;
  if (status === 'running') return `${what}: running…`;
  if (status === 'succeeded') return `${what}: done.`;
  return `${what}: ${status}.`;
}

/** The upgrade or removal under way (or just finished), with the nodes as the cluster lists them after it. */
export function DayTwoRunView() {
  const run = useAppStore((s) => s.dayTwoRun);
  const follow = useAppStore((s) => s.followDayTwo);
  const startUpgrade = useAppStore((s) => s.startUpgrade);
  const startRotate = useAppStore((s) => s.startRotate);
  const dismiss = useAppStore((s) => s.dismissDayTwo);
  const busy = useAppStore((s) => s.dayTwoBusy);
  useEffect(() => follow(), [follow]);
  if (!run) return null;
  const snapshot = run.snapshot;
  const failedHost = snapshot?.order
    .map((id) => snapshot.steps[id])
    .find((s) => s?.status === 'failed')?.host;
  return (
    <section className="panel" aria-labelledby="day2-run">
      <h2 id="day2-run">{title(run)}</h2>
      {snapshot && (
        <p role="status" className="help">
          {snapshot.status === 'running'
            ? 'Working…'
            : snapshot.status === 'succeeded'
              ? run.kind === 'upgrade'
                ? `Every node runs ${run.subject}; the saved cluster asks for it.`
                : run.kind === 'rotate'
                  ? 'Every node runs with the new token. Join commands with the old one no longer work: make new ones.'
                  : `${run.subject} was removed from the cluster; the saved cluster no longer lists it.`
              : failedHost
                ? `It stopped at ${failedHost}.`
                : 'It stopped.'}
        </p>
      )}
      {snapshot?.hosts.map((host) => (
        <MachineRunCard
          key={host}
          run={snapshot}
          host={host}
          log={run.logs[host] ?? []}
          idPrefix="day2"
          level={3}
        />
      ))}
      {snapshot?.status === 'succeeded' &&
        run.kind === 'remove' &&
        snapshot.steps[`remove:${run.subject}:uninstall`]?.status === 'skipped' && (
          <p className="conn-error">
            {run.subject} could not be reached: K3s is still on it. If it comes back, run
            /usr/local/bin/k3s-uninstall.sh (or k3s-agent-uninstall.sh) on it before it joins anything again.
          </p>
        )}
      {snapshot?.nodes?.length ? (
        <DataTable
          label="Nodes after the upgrade"
          rows={snapshot.nodes}
          rowKey={(n) => n.name}
          columns={[
            { head: 'Node', cell: (n) => n.name },
            { head: 'Version', cell: (n) => n.version },
            {
              head: 'State',
              className: (n) => (n.ready ? 'flow-open' : 'flow-blocked'),
              cell: (n) => (n.ready ? 'Ready' : 'Not ready'),
            },
          ]}
        />
      ) : null}
      {snapshot && snapshot.status !== 'running' && (
        <div className="toolbar">
          {run.kind === 'upgrade' && snapshot.status !== 'succeeded' && (
            <button
              type="button"
              className="primary"
              onClick={() => void startUpgrade()}
              disabled={busy !== null}
            >
              Continue the upgrade
            </button>
          )}
          {run.kind === 'rotate' && snapshot.status !== 'succeeded' && (
            <button
              type="button"
              className="primary"
              onClick={() => void startRotate()}
              disabled={busy !== null}
            >
              Continue the rotation
            </button>
          )}
          <button type="button" onClick={dismiss}>
            Close
          </button>
        </div>
      )}
    </section>
  );
}
