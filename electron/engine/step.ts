/**
 * One step on one host: its already-done check, then its actions in order, with the step's own
 * timeout and the run's cancel signal. A failure becomes a stable code and a message (journal of
 * the K3s unit attached); secrets are filled in only here and only into stdin.
 */
import { flowLine, type ConnectivityResult } from '../../shared/checks/connectivity';
import { AppError } from '../../shared/errors';
import { fillTemplate, type PlanAction, type PlanStep, type SecretRef } from '../../shared/plan';
import { parseNodeList, type NodeInfo, type RunEventBody } from '../../shared/run';
import { shJoin } from '../../shared/shell';
import type { ExecOutcome, HostRunner } from './host-runner';
import { execWatchingJoin, JoinStopped, type JoinWatchOptions } from './join-watch';
import { ActionFailed, describeFailure } from './failure';
import { applyFirewall, settleEarlierGuards, type FirewallServices } from './firewall-apply';
import { deleteStaleNode, isInstallScript, joins, unitOf } from './k3s';
import { isInstallStep, precheck, type Precheck } from './precheck';
import { batchable, runBatch, sendFiles, tryWaitsAtOnce, type SentFile } from './install-batch';
import { StepOutput } from './output';

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
  testFlows?: (signal: AbortSignal) => Promise<{ results: ConnectivityResult[]; blocked: string | null }>;
  /** Lists the nodes from this computer with the saved kubeconfig. */
  checkFromHere: (request: { path: string; contextName: string }) => Promise<NodeInfo[]>;
  redact: (text: string) => string;
  onSecret: (value: string) => void;
  /** How long the install script may wait for K3s to start. */
  serviceTimeoutMs: number;
  joinWatch: JoinWatchOptions;
}

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
}

export type StepOutcome = 'done' | 'skipped' | 'failed' | 'cancelled';

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

function registerKubeconfigSecrets(text: string, onSecret: (value: string) => void): void {
  onSecret(text);
  for (const match of text.matchAll(/(client-key-data|token|password):\s*(\S+)/g))
    if (match[2]) onSecret(match[2]);
}

export async function executeStep(ctx: StepContext): Promise<StepOutcome> {
  const { step, runner, services } = ctx;
  const on = { host: step.host, stepId: step.id };
  const started = Date.now();
  const stepAbort = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    stepAbort.abort();
  }, step.timeoutMs);
  const signal = AbortSignal.any([ctx.runSignal, stepAbort.signal]);
  const output = new StepOutput(services.redact, (stream, lines) =>
    ctx.emit({ type: 'output', ...on, stream, lines }),
  );
  const remaining = () => Math.max(1, step.timeoutMs - (Date.now() - started));
  ctx.emit({ type: 'step-started', ...on });
  let current: PlanAction | null = null;
  try {
    // Before its check: a guard an earlier run left armed would take these rules back later.
    if (step.actions.some((a) => a.kind === 'firewall'))
      await settleEarlierGuards({ runner, signal, dryRun: ctx.dryRun, output });
    const install = isInstallStep(step);
    const checked = await (ctx.precheck ??
      precheck({
        step,
        runner,
        identity: ctx.firstServer !== null && !ctx.dryRun,
        signal,
        timeoutMs: Math.min(60_000, remaining()),
      }));
    if (checked.done) {
      ctx.emit({ type: 'step-skipped', ...on, reason: 'done' });
      return 'skipped';
    }
    if (ctx.dryRun) {
      ctx.emit({ type: 'step-skipped', ...on, reason: 'dry-run' });
      return 'skipped';
    }
    let changed = false;
    if (!checked.hasIdentity && ctx.firstServer) {
      const removed = await deleteStaleNode({ firstServer: ctx.firstServer, node: step.host, signal });
      if (removed) output.push('stdout', `removed the stale node object: ${removed}\n`);
    }
    const run = { signal, output, remaining };
    // An install's uploads are compared and copied first; its batches put them in place.
    const files = install
      ? await sendFiles(ctx, { ...run, started: (action) => (current = action) })
      : new Map<number, SentFile>();
    // Waits whose first try was made together with the waits after them, and those already met.
    const tried = new Set<number>();
    const settled = new Set<number>();
    for (let index = 0; index < step.actions.length;) {
      const count = install ? batchable(step.actions, index, files) : 0;
      if (count > 1) {
        const batch = await runBatch(ctx, {
          ...run,
          from: index,
          count,
          started: (action) => (current = action),
          files,
        });
        changed ||= batch.changed;
        index += count;
        // The last part was the first try of a wait: not there yet, so wait as usual.
        if (batch.waitPending) index--;
        continue;
      }
      const action = step.actions[index] as PlanAction;
      current = action;
      if (action.kind === 'wait-for' && !tried.has(index))
        for (const met of await tryWaitsAtOnce(ctx, { ...run, from: index, tried })) settled.add(met);
      ctx.emit({ type: 'progress', ...on, action: index, actions: step.actions.length, what: action.what });
      if (settled.has(index)) {
        index++;
        continue;
      }
      changed = (await runAction(ctx, action, { ...run, index })) || changed;
      index++;
    }
    output.flush();
    if (step.phase === 'verify') await checkCluster(ctx, signal, output);
    ctx.emit({ type: 'step-finished', ...on, durationMs: Date.now() - started, changed });
    return 'done';
  } catch (error) {
    output.flush();
    const failure = await describeFailure(ctx, error, current, output, { timedOut, started });
    ctx.emit({ type: 'step-failed', ...on, durationMs: Date.now() - started, error: failure });
    return failure.code === 'CANCELLED' ? 'cancelled' : 'failed';
  } finally {
    clearTimeout(timer);
  }
}

