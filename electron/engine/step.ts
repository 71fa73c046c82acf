/**
 * One step on one host: its already-done check, then its actions in order, with the step's own
 * timeout and the run's cancel signal. A failure becomes a stable code and a message (journal of
 * the K3s unit attached); secrets are filled in only by the actions and only into stdin. How each
 * kind of action runs is its module's business (actions/); this is the step's flow around them.
 */
import { flowLine, type ConnectivityResult } from '../../shared/checks/connectivity';
import { AppError } from '../../shared/errors';
import { readyCheckNodes, type PlanAction } from '../../shared/plan';
import { parseNodeList } from '../../shared/run';
import { beforeCheck, runAction } from './actions';
import { describeFailure } from './failure';
import type { ExecOutcome } from './host-runner';
import { deleteStaleNode, NODE_LIST_WHAT, nodeListCheck } from './k3s';
import { isInstallStep, precheck } from './precheck';
import { alreadyThere, batchable, runBatch, sendFiles, tryWaitsAtOnce, type SentFile } from './install-batch';
import { StepOutput } from './output';
import { emitProgress, type StepContext, type StepOutcome } from './step-context';

export type { RunMemory, SavedKubeconfig, StepContext, StepOutcome, StepServices } from './step-context';

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
  // Ends what was started ahead for this step and not used (see HostRunner.prepare).
  const stepOver = new AbortController();
  const output = new StepOutput(services.redact, (stream, lines) =>
    ctx.emit({ type: 'output', ...on, stream, lines }),
  );
  const remaining = () => Math.max(1, step.timeoutMs - (Date.now() - started));
  ctx.emit({ type: 'step-started', ...on });
  let current: PlanAction | null = null;
  // The verify step's flow test, started beside its waits (below), and its word to bind.
  let testing: ReturnType<NonNullable<typeof services.testFlows>> | null = null;
  let waitsMet = () => undefined as void;
  let waitsOver: (reason: unknown) => void = () => undefined;
  try {
    // What its actions need settled before the step's check (an armed firewall guard, say).
    await beforeCheck(ctx, { signal, output });
    const install = isInstallStep(step);
    // An install with nothing asked early, nothing to copy and no node identity to look for (the
    // first server): its "already done?" check goes in front of its first batch, one round trip.
    const folded =
      install &&
      !ctx.precheck &&
      !ctx.dryRun &&
      !ctx.beforeChange &&
      ctx.firstServer === null &&
      step.alreadyDone !== null &&
      !step.actions.some((a) => a.kind === 'upload') &&
      batchable(step.actions, 0, new Map()) > 1
        ? step.alreadyDone
        : null;
    const checked = folded
      ? { done: false, hasIdentity: true }
      : await (ctx.precheck ??
          precheck({
            step,
            runner,
            identity: ctx.firstServer !== null && !ctx.dryRun,
            signal,
            timeoutMs: Math.min(60_000, remaining()),
          }));
    if (checked.done) {
      ctx.emit({ type: 'step-skipped', ...on, reason: checked.notNeeded ? 'not-needed' : 'done' });
      return 'skipped';
    }
    if (ctx.dryRun) {
      ctx.emit({ type: 'step-skipped', ...on, reason: 'dry-run' });
      return 'skipped';
    }
    await ctx.beforeChange?.();
    let changed = false;
    if (!checked.hasIdentity && ctx.firstServer) {
      const removed = await deleteStaleNode({ firstServer: ctx.firstServer, node: step.host, signal });
      if (removed) output.push('stdout', `removed the stale node object: ${removed}\n`);
    }
    // What the run did while the step waited: said as if done now, and the step goes on after it.
    const prepared = ctx.preparedEarly ? await ctx.preparedEarly : null;
    if (prepared) {
      step.actions.slice(0, prepared.count).forEach((action, index) => emitProgress(ctx, index, action.what));
      for (const { stream, text } of prepared.chunks) output.push(stream, text);
      if (prepared.failure) {
        current = step.actions[prepared.count - 1] ?? null;
        throw prepared.failure;
      }
      changed = true;
    }
    const run = { signal, output, remaining };
    // The verify step's flow test starts now, beside its waits, and binds once they are met
    // (every node Ready: K3s holds its ports); if they are not, it binds nothing.
    if (step.phase === 'verify' && services.testFlows) {
      let met!: () => void;
      const bindWhen = new Promise<void>((resolve, reject) => {
        met = resolve;
        waitsOver = reject;
      });
      bindWhen.catch(() => undefined);
      testing = services.testFlows(signal, undefined, bindWhen);
      testing.catch(() => undefined);
      waitsMet = met;
    }
    // An install's uploads are compared and copied first; its batches put them in place.
    const upload = step.actions.find((a) => a.kind === 'upload');
    if (ctx.sentEarly && upload) current = upload;
    const early = await ctx.sentEarly;
    // Copied now: the batch that puts them in place gets its root shell started beside the copy,
    // so its channel, exec and sudo are over when the files are there (the first server's).
    if (install && !early && upload) runner.prepare?.([step.title], stepOver.signal);
    const files = install
      ? (early ?? (await sendFiles(ctx, { ...run, started: (action) => (current = action) })))
      : new Map<number, SentFile>();
    // Said here, whether copied now or before the step started (whose start cleared its output).
    files.forEach((file, index) => {
      const action = step.actions[index];
      if (file.temp === null && action?.kind === 'upload')
        output.push('stdout', alreadyThere(step.host, action.remotePath));
    });
    // Waits whose first try was made together with the waits after them, and those already met.
    const tried = new Set<number>();
    const settled = new Set<number>();
    for (let index = prepared?.count ?? 0; index < step.actions.length;) {
      const count = install ? batchable(step.actions, index, files) : 0;
      if (count > 1) {
        const batch = await runBatch(ctx, {
          ...run,
          from: index,
          count,
          started: (action) => (current = action),
          files,
          ...(folded && index === 0 ? { check: folded } : {}),
        });
        if (batch.alreadyDone) {
          ctx.emit({ type: 'step-skipped', ...on, reason: 'done' });
          return 'skipped';
        }
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
      emitProgress(ctx, index, action.what);
      if (settled.has(index)) {
        index++;
        continue;
      }
      changed = (await runAction(ctx, action, { ...run, index })) || changed;
      index++;
    }
    output.flush();
    if (step.phase === 'verify') {
      waitsMet();
      await checkCluster(ctx, signal, output, testing);
    }
    ctx.emit({ type: 'step-finished', ...on, durationMs: Date.now() - started, changed });
    return 'done';
  } catch (error) {
    output.flush();
    const failure = await describeFailure(ctx, error, current, output, { timedOut, started });
    ctx.emit({ type: 'step-failed', ...on, durationMs: Date.now() - started, error: failure });
    return failure.code === 'CANCELLED' ? 'cancelled' : 'failed';
  } finally {
    clearTimeout(timer);
    stepOver.abort();
    waitsOver(new AppError('CANCELLED', 'The step ended before its waits were met.'));
  }
}

