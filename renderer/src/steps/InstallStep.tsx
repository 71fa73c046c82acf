import { useEffect, useState } from 'react';
import { ERROR_TITLES } from '../../../shared/errors';
import {
  elapsedMs,
  hostStatus,
  hostSteps,
  type HostStatus,
  type RunSnapshot,
  type StepState,
} from '../../../shared/run';
import { VirtualLog } from '../components/VirtualLog';
import { useAppStore } from '../store';
import { usePlan } from '../store/use-plan';

const HOST_STATUS: Record<HostStatus, string> = {
  pending: 'Waiting',
  running: 'Working',
  done: 'Done',
  failed: 'Failed',
  blocked: 'Waiting for another machine that failed',
  cancelled: 'Cancelled',
};

function seconds(ms: number | undefined): string {
  if (ms === undefined) return '';
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

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

export function StepLine({ step }: { step: StepState }) {
  const progress = step.progress;
  return (
    <li className={`run-step run-${step.status}`}>
      <span className="run-step-status">
        {step.status !== 'skipped'
          ? step.status
          : step.skipReason === 'not-needed'
            ? 'not needed'
            : 'already done'}
      </span>{' '}
      {step.title}
      {step.durationMs !== undefined && <span className="help"> · {seconds(step.durationMs)}</span>}
      {step.status === 'running' && progress && (
        <div className="progress-line">
          <progress
            max={progress.total ?? progress.actions}
            value={progress.transferred ?? progress.action}
            aria-label={`${step.title}: ${progress.what}`}
          />
          <span className="help">{progress.what}</span>
        </div>
      )}
    </li>
  );
}

function HostCard({ run, host, log }: { run: RunSnapshot; host: string; log: readonly string[] }) {
  const retryHost = useAppStore((s) => s.retryHost);
  const status = hostStatus(run, host);
  const steps = hostSteps(run, host);
  const failed = steps.find((s) => s.status === 'failed');
  const current = steps.find((s) => s.status === 'running');
  return (
    <section className={`panel host-run host-${status}`} aria-labelledby={`run-${host}`}>
      <header className="host-plan-head">
        <h2 id={`run-${host}`}>{host}</h2>
        <span className={`badge badge-${status === 'done' ? 'pass' : status === 'failed' ? 'fail' : 'warn'}`}>
          {HOST_STATUS[status]}
        </span>
      </header>
      {current && <p>Now: {current.title}</p>}
      <ol className="run-steps">
        {steps.map((step) => (
          <StepLine key={step.id} step={step} />
        ))}
      </ol>
      {failed?.error && (
        <div className="run-error" role="alert">
          <p>
            <strong>{ERROR_TITLES[failed.error.code]}</strong> {failed.error.message}
          </p>
          {failed.error.lastOutput.length > 0 && (
            <pre className="commands">{failed.error.lastOutput.join('\n')}</pre>
          )}
          {run.status !== 'running' && (
            <button type="button" className="primary" onClick={() => void retryHost(host)}>
              Retry {host}
            </button>
          )}
        </div>
      )}
      <details>
        <summary>
          Log of {host} ({log.length} lines)
        </summary>
        <VirtualLog lines={log} label={`Log of ${host}`} />
      </details>
    </section>
  );
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
        <HostCard key={host} run={run} host={host} log={hostLogs[host] ?? []} />
      ))}
    </div>
  );
}
