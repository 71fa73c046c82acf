/**
 * An install step's commands in batches (see shared/plan/batch.ts): file checks and uploads
 * first, then one script with everything up to and including the first try of the wait that
 * follows the install. Each action keeps its progress event and its own failure; the install
 * script keeps its timeout and the join watch. Also: several waits in a row tried at once.
 */
import { AppError } from '../../shared/errors';
import {
  fillTemplate,
  placeFileCommand,
  type BatchPart,
  type HostCheck,
  type PlanAction,
} from '../../shared/plan';
import { shJoin } from '../../shared/shell';
import { ActionFailed } from './failure';
import { JoinStopped, watchingJoin } from './join-watch';
import { isInstallScript, joins, unitOf } from './k3s';
import { sha256Of } from './local-files';
import type { StepOutput } from './output';
import {
  emitProgress,
  type RunMemory,
  type SentFile,
  type SentFiles,
  type StepContext,
} from './step-context';

export type { SentFile, SentFiles } from './step-context';

/**
 * Every upload of the step over one SFTP channel: a file whose destination does not exist yet
 * is copied at once, the others are compared first (one round trip for all of them) and only
 * the ones that differ are copied, side by side to temporary files, with progress; the batch
 * puts them in place.
 */
export async function sendFiles(
  ctx: StepContext,
  run: {
    signal: AbortSignal;
    remaining: () => number;
    started: (action: PlanAction) => void;
  },
): Promise<SentFiles> {
  const { step, runner } = ctx;
  const found = step.actions.flatMap((action, index) =>
    action.kind === 'upload' ? [{ index, action }] : [],
  );
  const files: SentFiles = new Map();
  if (!found.length) return files;
  // Each file's hash read once on this computer, whichever hosts ask for it.
  const uploads = await Promise.all(
    found.map(async (u) => ({
      ...u,
      sha256: u.action.sha256 ?? (await sha256Of(u.action.localFile, run.signal)),
    })),
  );
  const first = uploads[0];
  if (first) run.started(first.action);
  const temps = await runner.sendFiles(
    uploads.map((u) => ({
      localFile: u.action.localFile,
      unlessSame: { remotePath: u.action.remotePath, sha256: u.sha256, mode: u.action.mode },
      timeoutMs: run.remaining(),
      signal: run.signal,
      onProgress: (transferred: number, total: number) =>
        emitProgress(ctx, u.index, u.action.what, { transferred, total }),
    })),
  );
  uploads.forEach((u, i) => {
    const temp = temps[i];
    if (temp === undefined) throw new Error(`${u.action.localFile} was not copied to ${step.host}.`);
    files.set(u.index, { sha256: u.sha256, temp });
  });
  return files;
}

/** The output line of an upload the host had already. */
export function alreadyThere(host: string, remotePath: string): string {
  return `already on ${host} with the same sha256: ${remotePath}\n`;
}

/**
 * How many actions from `from` on run as one batch: the commands and file writes in a row, and
 * a wait that follows them (its first try; 0 or 1 means no batch).
 */
export function batchable(actions: readonly PlanAction[], from: number, files: SentFiles): number {
  let end = from;
  const fits = (i: number) =>
    ['exec', 'write-file'].includes(actions[i]?.kind ?? '') ||
    (actions[i]?.kind === 'upload' && files.has(i));
  // A batch runs as root when one part needs it: parts that must run as the user start another.
  const side = (i: number) => {
    const a = actions[i] as PlanAction;
    return needsUser(a) ? 'user' : needsRoot(a) ? 'root' : null;
  };
  let runsAs: 'user' | 'root' | null = null;
  const sameSide = (i: number) => {
    const s = side(i);
    if (s && runsAs && s !== runsAs) return false;
    runsAs ??= s;
    return true;
  };
  while (end < actions.length && fits(end) && sameSide(end)) end++;
  if (end > from && end < actions.length && actions[end]?.kind === 'wait-for' && sameSide(end)) end++;
  return end - from;
}

function needsUser(action: PlanAction): boolean {
  return (
    (action.kind === 'exec' && action.asUser === true) ||
    (action.kind === 'wait-for' && action.check.asUser === true)
  );
}