interface ActionRun {
  signal: AbortSignal;
  output: StepOutput;
  remaining: () => number;
  index: number;
}

/** Runs one action; true when it changed something on the host or this computer. */
async function runAction(ctx: StepContext, action: PlanAction, run: ActionRun): Promise<boolean> {
  const { runner, step, services, memory } = ctx;
  const { signal, output } = run;
  const onOutput = (stream: 'stdout' | 'stderr', text: string) => output.push(stream, text);
  switch (action.kind) {
    case 'exec': {
      const request = {
        command: action.command,
        sudo: action.sudo,
        ...(action.stdin ? { stdin: fillTemplate(action.stdin, memory.secrets) } : {}),
        onOutput,
        timeoutMs: run.remaining(),
        signal,
        what: action.what,
      };
      const unit = unitOf(step);
      let result: ExecOutcome;
      try {
        if (isInstallScript(action) && unit) {
          const timed = { ...request, timeoutMs: Math.min(services.serviceTimeoutMs, run.remaining()) };
          result = joins(step)
            ? await execWatchingJoin(runner, unit, timed, services.joinWatch)
            : await runner.exec(timed);
        } else result = await runner.exec(request);
      } catch (error) {
        if (error instanceof JoinStopped) throw new ActionFailed(action, null, { journal: error.journal });
        if (error instanceof AppError && error.code === 'TIMEOUT')
          throw new ActionFailed(action, null, { cause: error, timedOutAfterMs: request.timeoutMs });
        throw error;
      }
      if (result.code !== 0) throw new ActionFailed(action, result.code);
      return true;
    }
    case 'write-file':
      await runner.writeFile({
        path: action.path,
        mode: action.mode,
        owner: action.owner,
        content: fillTemplate(action.content, memory.secrets),
        timeoutMs: run.remaining(),
        signal,
      });
      return true;
    case 'check-files': {
      const checked = await services.checkLocalFiles(action.files, signal);
      for (const line of checked) output.push('stdout', `${line}\n`);
      return false;
    }
    case 'upload': {
      const { skipped } = await runner.upload({
        localFile: action.localFile,
        remotePath: action.remotePath,
        mode: action.mode,
        sha256: action.sha256,
        timeoutMs: run.remaining(),
        signal,
        onProgress: (transferred, total) =>
          ctx.emit({
            type: 'progress',
            host: step.host,
            stepId: step.id,
            action: run.index,
            actions: step.actions.length,
            what: action.what,
            transferred,
            total,
          }),
      });
      if (skipped)
        output.push('stdout', `already on ${step.host} with the same sha256: ${action.remotePath}\n`);
      return !skipped;
    }
    case 'firewall':
      return applyFirewall(action, {
        runner,
        services,
        signal,
        log: (line) => output.push('stdout', line),
        redact: services.redact,
      });
    case 'reboot-and-wait':
      try {
        await runner.rebootAndWait({
          timeoutMs: Math.min(action.timeoutMs, run.remaining()),
          signal,
          onWaiting: (elapsedMs) =>
            ctx.emit({
              type: 'progress',
              host: step.host,
              stepId: step.id,
              action: run.index,
              actions: step.actions.length,
              what: `${action.what}: away for ${Math.round(elapsedMs / 1000)} s`,
            }),
        });
      } catch (error) {
        if (error instanceof AppError && error.code === 'HOST_DID_NOT_RETURN' && action.backup)
          throw new AppError(
            error.code,
            `${error.message} Check it (power, SD card, a screen); the file changed before the reboot was backed up as ${action.backup} on ${step.host}: copy it back to undo the change.`,
            { ...error.details, backup: action.backup },
          );
        throw error;
      }
      return true;
    case 'wait-for': {
      const deadline = Date.now() + Math.min(action.timeoutMs, run.remaining());
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
        if (Date.now() + action.intervalMs > deadline) {
          if (r) output.push('stderr', `${r.stdout}\n${r.stderr}\n`);
          throw new ActionFailed(action, r?.code ?? null, { timedOutAfterMs: action.timeoutMs });
        }
        await sleep(action.intervalMs, signal);
        if (signal.aborted) throw new AppError('CANCELLED', `Waiting to ${action.what} was stopped.`);
      }
    }
    case 'read-secret': {
      const r = await runner.exec({
        command: shJoin(['cat', '--', action.path]),
        sudo: action.sudo,
        timeoutMs: Math.min(60_000, run.remaining()),
        signal,
        what: action.what,
      });
      const value = r.stdout.trim();
      if (r.code !== 0 || !value) {
        throw new ActionFailed(action, r.code, {
          error: {
            code: 'STEP_FAILED',
            message: `${step.host}: ${action.path} could not be read (${services.redact(r.stderr.trim()) || 'empty'}). Is K3s running there?`,
            lastOutput: [],
          },
        });
      }
      if (action.as === 'kubeconfig') registerKubeconfigSecrets(value, services.onSecret);
      else services.onSecret(value);
      memory.secrets[action.as] = action.as === 'kubeconfig' ? `${value}\n` : value;
      return false;
    }
    case 'remove-kubeconfig': {
      const removed = await services.removeKubeconfig({ contextName: action.contextName, file: action.file });
      output.push('stdout', `${removed.changed ? 'removed from' : 'nothing to remove in'} ${removed.path}\n`);
      return removed.changed;
    }
    case 'save-kubeconfig': {
      const kubeconfig = memory.secrets[action.from];
      if (!kubeconfig) throw new Error(`The ${action.from} was not read before saving it.`);
      const saved = await services.saveKubeconfig({
        kubeconfig,
        server: action.server,
        contextName: action.contextName,
        file: action.file,
      });
      memory.kubeconfig = { path: saved.path, contextName: action.contextName };
      output.push('stdout', `${saved.changed ? 'wrote' : 'unchanged:'} ${saved.path}\n`);
      if (saved.note) output.push('stdout', `${saved.note}\n`);
      return saved.changed;
    }
  }
}