function listNodes(ctx: StepContext, signal: AbortSignal): Promise<ExecOutcome> {
  return ctx.runner.exec({ ...nodeListCheck(ctx.step), timeoutMs: 60_000, signal, what: NODE_LIST_WHAT });
}

/**
 * After the verify step's waits (every node Ready): the nodes as the first server lists them, the
 * same from here, and the flows between the nodes (`testing`: every node, whatever its firewall;
 * a flow blocked outside the machines shows only there), all three at once. The list is read
 * now, not beside the waits: its kubectl would only slow theirs down on the first server.
 */
async function checkCluster(
  ctx: StepContext,
  signal: AbortSignal,
  output: StepOutput,
  testing: Promise<{ results: ConnectivityResult[]; blocked: string | null }> | null,
): Promise<void> {
  const kubeconfig = ctx.memory.kubeconfig;
  // Started beside the node list; their failures are read only after its own.
  const fromHere = kubeconfig ? ctx.services.checkFromHere(kubeconfig) : null;
  fromHere?.catch(() => undefined);
  // A list that does not show every node the waits asked about, Ready (one a re-run took ahead,
  // before the waits' own read), is read again.
  const first = await listNodes(ctx, signal).catch(() => null);
  const asked = ctx.step.actions.flatMap((a) =>
    a.kind === 'wait-for' ? (readyCheckNodes(a.check.command) ?? []) : [],
  );
  const listed = first?.code === 0 ? parseNodeList(first.stdout) : [];
  const usable = first && asked.length && listed.length >= asked.length && listed.every((n) => n.ready);
  const r = usable ? first : await listNodes(ctx, signal);
  if (r.code !== 0) {
    throw new AppError(
      'STEP_FAILED',
      `${ctx.step.host}: the nodes could not be listed (k3s kubectl get nodes, exit ${r.code ?? '?'}): ${ctx.services.redact(r.stderr.trim().split('\n').pop() ?? '')}`,
    );
  }
  const nodes = parseNodeList(r.stdout);
  let checkedFromHere = false;
  if (fromHere) {
    const seen = await fromHere;
    checkedFromHere = nodes.every((n) => seen.some((s) => s.name === n.name));
  }
  const flows = testing ? await testing : null;
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