function batchPart(action: PlanAction, secrets: RunMemory['secrets'], file: SentFile | undefined): BatchPart {
  switch (action.kind) {
    case 'upload':
      if (!file) throw new Error(`${action.remotePath} was not sent before its batch.`);
      // Already there: its check set the mode; nothing to do.
      return file.temp
        ? { kind: 'exec', command: placeFileCommand({ ...action, sha256: file.sha256, temp: file.temp }) }
        : { kind: 'exec', command: 'true' };
    case 'exec':
      return {
        kind: 'exec',
        command: action.command,
        ...(action.stdin ? { stdin: fillTemplate(action.stdin, secrets) } : {}),
      };
    case 'write-file':
      return { ...action, content: fillTemplate(action.content, secrets) };
    case 'wait-for':
      return { kind: 'exec', command: `${action.check.command} >/dev/null 2>&1`, optional: true };
    default:
      throw new Error(`A ${action.kind} action cannot be batched.`);
  }
}

function needsRoot(action: PlanAction): boolean {
  return (
    action.kind === 'write-file' ||
    action.kind === 'upload' ||
    (action.kind === 'exec' && action.sudo) ||
    (action.kind === 'wait-for' && action.check.sudo)
  );
}

/**
 * Runs step.actions[from, from + count) in one round trip. Each part still gets its progress
 * event when it starts, and a failure is the failing action's, as if it had run alone; the
 * install script keeps its own timeout and, when joining, the journal watch.
 */
export async function runBatch(
  ctx: StepContext,
  run: {
    signal: AbortSignal;
    output: Pick<StepOutput, 'push'>;
    remaining: () => number;
    from: number;
    count: number;
    started: (action: PlanAction) => void;
    files: SentFiles;
    /** The step's "already done?" check, asked first in the same script: when it passes, nothing else runs. */
    check?: HostCheck;
  },
): Promise<{ changed: boolean; waitPending: boolean; alreadyDone: boolean }> {
  const { step, runner, services, memory } = ctx;
  const actions = step.actions.slice(run.from, run.from + run.count);
  // The check, when there is one, is part 0: the actions' parts come after it.
  const first = run.check ? 1 : 0;
  const installAt = actions.findIndex(isInstallScript);
  const install = actions[installAt];
  const serviceAbort = new AbortController();
  let serviceTimer: ReturnType<typeof setTimeout> | undefined;
  let serviceTimeoutMs = 0;
  let last = -1;
  const signal = AbortSignal.any([run.signal, serviceAbort.signal]);
  const check = run.check;
  const request = {
    parts: [
      ...(check ? [{ kind: 'exec' as const, command: check.command, optional: true, endIfOk: true }] : []),
      ...actions.map((action, i) => batchPart(action, memory.secrets, run.files.get(run.from + i))),
    ],
    sudo: actions.some(needsRoot) || (check?.sudo ?? false),
    onPart: (part: number) => {
      const i = part - first;
      const action = actions[i];
      if (!action) return;
      last = i;
      run.started(action);
      emitProgress(ctx, run.from + i, action.what);
      if (i === installAt) {
        serviceTimeoutMs = Math.min(services.serviceTimeoutMs, run.remaining());
        serviceTimer = setTimeout(() => serviceAbort.abort(), serviceTimeoutMs);
      }
    },
    onOutput: (stream: 'stdout' | 'stderr', text: string) => run.output.push(stream, text),
    timeoutMs: run.remaining(),
    signal,
    what: step.title,
  };
  const unit = unitOf(step);
  let result;
  try {
    result =
      install && unit && joins(step)
        ? await watchingJoin(runner, unit, signal, services.joinWatch, (s) =>
            runner.batch({ ...request, signal: s }),
          )
        : await runner.batch(request);
  } catch (error) {
    if (error instanceof JoinStopped && install)
      throw new ActionFailed(install, null, { journal: error.journal });
    if (serviceAbort.signal.aborted && !run.signal.aborted && install)
      throw new ActionFailed(install, null, {
        cause: new AppError(
          'TIMEOUT',
          `${step.host}: the install script did not finish within ${Math.round(serviceTimeoutMs / 1000)} s.`,
        ),
        timedOutAfterMs: serviceTimeoutMs,
      });
    const action = actions[Math.max(0, last)];
    if (error instanceof AppError && error.code === 'TIMEOUT' && action)
      throw new ActionFailed(action, null, { cause: error, timedOutAfterMs: request.timeoutMs });
    throw error;
  } finally {
    clearTimeout(serviceTimer);
  }
  if (check && result.code === 0 && result.codes[0] === 0 && result.codes.length === 1)
    return { changed: false, waitPending: false, alreadyDone: true };
  const codes = result.codes.slice(first);
  const lastIndex = actions.length - 1;
  const waits = actions[lastIndex]?.kind === 'wait-for';
  const failed = codes.findIndex((code, i) => code !== 0 && !(waits && i === lastIndex));
  if (failed >= 0) throw new ActionFailed(actions[failed] as PlanAction, codes[failed] ?? null);
  if (result.code !== 0 || codes.length < actions.length) {
    // Killed or cut off inside a part: that part failed with the batch's exit.
    throw new ActionFailed(actions[Math.max(0, last)] as PlanAction, result.code);
  }
  return { changed: true, waitPending: waits && codes[lastIndex] !== 0, alreadyDone: false };
}

