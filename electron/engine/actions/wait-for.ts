/** A check on the host tried every interval until it exits 0; in the verify step, nodes not Ready. */
import { AppError } from '../../../shared/errors';
import { notReadyNodes, readyCheckNodes } from '../../../shared/plan';
import type { StepError } from '../../../shared/run';
import { ActionFailed, type ActionModule, type ActionOf } from './action';

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

export const waitFor: ActionModule<ActionOf<'wait-for'>> = {
  async run({ runner, step, services }, action, { signal, output, remaining }) {
    const nodes = readyCheckNodes(action.check.command);
    // The last answer of the check: for "every node Ready", which ones are not (all of them, in its words).
    let lastStderr: string | null = null;
    const deadline = Date.now() + Math.min(action.timeoutMs, remaining());
    for (;;) {
      const left = deadline - Date.now();
      const r = await runner
        .exec({
          ...action.check,
          timeoutMs: Math.max(1000, Math.min(60_000, left)),
          signal,
          what: action.what,
        })
        .catch((error: unknown) => {
          // A check that hangs counts as "not yet"; anything else (connection, cancel) is final.
          if (error instanceof AppError && error.code === 'TIMEOUT') return null;
          throw error;
        });
      if (r?.code === 0) return false;
      // Which nodes are not Ready yet, said again whenever that changes.
      if (r && nodes && r.stderr !== lastStderr) output.push('stderr', `${r.stderr}\n`);
      if (r) lastStderr = r.stderr;
      if (Date.now() + action.intervalMs > deadline) {
        // (What "every node Ready" said last is in the output already.)
        if (r && !nodes) output.push('stderr', `${r.stdout}\n${r.stderr}\n`);
        const error =
          nodes && step.phase === 'verify'
            ? notReadyError(
                step.host,
                nodes,
                lastStderr,
                action.timeoutMs,
                services.redact,
                output.lastLines(),
              )
            : undefined;
        throw new ActionFailed(action, r?.code ?? null, {
          timedOutAfterMs: action.timeoutMs,
          ...(error ? { error } : {}),
        });
      }
      await sleep(action.intervalMs, signal);
      if (signal.aborted) throw new AppError('CANCELLED', `Waiting to ${action.what} was stopped.`);
    }
  },
  describeFailure({ step }, action, { timedOutAfterMs, lastOutput }) {
    if (step.phase !== 'verify' || timedOutAfterMs === undefined) return null;
    return {
      code: 'NODE_NOT_READY',
      message: `${step.host}: could not ${action.what} within ${Math.round(timedOutAfterMs / 1000)} s. Look at that node’s K3s journal (journalctl -u k3s-agent or -u k3s).`,
      lastOutput,
    };
  },
};

/**
 * The nodes the last try found not Ready, each named with why; when no try answered, every node
 * the check asks about.
 */
function notReadyError(
  host: string,
  nodes: string[],
  stderr: string | null,
  timeoutMs: number,
  redact: (text: string) => string,
  lastOutput: string[],
): StepError {
  const said = stderr === null ? [] : notReadyNodes(stderr.split('\n'));
  const within = `within ${Math.round(timeoutMs / 1000)} s`;
  const which = said.length
    ? `${said.length} of ${nodes.length} ${nodes.length === 1 ? 'node' : 'nodes'} did not become Ready ${within}: ${said.map((n) => `${n.node} (${n.why})`).join(', ')}`
    : `could not see ${nodes.join(', ')} Ready ${within}, and no try said which ${nodes.length === 1 ? 'node is' : 'nodes are'} not (the last output is below)`;
  return {
    code: 'NODE_NOT_READY',
    message: redact(
      `${host}: ${which}. Look at each one’s K3s journal (journalctl -u k3s-agent on an agent, -u k3s on a server).`,
    ),
    lastOutput,
  };
}
