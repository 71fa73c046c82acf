/**
 * The install script ends with `systemctl restart`, which blocks until K3s is ready: forever,
 * when an agent cannot join. While it runs, the engine reads the unit's journal and stops the
 * wait early when K3s says why it cannot join (a refused token or a duplicate name at once, an
 * unreachable server after a grace period, since K3s keeps retrying that).
 */
import { latestJoinProblem } from '../../shared/run';
import type { ExecOutcome, ExecRequest, HostRunner } from './host-runner';
import { readJournal, type K3sUnit } from './k3s';

export interface JoinWatchOptions {
  intervalMs: number;
  /** How long an unreachable server is tolerated before giving up. */
  unreachableGraceMs: number;
}

export class JoinStopped extends Error {
  constructor(readonly journal: string) {
    super('K3s reported a join failure');
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

/** Runs the install command while watching the journal; throws JoinStopped on a known failure. */
export function execWatchingJoin(
  runner: HostRunner,
  unit: K3sUnit,
  request: ExecRequest,
  options: JoinWatchOptions,
): Promise<ExecOutcome> {
  return watchingJoin(runner, unit, request.signal, options, (signal) => runner.exec({ ...request, signal }));
}

/** Runs `work` (the install, maybe inside a batch) while watching the journal, as above. */
export async function watchingJoin<T>(
  runner: HostRunner,
  unit: K3sUnit,
  given: AbortSignal,
  options: JoinWatchOptions,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const stop = new AbortController();
  const finished = new AbortController();
  const startedAt = Date.now();
  let verdict: string | null = null;
  const watch = async (): Promise<void> => {
    let unreachableSince: number | null = null;
    while (!finished.signal.aborted) {
      await sleep(options.intervalMs, finished.signal);
      if (finished.signal.aborted) return;
      const seconds = Math.ceil((Date.now() - startedAt) / 1000) + 2;
      const journal = await readJournal(runner, unit, finished.signal, { lines: 60, sinceSeconds: seconds });
      if (!journal) continue;
      const code = latestJoinProblem(journal)?.code ?? null;
      if (code === 'JOIN_UNREACHABLE') unreachableSince ??= Date.now();
      else unreachableSince = null;
      const giveUp =
        code === 'JOIN_TOKEN_REJECTED' ||
        code === 'DUPLICATE_NODE' ||
        (unreachableSince !== null && Date.now() - unreachableSince >= options.unreachableGraceMs);
      if (giveUp) {
        verdict = journal;
        stop.abort();
        return;
      }
    }
  };
  const watching = watch();
  try {
    return await work(AbortSignal.any([given, stop.signal]));
  } catch (error) {
    if (verdict !== null && !given.aborted) throw new JoinStopped(verdict);
    throw error;
  } finally {
    finished.abort();
    await watching;
  }
}
