/**
 * The kubectl steps of day-two work on one node, run on a server: cordon, drain with a time
 * limit (naming the pods that block it), uncordon, wait until Ready at a version.
 */
import { blockingPods, type ClusterNode } from '../../shared/day-two';
import type { HostRunner } from '../engine/host-runner';
import { StepFailure, type StepTools } from './activity';
import { kubectl, readCluster } from './cluster';

const tail = (tools: StepTools) => tools.output.lastLines();

export async function cordon(
  control: HostRunner,
  node: string,
  tools: StepTools,
  undo = false,
): Promise<void> {
  const verb = undo ? 'uncordon' : 'cordon';
  const r = await kubectl(control, [verb, node], {
    signal: tools.signal,
    what: `${verb} ${node}`,
    onOutput: (s, t) => tools.output.push(s, t),
  });
  if (r.code !== 0)
    throw new StepFailure({
      code: 'COMMAND_FAILED',
      message: `${node}: kubectl ${verb} on ${control.host} failed (exit ${r.code ?? '?'}).`,
      lastOutput: tail(tools),
    });
}

export interface DrainOptions {
  timeoutSeconds: number;
}

/** Whether a day-two run drains a node before it changes it, and for how long at most. */
export interface DrainChoice extends DrainOptions {
  enabled: boolean;
}

export async function drain(
  control: HostRunner,
  node: string,
  options: DrainOptions,
  tools: StepTools,
): Promise<void> {
  let text = '';
  const r = await kubectl(
    control,
    ['drain', node, '--ignore-daemonsets', '--delete-emptydir-data', `--timeout=${options.timeoutSeconds}s`],
    {
      signal: tools.signal,
      timeoutMs: (options.timeoutSeconds + 60) * 1000,
      what: `drain ${node}`,
      onOutput: (s, t) => {
        text += t;
        tools.output.push(s, t);
      },
    },
  );
  if (r.code === 0) return;
  const pods = blockingPods(text);
  const timedOut = /global timeout reached/.test(text);
  const why = pods.length
    ? `the pods that block it: ${pods.join(', ')}${timedOut ? ` (still there after ${options.timeoutSeconds} s: a PodDisruptionBudget forbids evicting them)` : ' (no controller would start them again: delete them, or move them to another node)'}`
    : `kubectl drain exited ${r.code ?? '?'}`;
  throw new StepFailure({
    code: timedOut ? 'TIMEOUT' : 'COMMAND_FAILED',
    message: `${node} could not be drained: ${why}. It stays cordoned; fix that and run the same command again, or pass --no-drain (or a longer --drain-timeout).`,
    lastOutput: tail(tools),
  });
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

/**
 * Polls the node list on `controls` (the first that answers) until `node` is Ready at
 * `version`; returns what it saw last when the time is up (null: it got there).
 */
export async function waitReadyAt(options: {
  controls: HostRunner[];
  node: string;
  version: string | null;
  timeoutMs: number;
  signal: AbortSignal;
}): Promise<ClusterNode | 'missing' | 'unreachable' | null> {
  const until = Date.now() + options.timeoutMs;
  let last: ClusterNode | 'missing' | 'unreachable' = 'unreachable';
  while (!options.signal.aborted) {
    for (const control of options.controls) {
      try {
        const nodes = await readCluster(control, options.signal);
        const found = nodes.find((n) => n.name === options.node);
        last = found ?? 'missing';
        if (found?.ready && (options.version === null || found.version === options.version)) return null;
        break;
      } catch {
        // that server is restarting (or down): ask the next one
      }
    }
    if (Date.now() >= until) return last;
    await sleep(2000, options.signal);
  }
  return last;
}
