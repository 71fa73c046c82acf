/** From whatever stopped a step to the error the user sees: code, message, output and journal. */
import { AppError } from '../../shared/errors';
import type { PlanAction } from '../../shared/plan';
import { classifyFailure, lastLines, type StepError } from '../../shared/run';
import { ActionFailed, describeActionFailure } from './actions';
import { isDownload, isInstallScript, readJournal, unitOf } from './k3s';
import type { StepOutput } from './output';
import type { StepContext } from './step-context';

export { ActionFailed };

export async function describeFailure(
  ctx: StepContext,
  error: unknown,
  action: PlanAction | null,
  output: StepOutput,
  state: { timedOut: boolean; started: number },
): Promise<StepError> {
  const { step, services } = ctx;
  const redact = services.redact;
  if (error instanceof ActionFailed && error.extra.error) return error.extra.error;
  const appError =
    error instanceof ActionFailed ? error.extra.cause : error instanceof AppError ? error : undefined;
  if (!(error instanceof ActionFailed) && !(error instanceof AppError)) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      code: 'INTERNAL',
      message: redact(`${step.host}, step “${step.title}”: ${message}`),
      lastOutput: output.lastLines(),
    };
  }
  const timedOutAfterMs =
    error instanceof ActionFailed && error.extra.timedOutAfterMs !== undefined
      ? error.extra.timedOutAfterMs
      : state.timedOut
        ? step.timeoutMs
        : undefined;
  const own =
    action && describeActionFailure(ctx, action, { timedOutAfterMs, lastOutput: output.lastLines() });
  if (own) return own;
  const unit = unitOf(step);
  const cancelled = ctx.runSignal.aborted;
  const journal =
    error instanceof ActionFailed && error.extra.journal !== undefined
      ? error.extra.journal
      : unit && !cancelled && appError?.code !== 'CONNECTION_LOST'
        ? await readJournal(ctx.runner, unit, AbortSignal.timeout(20_000))
        : '';
  const classified = classifyFailure({
    host: step.host,
    step: step.title,
    action: action?.what ?? 'check',
    install: action !== null && isInstallScript(action),
    download: action !== null && isDownload(action),
    exitCode: error instanceof ActionFailed ? error.exitCode : null,
    output: output.lastLines().join('\n'),
    ...(journal ? { journal: redact(journal) } : {}),
    ...(appError && !(state.timedOut && appError.code === 'CANCELLED')
      ? { cause: { code: appError.code, message: redact(appError.message) } }
      : {}),
    ...(timedOutAfterMs !== undefined ? { timedOutAfterMs } : {}),
  });
  const tail = output.lastLines();
  const journalLines = journal ? lastLines(redact(journal), 40) : [];
  return {
    code: classified.code,
    message: redact(classified.message),
    lastOutput: journalLines.length
      ? [
          ...tail.slice(-10),
          `── journalctl ${unit === 'k3s-rootless' ? '--user -u k3s-rootless' : `-u ${unit ?? 'k3s'}`} ──`,
          ...journalLines,
        ]
      : tail,
  };
}