// The checks side by side, each saying its exit.
const WAITS_SIDE_BY_SIDE = `i=0
for c in "$@"; do ( sh -c "$c" >/dev/null 2>&1; echo "k3s-wizard-wait $i $?" ) & i=$((i+1)); done
wait`;

/**
 * The one command that tries the waits from \`from\` on at once, when there are at least two in a
 * row (the verify step's: every node Ready, CoreDNS, …; read-only, so the run may ask it early,
 * see EngineRun); else null.
 */
export function waitsAtOnceCheck(
  actions: readonly PlanAction[],
  from: number,
): (HostCheck & { what: string; count: number }) | null {
  const checks: HostCheck[] = [];
  for (let i = from; i < actions.length; i++) {
    const action = actions[i];
    if (action?.kind !== 'wait-for') break;
    checks.push(action.check);
  }
  if (checks.length < 2) return null;
  // root's and the user's checks are not run in one shell
  if (checks.some((c) => c.asUser) && checks.some((c) => c.sudo)) return null;
  return {
    command: shJoin(['sh', '-c', WAITS_SIDE_BY_SIDE, 'k3s-wizard-waits', ...checks.map((c) => c.command)]),
    sudo: checks.some((c) => c.sudo),
    // What it is for, named in its errors (and what a shell started ahead for it is found by).
    what: `check ${checks.length} conditions at once`,
    count: checks.length,
  };
}

/** The waits the side-by-side check found met, by their place in it. */
export function metWaits(stdout: string): Set<number> {
  const met = new Set<number>();
  for (const line of stdout.split('\n')) {
    const m = /^k3s-wizard-wait (\d+) 0$/.exec(line);
    if (m) met.add(Number(m[1]));
  }
  return met;
}

/**
 * The first try of several waits in a row (the verify step's "every node is Ready", then
 * CoreDNS) all at once, in one round trip; the waits not met yet then go on one by one as
 * usual. Marks them in \`tried\`; returns the indexes of those already met.
 */
export async function tryWaitsAtOnce(
  ctx: StepContext,
  run: { signal: AbortSignal; remaining: () => number; from: number; tried: Set<number> },
): Promise<number[]> {
  const { step, runner } = ctx;
  const waits: number[] = [];
  for (let i = run.from; i < step.actions.length; i++) {
    if (step.actions[i]?.kind !== 'wait-for') break;
    waits.push(i);
    run.tried.add(i);
  }
  const atOnce = waitsAtOnceCheck(step.actions, run.from);
  if (!atOnce) return [];
  const { count: _count, ...check } = atOnce;
  try {
    const r = await runner.exec({
      ...check,
      timeoutMs: Math.min(60_000, run.remaining()),
      signal: run.signal,
    });
    const met = metWaits(r.stdout);
    return waits.filter((_, i) => met.has(i));
  } catch (error) {
    // Slow to answer counts as "not yet", as for one wait; anything else is final.
    if (error instanceof AppError && error.code === 'TIMEOUT') return [];
    throw error;
  }
}
