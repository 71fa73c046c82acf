/**
 * What `upgrade` and `remove` share: the logins (through apply's openCluster: the back end's
 * hosts service and host-key policy), a runner per machine, the run's display on the terminal
 * (or on stderr under --json), Ctrl-C from the first moment, and the result as JSON.
 */
import type { Command } from 'commander';
import { parseDocument } from 'yaml';
import { AppError } from '../../../shared/errors';
import type { RunEvent, RunSnapshot } from '../../../shared/run';
import { reduceRun } from '../../../shared/run';
import type { ClusterSpec } from '../../../shared/spec';
import { Activity } from '../../day-two/activity';
import { liveDisplay, plainDisplay, summary, type RunDisplay } from '../../engine/display';
import { runnersOf as runnersFor } from '../../engine/runners';
import type { SshHostRunner } from '../../engine/ssh-runner';
import { confirm, isInteractive, openCluster, type OpenCluster } from './apply';
import type { LoginFlags } from '../secrets';
import type { CliIo } from './context';

export interface DayTwoFlags extends LoginFlags {
  yes?: boolean;
  json?: boolean;
  plain?: boolean;
  drain?: boolean;
  drainTimeout: string;
}

/** The options of a command that changes a running cluster: asking first, and its output. */
export function addChangeOptions(command: Command, yes: string): Command {
  return command
    .option('-y, --yes', yes)
    .option('--json', 'print the result as JSON on stdout (progress on stderr)')
    .option('--plain', 'print plain lines even on a terminal');
}

export function parseSeconds(text: string, flag: string, max = 24 * 3600): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > max)
    throw new AppError(
      'INVALID_INPUT',
      `${flag} must be a whole number of seconds from 1 to ${max}, not "${text}".`,
    );
  return value;
}

/** Ctrl-C, listened for from the start: before anything changes it stops; later it cancels. */
export function interruption(io: CliIo): { signal: AbortSignal; stopped: () => void } {
  const abort = new AbortController();
  void io.untilInterrupted().then(() => abort.abort());
  return {
    signal: abort.signal,
    stopped: () => {
      if (abort.signal.aborted)
        throw new AppError('CANCELLED', 'Interrupted before anything changed: nothing was done.');
    },
  };
}

export function runnersOf(cluster: OpenCluster, spec: ClusterSpec): (name: string) => SshHostRunner {
  return runnersFor({ pool: () => cluster.pool, spec });
}

/** What a day-two command works with once every machine is logged in. */
export interface DayTwoSession {
  cluster: OpenCluster;
  runnerFor: (name: string) => SshHostRunner;
  /** Cancels the run on Ctrl-C. */
  signal: AbortSignal;
  /** Throws when Ctrl-C came before anything changed. */
  stopped: () => void;
}

/**
 * Logs in to `spec`'s machines (Ctrl-C listened for from before the logins) and runs `work`;
 * the sessions are closed however it ends.
 */
export async function withDayTwoSession<R>(
  options: { spec: ClusterSpec; io: CliIo; dataDir: string; login: LoginFlags; lenient?: boolean },
  work: (session: DayTwoSession) => Promise<R>,
): Promise<R> {
  const { signal, stopped } = interruption(options.io);
  const cluster = await openCluster(options);
  try {
    stopped();
    return await work({ cluster, runnerFor: runnersOf(cluster, options.spec), signal, stopped });
  } finally {
    await cluster.close();
  }
}

/** The activity of a run, shown as apply shows its runs (on stderr under --json). */
export function followActivity(options: {
  io: CliIo;
  cluster: OpenCluster;
  name: string;
  hosts: string[];
  flags: DayTwoFlags;
  signal: AbortSignal;
}): { activity: Activity; finish: () => Promise<RunSnapshot> } {
  const { io, flags } = options;
  const live =
    !flags.json && !flags.plain && isInteractive() && Boolean(process.stdout.isTTY) && io.env.TERM !== 'dumb';
  const ui: { display: RunDisplay | null; view: RunSnapshot | null } = { display: null, view: null };
  const activity = new Activity({
    cluster: options.name,
    dataDir: options.cluster.dataDir,
    logger: options.cluster.logger,
    signal: options.signal,
    onEvent: (event: RunEvent) => {
      ui.view = reduceRun(ui.view, event);
      ui.display ??= live
        ? liveDisplay([...new Set(options.hosts)])
        : plainDisplay(flags.json ? io.stderr : io.stdout);
      if (ui.view) ui.display.update(event, ui.view);
    },
  });
  return {
    activity,
    finish: async () => {
      await ui.display?.finish();
      const snapshot = activity.snapshot as RunSnapshot;
      if (!flags.json) {
        io.stdout(summary(snapshot));
        io.stdout(`Log: ${activity.logPath}\n`);
      }
      return snapshot;
    },
  };
}

/** Per step: what happened to it, for --json. */
export function stepResults(snapshot: RunSnapshot): {
  id: string;
  host: string;
  title: string;
  status: string;
  error?: { code: string; message: string; lastOutput: string[] };
}[] {
  return snapshot.order.map((id) => {
    const s = snapshot.steps[id];
    return {
      id,
      host: s?.host ?? '',
      title: s?.title ?? '',
      status: s?.status ?? 'pending',
      ...(s?.error
        ? { error: { code: s.error.code, message: s.error.message, lastOutput: s.error.lastOutput } }
        : {}),
    };
  });
}

/** Asked before anything changes; --yes skips it, and without a terminal it is required. */
export async function confirmOrStop(options: { yes: boolean; question: string }): Promise<void> {
  if (options.yes) return;
  if (!isInteractive())
    throw new AppError('INVALID_INPUT', 'Add --yes to change the machines without being asked.');
  if (!(await confirm(options.question))) throw new AppError('CANCELLED', 'Nothing was done.');
}

/** The cluster file pinned to a K3s version (so a later apply installs that one, not the old). */
export function withVersion(text: string, version: string): string {
  const doc = parseDocument(text);
  doc.setIn(['k3s', 'version'], version);
  return doc.toString({ lineWidth: 0 });
}
