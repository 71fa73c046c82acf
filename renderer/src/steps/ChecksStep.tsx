import { useEffect, useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { AddingBanner } from '../components/AddingBanner';
import { hostsBeingAdded } from '../store/cluster-page-slice';
import { serverApiPort } from '../store/cluster-slice';
import { ConnectionsTable } from '../components/ConnectionsTable';
import { renderAction } from '../../../shared/plan';
import { runChecks, type Check } from '../../../shared/checks';
import { ChecksMatrix, ConnectionMatrix } from '../components/ChecksMatrix';
import { CopyButton } from '../components/CopyButton';
import { Fold, FOLD_AFTER } from '../components/Fold';
import { useAppStore } from '../store';
import { usePlan } from '../store/use-plan';
import type { HostEntry } from '../store/hosts-slice';

const STATUS_LABEL: Record<Check['status'], string> = { pass: 'OK', warn: 'Warning', fail: 'Problem' };

function Fix({ check, onFirewall }: { check: Check; onFirewall: () => void }) {
  const fix = check.fix;
  if (!fix) return null;
  if (fix.kind === 'step') {
    return (
      <button type="button" onClick={onFirewall}>
        Choose what to do on the Firewall step
      </button>
    );
  }
  if (fix.kind === 'command') {
    return (
      <div className="fix">
        {fix.description && <p>{fix.description}</p>}
        <pre className="commands">{fix.command}</pre>
        <CopyButton label={`Copy the fix for ${check.title}`} text={fix.command} />
      </div>
    );
  }
  if (fix.action === 'enable-memory-cgroup' && check.hostId) {
    return <CgroupFix check={check} description={fix.description} />;
  }
  // Fixes the engine applies itself, in the prepare phase of the install (shown on Review).
  return (
    <div className="fix">
      <p>
        <strong>Fix:</strong> {fix.description}
      </p>
      {fix.action === 'prefer-bundled-bin' ? (
        <p className="help">
          k3s-wizard does this during the install, before K3s starts; the Review step lists the exact
          commands.
        </p>
      ) : null}
    </div>
  );
}

/**
 * The Pi's memory cgroup: what will change on the machine, then (when asked) the change, the
 * reboot and the wait with progress, and a fresh check afterwards. The install does it too.
 */
function CgroupFix({ check, description }: { check: Check; description: string }) {
  const plan = usePlan();
  const run = useAppStore((s) => s.fixRun);
  const startFix = useAppStore((s) => s.startFix);
  const runError = useAppStore((s) => s.runError);
  const testHost = useAppStore((s) => s.testHost);
  const host = useAppStore((s) => s.hosts.find((h) => h.nodeName === check.hostId));
  const stepId = `prepare:${check.hostId ?? ''}:cgroup`;
  const step = plan?.ok ? plan.plan.steps.find((s) => s.id === stepId) : undefined;
  const state = run?.steps[stepId];
  const finished = state?.status === 'done' || state?.status === 'skipped';

  useEffect(() => {
    // The fix ran: look at the machine again, so this check turns green.
    if (finished && host) void testHost(host.id);
  }, [finished, host, testHost]);

  return (
    <div className="fix">
      <p>
        <strong>Fix:</strong> {description} The install does this too; you can do it now.
      </p>
      {step && (
        <details>
          <summary>What will change on {check.hostId}</summary>
          <pre className="commands">
            {step.actions.flatMap((a) => [`# ${a.what}`, ...renderAction(a)]).join('\n')}
          </pre>
        </details>
      )}
      {state?.status === 'running' ? (
        <p role="status">
          <span className="spinner" aria-hidden="true" /> {state.progress?.what ?? 'Working'}…
        </p>
      ) : state?.status === 'failed' ? (
        <p className="field-problem" role="alert">
          {state.error?.message}
        </p>
      ) : runError && !state ? (
        <p className="field-problem" role="alert">
          {runError}
        </p>
      ) : finished ? (
        <p className="conn-ok" role="status">
          Done: the memory cgroup is on.
        </p>
      ) : null}
      <button
        type="button"
        className="primary"
        disabled={!step || state?.status === 'running'}
        onClick={() => void startFix([stepId])}
      >
        Enable it now and reboot {check.hostId}
      </button>
    </div>
  );
}

/**
 * A machine that already runs a K3s server: instead of installing over it, open its running
 * cluster (adopt), the way the command line's `adopt` reads it.
 */
function AdoptOffer({ check }: { check: Check }) {
  const host = useAppStore((s) => s.hosts.find((h) => h.nodeName === check.hostId));
  const role = useAppStore((s) => (host ? s.facts[host.id]?.k3s.role : undefined));
  const adopting = useAppStore((s) => s.adopting);
  const adopt = useAppStore((s) => s.adoptCluster);
  if (!host || role !== 'server') return null;
  const mine = adopting?.hostId === host.id ? adopting : null;
  return (
    <div className="fix">
      <p>
        Or leave it as it is and open its running cluster: the wizard reads its nodes, version and settings
        (no secret is saved) and shows the cluster’s page, to add or remove machines and upgrade.
      </p>
      {mine?.error && (
        <p className="field-problem" role="alert">
          {mine.error}
        </p>
      )}
      <button type="button" disabled={Boolean(mine && !mine.error)} onClick={() => void adopt(host.id)}>
        {mine && !mine.error ? 'Reading the cluster…' : `Open the cluster running on ${host.nodeName}`}
      </button>
    </div>
  );
}

function CheckRow({ check, onFirewall, open }: { check: Check; onFirewall: () => void; open?: boolean }) {
  return (
    <li className={`check check-${check.status}`}>
      <details open={open ?? check.status === 'fail'}>
        <summary>
          <span className={`badge badge-${check.status}`}>{STATUS_LABEL[check.status]}</span> {check.title}
        </summary>
        <p>{check.reason}</p>
        <Fix check={check} onFirewall={onFirewall} />
        {check.id === 'k3s-installed' && check.status !== 'pass' && <AdoptOffer check={check} />}
      </details>
    </li>
  );
}

function hostLabel(host: HostEntry): string {
  return `${host.nodeName} (${host.address}, ${host.role})`;
}

export function ChecksStep() {
  // Adding machines to a running cluster: only the new ones are checked.
  const hosts = useAppStore(useShallow(hostsBeingAdded));
  const facts = useAppStore((s) => s.facts);
  const connections = useAppStore((s) => s.connections);
  const connectivity = useAppStore((s) => s.connectivity);
  const recheckAll = useAppStore((s) => s.recheckAll);
  const testConnectivity = useAppStore((s) => s.testConnectivity);
  const apiPort = useAppStore((s) => s.cluster.apiPort);
  const listeners = useAppStore((s) => s.cluster.listeners);
  const goFirewall = useAppStore((s) => s.goToFirewall);

  const checks = useMemo(
    () =>
      runChecks({
        hosts: hosts.map((h) => ({
          id: h.nodeName,
          role: h.role,
          facts: facts[h.id] ?? null,
          ...(h.role === 'server' ? { apiPort: serverApiPort({ apiPort, listeners }, h.id) } : {}),
        })),
        apiPort,
      }),
    [hosts, facts, apiPort, listeners],
  );
  const probing = hosts.some((h) => connections[h.id]?.state === 'testing');
  const probed = hosts.filter((h) => facts[h.id]);
  const [onlyProblems, setOnlyProblems] = useState(false);
  const plan = usePlan();
  const startFix = useAppStore((s) => s.startFix);
  const fixing = useAppStore((s) => s.fixRun?.status === 'running');
  const planSteps = plan?.ok ? new Set(plan.plan.steps.map((step) => step.id)) : new Set<string>();
  // Every Pi whose memory cgroup is off, fixed in one run (each reboots once).
  const cgroupFixes = checks
    .filter((c) => c.status === 'fail' && c.fix?.kind === 'action' && c.fix.action === 'enable-memory-cgroup')
    .map((c) => `prepare:${c.hostId ?? ''}:cgroup`)
    .filter((id) => planSteps.has(id));
  const fold = hosts.length > FOLD_AFTER;
  const visible = (check: Check) => !onlyProblems || check.status !== 'pass';
  const connectionProblems =
    connectivity.state === 'done' ? connectivity.checks.filter((c) => c.status !== 'pass') : [];
  const across = [
    ...checks.filter((c) => c.hostId === null),
    ...(connectivity.state === 'done'
      ? connectionProblems.length > 3
        ? connectivity.checks.filter((c) => c.status === 'pass')
        : connectivity.checks
      : []),
  ]
    .filter(visible)
    .sort(byStatus);

  return (
    <div className="checks">
      <AddingBanner step="checks" />
      <div className="toolbar">
        <button type="button" onClick={() => void recheckAll()} disabled={probing || hosts.length === 0}>
          {probing ? 'Checking…' : 'Check all machines again'}
        </button>
        <button
          type="button"
          onClick={() => void testConnectivity()}
          disabled={connectivity.state === 'testing' || probed.length < 2}
        >
          {connectivity.state === 'testing' ? 'Testing connections…' : 'Test connections between machines'}
        </button>
        {cgroupFixes.length > 1 && (
          <button type="button" disabled={fixing} onClick={() => void startFix(cgroupFixes)}>
            Fix the memory cgroup on all {cgroupFixes.length} Pis and reboot them
          </button>
        )}
        <label className="check">
          <input type="checkbox" checked={onlyProblems} onChange={(e) => setOnlyProblems(e.target.checked)} />
          Only problems
        </label>
        <p className="help">
          {probed.length} of {hosts.length} machines checked.
        </p>
      </div>

      <ChecksMatrix
        hosts={hosts.map((h) => ({ name: h.nodeName, probed: Boolean(facts[h.id]) }))}
        checks={checks}
        onlyProblems={onlyProblems}
        detail={(check) => (
          <ul className="check-list">
            <CheckRow check={check} onFirewall={goFirewall} open />
          </ul>
        )}
      />
      {connectivity.state === 'done' && (
        <ConnectionMatrix results={connectivity.results} onlyProblems={onlyProblems} />
      )}

      <Fold fold={fold} summary={`Every check of every machine (${hosts.length})`}>
        {hosts.map((host) => {
          const own = checks.filter((c) => c.hostId === host.nodeName).filter(visible);
          const connection = connections[host.id];
          return (
            <section key={host.id} className="panel" aria-labelledby={`checks-${host.id}`}>
              <h2 id={`checks-${host.id}`}>{hostLabel(host)}</h2>
              {!facts[host.id] ? (
                <p className="help">
                  {connection?.state === 'error'
                    ? `Could not check this machine: ${connection.message}`
                    : connection?.state === 'testing'
                      ? 'Checking…'
                      : 'Not checked yet: test its connection on the Hosts step, or check all machines again.'}
                </p>
              ) : (
                <ul className="check-list" aria-label={`Checks of ${host.nodeName}`}>
                  {[...own].sort(byStatus).map((check) => (
                    <CheckRow key={`${check.id}`} check={check} onFirewall={goFirewall} />
                  ))}
                </ul>
              )}
            </section>
          );
        })}
      </Fold>

      <section className="panel" aria-labelledby="checks-across">
        <h2 id="checks-across">Across the machines</h2>
        <ul className="check-list" aria-label="Checks across the machines">
          {connectionProblems.length > 3 && (
            <li className="check check-fail">
              <details>
                <summary>
                  <span className="badge badge-fail">{STATUS_LABEL.fail}</span> {connectionProblems.length}{' '}
                  connections between the machines are blocked or untested
                </summary>
                <p>The matrix above shows which, port by port; each one:</p>
                <ul className="check-list">
                  {connectionProblems.map((check) => (
                    <CheckRow
                      key={`${check.id}-${(check.hostIds ?? []).join(',')}`}
                      check={check}
                      onFirewall={goFirewall}
                      open={false}
                    />
                  ))}
                </ul>
              </details>
            </li>
          )}
          {across.map((check) => (
            <CheckRow
              key={`${check.id}-${(check.hostIds ?? []).join(',')}`}
              check={check}
              onFirewall={goFirewall}
            />
          ))}
        </ul>
        {connectivity.state === 'error' && <p className="field-problem">{connectivity.message}</p>}
        {connectivity.state === 'done' && (
          <Fold fold={fold} summary={`Every connection test as a list (${connectivity.results.length})`}>
            <ConnectionsTable label="Connection tests" results={connectivity.results} />
          </Fold>
        )}
      </section>
    </div>
  );
}

const ORDER: Record<Check['status'], number> = { fail: 0, warn: 1, pass: 2 };
function byStatus(a: Check, b: Check): number {
  return ORDER[a.status] - ORDER[b.status];
}
