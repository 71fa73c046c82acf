import { useEffect, useState } from 'react';
import { elapsedMs } from '../../../shared/run';
import { MachineRunCard, seconds } from '../components/MachineRunCard';
import { useAppStore } from '../store';
import { usePlan } from '../store/use-plan';

/** A clock for elapsed times, ticking only while the run is going. */
function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [active]);
  return now;
}

/** Before the first run: what Install will do, in one paragraph. */
function WhatInstallDoes() {
  const plan = usePlan();
  const hosts = useAppStore((s) => s.hosts);
  if (!plan?.ok) return null;
  const servers = hosts.filter((h) => h.role === 'server').map((h) => h.nodeName);
  const agents = hosts.filter((h) => h.role === 'agent').map((h) => h.nodeName);
  const machines = hosts.length === 1 ? '1 machine' : `${hosts.length} machines`;
  return (
    <p>
      Install runs the {plan.plan.steps.length} steps shown on the Review step on {machines}: K3s on{' '}
      {servers.join(', ')} first
      {agents.length > 0 ? `, then ${agents.join(', ')} join${agents.length === 1 ? 's' : ''} it` : ''}.
      Progress and each machine’s output show here as it goes; you can cancel, and running again continues
      where it stopped.
    </p>
  );
}

export function InstallStep() {
  const run = useAppStore((s) => s.run);
  const runError = useAppStore((s) => s.runError);
  const hostLogs = useAppStore((s) => s.hostLogs);
  const startRun = useAppStore((s) => s.startRun);
  const cancelRun = useAppStore((s) => s.cancelRun);
  const retryHost = useAppStore((s) => s.retryHost);
  const running = run?.status === 'running';
  const now = useNow(running);

  return (
    <div className="install">
      {!run && <WhatInstallDoes />}
      <div className="toolbar">
        {!running && (
          <button type="button" className="primary" onClick={() => void startRun()}>
            {run ? 'Run again' : 'Install'}
          </button>
        )}
        {running && (
          <button type="button" onClick={() => void cancelRun()}>
            Cancel
          </button>
        )}
        <p className="help" role="status">
          {!run
            ? 'Nothing has been installed yet.'
            : run.status === 'running'
              ? `Installing… ${seconds(elapsedMs(run, now))}`
              : run.status === 'succeeded'
                ? run.changed === false
                  ? 'Everything was already in place: nothing was changed.'
                  : `Finished in ${seconds(run.durationMs)}.`
                : run.status === 'cancelled'
                  ? 'Cancelled. Run again to continue where it stopped.'
                  : 'Some steps failed: see below, then retry that machine or run again.'}
        </p>
      </div>
      {runError && (
        <p className="field-problem" role="alert">
          {runError}
        </p>
      )}
      {run?.hosts.map((host) => (
        <MachineRunCard
          key={host}
          run={run}
          host={host}
          log={hostLogs[host] ?? []}
          idPrefix="run"
          onRetry={(h) => void retryHost(h)}
        />
      ))}
    </div>
  );
}
