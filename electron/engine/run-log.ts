/**
 * One log file per run: dataDir/clusters/<name>/runs/<timestamp>.log, mode 0600, one line per
 * event, every line through the logger's redaction (the engine redacts too; this is the
 * second layer, since a log file outlives the run).
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { flowLine } from '../../shared/checks/connectivity';
import type { RunEvent } from '../../shared/run';

export function runLogPath(dataDir: string, cluster: string, started: Date): string {
  const safe = cluster.replace(/[^A-Za-z0-9._-]/g, '-');
  return join(dataDir, 'clusters', safe, 'runs', `${started.toISOString().replace(/[:.]/g, '-')}.log`);
}

/** One readable line for an event. */
export function formatEvent(event: RunEvent): string {
  const where = 'stepId' in event ? ` ${event.host} ${event.stepId}` : '';
  const head = `${event.time} #${event.seq}${where} ${event.type}`;
  switch (event.type) {
    case 'run-started':
      return `${head} cluster=${event.cluster} steps=${event.steps.length} concurrency=${event.concurrency}${event.dryRun ? ' dry-run' : ''}`;
    case 'run-resumed':
      return `${head} host=${event.host} steps=${event.stepIds.join(',')}`;
    case 'output':
      return event.lines.map((line) => `${head} ${event.stream}: ${line}`).join('\n');
    case 'progress':
      return `${head} ${event.action + 1}/${event.actions} ${event.what}${event.total ? ` ${event.transferred ?? 0}/${event.total} bytes` : ''}`;
    case 'step-skipped':
      return `${head} ${event.reason}`;
    case 'step-finished':
      return `${head} in ${event.durationMs} ms${event.changed ? '' : ' (no change)'}`;
    case 'step-failed':
      return [
        `${head} ${event.error.code} after ${event.durationMs} ms: ${event.error.message}`,
        ...event.error.lastOutput.map((l) => `  | ${l}`),
      ].join('\n');
    case 'step-blocked':
      return `${head} by ${event.blockedBy}`;
    case 'cluster-checked':
      return [
        `${head} kubeconfig=${event.kubeconfigPath ?? '-'} checked-from-here=${event.checkedFromHere}`,
        ...event.nodes.map(
          (n) =>
            `  node ${n.name} ready=${n.ready} roles=${n.roles.join(',') || '-'} ${n.version} ${n.arch} ${n.internalIp}`,
        ),
        ...(event.flows ?? []).map((f) => `  flow ${flowLine(f)}`),
      ].join('\n');
    case 'run-finished':
      return `${head} ${event.outcome} in ${event.durationMs} ms${event.changed ? '' : ' (nothing changed)'}`;
    case 'step-started':
      return head;
  }
}

export class RunLog {
  readonly path: string;

  constructor(
    options: { dataDir: string; cluster: string; started?: Date },
    private readonly redact: (text: string) => string,
  ) {
    this.path = runLogPath(options.dataDir, options.cluster, options.started ?? new Date());
    mkdirSync(join(this.path, '..'), { recursive: true, mode: 0o700 });
    appendFileSync(this.path, '', { mode: 0o600 });
  }

  write(event: RunEvent): void {
    try {
      appendFileSync(this.path, `${this.redact(formatEvent(event))}\n`, { mode: 0o600 });
    } catch {
      // A full disk must not stop an install; the events still reach every front.
    }
  }
}
