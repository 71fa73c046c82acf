/**
 * "Is this install already done?" and, for a machine that joins, "does it still have its K3s
 * node identity?", in one round trip. Read-only, so the run asks it as soon as it starts, while
 * the step still waits for the server and the token (see EngineRun).
 */
import { doneFromFacts, type Plan, type PlanStep } from '../../shared/plan';
import { firstServer, type ClusterSpec, type FactsByNode } from '../../shared/spec';
import { parseNodeList } from '../../shared/run';
import type { HostRunner } from './host-runner';
import { isInstallScript, joins, NODE_IDENTITY_CHECK, NODE_LIST_COMMAND, unitOf } from './k3s';

export interface Precheck {
  /** The step's alreadyDone check passed: nothing to do. */
  done: boolean;
  /**
   * The machine has its node password, or the first server has no node object of its name:
   * either way nothing stale is in the way (false: a stale node object may have to go first).
   */
  hasIdentity: boolean;
  /** Nothing to do because nothing that would use what it does is going to run (set with done). */
  notNeeded?: boolean;
}

/** A server or agent install: its commands go to the host in as few round trips as possible. */
export function isInstallStep(step: PlanStep): boolean {
  return unitOf(step) !== null && step.actions.some(isInstallScript);
}

/** Whether the step's check is worth asking early: an install step with something to ask. */
export function hasPrecheck(step: PlanStep, identity: boolean): boolean {
  return isInstallStep(step) && (step.alreadyDone !== null || (identity && joins(step)));
}

export async function precheck(options: {
  step: PlanStep;
  runner: HostRunner;
  /** Ask for the node identity too (a joining step with a first server to clean up on). */
  identity: boolean;
  signal: AbortSignal;
  timeoutMs: number;
}): Promise<Precheck> {
  const { step, runner, signal } = options;
  const identity = options.identity && isInstallStep(step) && joins(step);
  const what = `check whether "${step.title}" is done`;
  if (step.alreadyDone && identity) {
    const r = await runner.batch({
      parts: [
        { kind: 'exec', command: step.alreadyDone.command, optional: true },
        { kind: 'exec', command: NODE_IDENTITY_CHECK, optional: true },
      ],
      sudo: true,
      timeoutMs: options.timeoutMs,
      signal,
      what,
    });
    return { done: r.codes[0] === 0, hasIdentity: r.codes[1] === 0 };
  }
  if (step.alreadyDone) {
    const r = await runner.exec({ ...step.alreadyDone, timeoutMs: options.timeoutMs, signal, what });
    return { done: r.code === 0, hasIdentity: true };
  }
  if (identity) {
    const r = await runner.exec({
      command: NODE_IDENTITY_CHECK,
      sudo: true,
      timeoutMs: options.timeoutMs,
      signal,
      what: 'check for an earlier K3s node identity',
    });
    return { done: false, hasIdentity: r.code === 0 };
  }
  return { done: false, hasIdentity: true };
}

/**
 * Facts older than this are not trusted to say what is installed: a run, or a person, may have
 * changed the machines since (the wizard's checks, then Install twice).
 */
export const FRESH_FACTS_MS = 60_000;

/**
 * The install steps' "already done?" as the machines' facts answer it (doneFromFacts), when
 * they were read (`readAt`) just before the run; the steps whose facts cannot tell are asked as
 * usual. Null: no facts, or not fresh.
 */
export function answersFromFacts(
  plan: Plan,
  facts: FactsByNode | undefined,
  readAt: number | undefined,
  now = Date.now(),
): Map<string, Precheck> | null {
  if (!facts || !fresh(readAt, now)) return null;
  const answers = new Map<string, Precheck>();
  for (const step of plan.steps) {
    if (!step.doneWhen || !isInstallStep(step)) continue;
    const answer = doneFromFacts(step.doneWhen, facts[step.host], joins(step));
    if (answer) answers.set(step.id, answer);
  }
  return answers;
}

const fresh = (readAt: number | undefined, now: number): boolean =>
  readAt !== undefined && now - readAt < FRESH_FACTS_MS && now >= readAt;

/**
 * Whether the first server's datastore will be this run's own: its facts, read just before the
 * run, found neither K3s nor K3s's data folder there (a root K3s with its embedded datastore).
 * Then no node object on it is older than the run, and no joining machine needs a look for a
 * stale one with its name.
 */
export function datastoreIsNew(
  spec: ClusterSpec,
  facts: FactsByNode | undefined,
  readAt: number | undefined,
  now = Date.now(),
): boolean {
  const node = firstServer(spec);
  const k3s = node ? facts?.[node.nodeName]?.k3s : undefined;
  return (
    fresh(readAt, now) &&
    node !== undefined &&
    !node.rootless &&
    k3s?.installed === false &&
    k3s.dataDir === false
  );
}

/** The names of the nodes the server lists, or null when it cannot list them (asked again later). */
export async function nodeNamesOn(server: HostRunner, signal: AbortSignal): Promise<Set<string> | null> {
  try {
    const r = await server.exec({
      command: NODE_LIST_COMMAND,
      sudo: true,
      timeoutMs: 60_000,
      signal,
      what: 'list the nodes the server knows',
    });
    return r.code === 0 ? new Set(parseNodeList(r.stdout).map((n) => n.name)) : null;
  } catch {
    return null;
  }
}
