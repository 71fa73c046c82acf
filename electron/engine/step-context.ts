/**
 * What a step runs with: its host, the run's shared memory and the back end's services. Its own
 * file so the step's flow (step.ts) and the action modules (actions/) can both use it.
 */
import type { ConnectivityResult } from '../../shared/checks/connectivity';
import type { PlanStep, SecretRef } from '../../shared/plan';
import type { NodeInfo, RunEventBody } from '../../shared/run';
import type { FirewallServices } from './firewall-apply';
import type { HostRunner } from './host-runner';
import type { JoinWatchOptions } from './join-watch';
import type { Precheck } from './precheck';

export interface SavedKubeconfig {
  path: string;
  changed: boolean;
  /** Told to the user with the result (a current context that was kept, say). */
  note?: string;
}

export interface StepServices extends FirewallServices {
  /** Writes the kubeconfig on this computer (renamed, pointing at `server`). */
  saveKubeconfig: (request: {
    kubeconfig: string;
    server: string;
    contextName: string;
    file: 'merge' | 'separate';
  }) => Promise<SavedKubeconfig>;
  /** Checks files on this computer against their sha256; one line per file, throws on a problem. */
  checkLocalFiles: (
    files: { localFile: string; sha256: string | null }[],
    signal: AbortSignal,
  ) => Promise<string[]>;
  /** Takes the cluster's entries out of the kubeconfig on this computer. */
  removeKubeconfig: (request: {
    contextName: string;
    file: 'merge' | 'separate';
  }) => Promise<SavedKubeconfig>;
  /**
   * After the install: every flow of the flow table between the nodes, tested for real, and
   * what blocks a blocked one in words (null when none is blocked).
   */
  testFlows?: (
    signal: AbortSignal,
    /** Told, once the test is over, when its listeners are all gone (they close in the background). */
    onClosed?: (closed: Promise<void>) => void,
    /** Its listeners start now and bind once this is fulfilled (see ConnectivityOptions.bindWhen). */
    bindWhen?: Promise<unknown>,
  ) => Promise<{ results: ConnectivityResult[]; blocked: string | null }>;
  /** Lists the nodes from this computer with the saved kubeconfig. */
  checkFromHere: (request: { path: string; contextName: string }) => Promise<NodeInfo[]>;
  redact: (text: string) => string;
  onSecret: (value: string) => void;
  /** How long the install script may wait for K3s to start. */
  serviceTimeoutMs: number;
  joinWatch: JoinWatchOptions;
}

export interface SentFile {
  sha256: string;
  /** Where it was copied to; null: the host had it already. */
  temp: string | null;
}

/** An install step's uploads by action index, checked and copied before its batch. */
export type SentFiles = Map<number, SentFile>;

/** What a run shares between its steps (memory only). */
export interface RunMemory {
  secrets: Partial<Record<SecretRef, string>>;
  kubeconfig: { path: string; contextName: string } | null;
}

export interface StepContext {
  step: PlanStep;
  runner: HostRunner;
  firstServer: HostRunner | null;
  runSignal: AbortSignal;
  dryRun: boolean;
  memory: RunMemory;
  services: StepServices;
  emit: (body: RunEventBody) => void;
  /** The step's "already done?" answer, when the run asked it early. */
  precheck?: Promise<Precheck>;
  /**
   * Awaited once the step knows it will change its machine, before it does (the run's early
   * flow test must be stopped first); the step's check then runs on its own, never folded into
   * the first batch of changes.
   */
  beforeChange?: () => Promise<void>;
  /** The step's uploads, copied by the run before the step started (null: not copied). */
  sentEarly?: Promise<SentFiles | null>;
  /** Its first actions, done by the run while the step waited (null: not done). */
  preparedEarly?: Promise<Prepared | null>;
}

/** A step's first actions (its `early` ones) done by the run while the step waited. */
export interface Prepared {
  /** How many of its first actions ran: all of its early ones, or up to the one that failed. */
  count: number;
  /** Their output as it came, put into the step's output when it starts. */
  chunks: { stream: 'stdout' | 'stderr'; text: string }[];
  /** Why the last of them failed (null: none did): the step fails with it. */
  failure: Error | null;
}

export type StepOutcome = 'done' | 'skipped' | 'failed' | 'cancelled';

/** The progress event of the step's action at `index` (with bytes sent, for a copy). */
export function emitProgress(
  ctx: StepContext,
  index: number,
  what: string,
  sent?: { transferred: number; total: number },
): void {
  const { step } = ctx;
  ctx.emit({
    type: 'progress',
    host: step.host,
    stepId: step.id,
    action: index,
    actions: step.actions.length,
    what,
    ...(sent ? { transferred: sent.transferred, total: sent.total } : {}),
  });
}
