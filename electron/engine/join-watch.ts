/**
 * The install script ends with `systemctl restart`, which blocks until K3s is ready: forever,
 * when an agent cannot join. While it runs, the engine reads the unit's journal and stops the
 * wait early when K3s says why it cannot join (a refused token or a duplicate name at once, an
 * unreachable server after a grace period, since K3s keeps retrying that).
 */
import { latestJoinProblem } from '../../shared/run';
import type { ExecOutcome, ExecRequest, HostRunner } from './host-runner';
import { shJoin } from '../../shared/shell';
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

// The journal followed over one channel from the first interval on (not one read per interval);
// capped on the host, and ended when its channel closes (the next line K3s writes meets a
// closed pipe).
const FOLLOW_CAP_S = 30 * 60;
const KEPT_LINES = 60;

function followCommand(unit: K3sUnit, sinceSeconds: number): string {
  return shJoin([
    'timeout',
    String(FOLLOW_CAP_S),
    'journalctl',
    '-u',
    unit,
    '-n',
    String(KEPT_LINES),
    '--no-pager',
    '--since',
    `-${sinceSeconds}s`,
    '--follow',
  ]);
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
  let unreachableSince: number | null = null;
  // True once the journal says why K3s cannot join (and the wait is stopped).
  const judge = (journal: string): boolean => {
    if (verdict !== null) return true;
    if (!journal) return false;
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
    }
    return giveUp;
  };
  // Read every interval: where the journal cannot be followed.
  const poll = async (): Promise<void> => {
    while (!finished.signal.aborted) {
      await sleep(options.intervalMs, finished.signal);
      if (finished.signal.aborted) return;
      const seconds = Math.ceil((Date.now() - startedAt) / 1000) + 2;
      const journal = await readJournal(runner, unit, finished.signal, {
        lines: KEPT_LINES,
        sinceSeconds: seconds,
      });
      if (judge(journal)) return;
    }
  };
  const follow = async (): Promise<void> => {
    // A join that is over within the first interval costs no look at all.
    await sleep(options.intervalMs, finished.signal);
    if (finished.signal.aborted) return;
    const lines: string[] = [];
    let partial = '';
    const text = () => lines.join('\n');
    // An unreachable server is tolerated for a while: judged again as time passes.
    const timer = setInterval(() => judge(text()), Math.max(250, options.intervalMs));
    try {
      const r = await runner.exec({
        command: followCommand(unit, Math.ceil((Date.now() - startedAt) / 1000) + 2),
        sudo: true,
        timeoutMs: (FOLLOW_CAP_S + 30) * 1000,
        signal: finished.signal,
        what: `follow the ${unit} journal`,
        onOutput: (stream, chunk) => {
          if (stream !== 'stdout') return;
          const parts = (partial + chunk).split('\n');
          partial = parts.pop() ?? '';
          for (const line of parts) if (line && !line.startsWith('-- ')) lines.push(line);
          lines.splice(0, Math.max(0, lines.length - KEPT_LINES));
          judge(text());
        },
      });
      if (finished.signal.aborted) return;
      for (const line of r.stdout.split('\n'))
        if (line && !line.startsWith('-- ') && !lines.includes(line)) lines.push(line);
      if (judge(text())) return;
    } catch {
      if (finished.signal.aborted) return;
    } finally {
      clearInterval(timer);
    }
    // It ended by itself (no follow there, or its cap): read it every interval instead.
    await poll();
  };
  const watching = follow();
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