/** After the verify step: the nodes as the first server lists them, and the same from here. */
async function checkCluster(ctx: StepContext, signal: AbortSignal, output: StepOutput): Promise<void> {
  const r = await ctx.runner.exec({
    command: '/usr/local/bin/k3s kubectl get nodes -o json',
    sudo: true,
    timeoutMs: 60_000,
    signal,
    what: 'list the nodes',
  });
  if (r.code !== 0) {
    throw new AppError(
      'STEP_FAILED',
      `${ctx.step.host}: the nodes could not be listed (k3s kubectl get nodes, exit ${r.code ?? '?'}): ${ctx.services.redact(r.stderr.trim().split('\n').pop() ?? '')}`,
    );
  }
  const nodes = parseNodeList(r.stdout);
  const kubeconfig = ctx.memory.kubeconfig;
  let checkedFromHere = false;
  if (kubeconfig) {
    const seen = await ctx.services.checkFromHere(kubeconfig);
    checkedFromHere = nodes.every((n) => seen.some((s) => s.name === n.name));
  }
  // Every node, whatever its firewall: a flow blocked outside the machines shows only here.
  const flows = ctx.services.testFlows ? await ctx.services.testFlows(signal) : null;
  if (flows) {
    output.push('stdout', `flows between the nodes (${flows.results.length}):\n`);
    for (const flow of flows.results) output.push('stdout', `  ${flowLine(flow)}\n`);
    output.flush();
  }
  ctx.emit({
    type: 'cluster-checked',
    nodes,
    kubeconfigPath: kubeconfig?.path ?? null,
    checkedFromHere,
    ...(flows ? { flows: flows.results } : {}),
  });
  if (flows?.blocked) throw new AppError('CLUSTER_FLOWS_BLOCKED', flows.blocked);
}
