/**
 * One machine's part of a run, the same card wherever a run is shown (the Install step, an
 * upgrade or removal on the cluster page): its state, the step under way, every step with its
 * time and progress, the failure with its last output, and the machine's log.
 */
import { ERROR_TITLES } from '../../../shared/errors';
import {
  hostStatus,
  hostSteps,
  type HostStatus,
  type RunSnapshot,
  type StepState,
} from '../../../shared/run';
import { VirtualLog } from './VirtualLog';

const HOST_STATUS: Record<HostStatus, string> = {
  pending: 'Waiting',
  running: 'Working',
  done: 'Done',
  failed: 'Failed',
  blocked: 'Waiting for another machine that failed',
  cancelled: 'Cancelled',
};

/** `42 s`, `3 min 5 s`; empty when unknown. */
export function seconds(ms: number | undefined): string {
  if (ms === undefined) return '';
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
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

export interface MachineRunCardProps {
  run: RunSnapshot;
  host: string;
  log: readonly string[];
  /** Unique among the cards of one page: the heading's id is `${idPrefix}-${host}`. */
  idPrefix: string;
  /** The card's heading level under the page's own headings. */
  level?: 2 | 3;
  /** Offered on a failed machine once the run has stopped. */
  onRetry?: (host: string) => void;
}

export function MachineRunCard({ run, host, log, idPrefix, level = 2, onRetry }: MachineRunCardProps) {
  const status = hostStatus(run, host);
  const steps = hostSteps(run, host);
  const failed = steps.find((s) => s.status === 'failed');
  const current = steps.find((s) => s.status === 'running');
  const Heading = level === 2 ? 'h2' : 'h3';
  const headingId = `${idPrefix}-${host}`;
  return (
    <section className={`panel host-run host-${status}`} aria-labelledby={headingId}>
      <header className="host-plan-head">
        <Heading id={headingId}>{host}</Heading>
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
          {onRetry && run.status !== 'running' && (
            <button type="button" className="primary" onClick={() => onRetry(host)}>
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
