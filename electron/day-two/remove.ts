/**
 * Removing a machine from a running cluster: cordon and drain it (time limit, blocking pods
 * named; a drain that fails uncordons it again and stops), uninstall K3s there when it can be
 * reached (a dead machine is removed from the cluster anyway, and the result says so), delete
 * its node object and its node-password secret, and take its address out of the other nodes'
 * firewall rules. The cluster file is rewritten by the caller once this succeeds.
 */
import { configWithJoinUrl, type PeerRules, type RemovalPlan } from '../../shared/day-two';
import { configToken, envFileOf, envFileValue, writeEnvValueCommand } from '../../shared/day-two/tokens';
import { CONFIG_PATH } from '../../shared/plan';
import { FIREWALL_UNDO_FILE } from '../../shared/firewall';
import { buildUninstallPlan } from '../../shared/plan';
import type { RunSnapshot, StepInfo } from '../../shared/run';
import { shJoin } from '../../shared/shell';
import { servers, systemdUnit, usesEmbeddedEtcd, type NodeSpec } from '../../shared/spec';
import { AppError } from '../../shared/errors';
import { deleteNode } from '../engine/k3s';
import { StepFailure, type DayTwoRunOptions, type StepTools } from './activity';
import { cordon, drain, type DrainChoice } from './node-ops';

export interface RemoveOptions extends DayTwoRunOptions {
  plan: RemovalPlan;
  /** Whether a session to the machine could be opened. */
  reachable: boolean;
  drain: DrainChoice;
  peerRules: PeerRules[];
  /** Registers a value read from a machine as a secret (a config.yaml's token). */
  addSecret?: (secret: string) => void;
}

export interface RemoveOutcome {
  snapshot: RunSnapshot;
  /** Things the user must know (the machine could not be reached, …). */
  notes: string[];
}

// Removes the given lines (stdin) from the undo record, so a later uninstall does not run them again.
const FORGET_UNDO =
  'if [ -f "$1" ]; then grep -vxF -f /dev/stdin "$1" > "$1.tmp" || true; chmod 0600 "$1.tmp"; mv -f "$1.tmp" "$1"; fi';

export async function runRemoval(options: RemoveOptions): Promise<RemoveOutcome> {
  const { activity, plan } = options;
  const name = plan.node.nodeName;
  const control = options.runnerFor(servers(options.spec).find((s) => s.nodeName !== name)?.nodeName ?? name);
  const notes: string[] = [];
  const drainStep: StepInfo = {
    id: `remove:${name}:drain`,
    host: name,
    phase: 'remove',
    title: 'Cordon and drain',
    dependsOn: [],
  };
  const uninstallStep: StepInfo = {
    id: `remove:${name}:uninstall`,
    host: name,
    phase: 'remove',
    title: 'Remove K3s from the machine',
    dependsOn: [drainStep.id],
  };
  const deleteStep: StepInfo = {
    id: `remove:${name}:delete`,
    host: control.host,
    phase: 'remove',
    title: `Delete node ${name} and its node-password secret`,
    dependsOn: [uninstallStep.id],
  };
  const firewallSteps: StepInfo[] = options.peerRules.map((r) => ({
    id: `remove:${name}:firewall:${r.node}`,
    host: r.node,
    phase: 'remove',
    title: `Take ${name}'s address out of the firewall (${r.undo.length} rules)`,
    dependsOn: [deleteStep.id],
  }));
  // the first server leaves: the others join through the next one from now on (before anything goes)
  const move = plan.joinMove;
  const moveSteps: StepInfo[] = move
    ? plan.remaining.nodes.map((n) => ({
        id: `remove:${name}:rejoin:${n.nodeName}`,
        host: n.nodeName,
        phase: 'remove',
        title:
          n.nodeName === move.newFirst
            ? `Take over from ${name}: the others join through it from now on`
            : `Join through ${move.newFirst} from now on (${move.to})`,
        dependsOn: [],
      }))
    : [];
  if (moveSteps.length) drainStep.dependsOn = moveSteps.map((s) => s.id);
  const steps = [...moveSteps, drainStep, uninstallStep, deleteStep, ...firewallSteps];
  activity.begin(steps, 1);
  for (const step of moveSteps) {
    const node = plan.remaining.nodes.find((n) => n.nodeName === step.host) as NodeSpec;
    const ok = await activity.step(step, (tools) => pointAt(options, node, tools));
    if (!ok) {
      for (const s of steps.slice(steps.indexOf(step) + 1)) activity.block(s, step.id);
      return { snapshot: activity.finish(), notes };
    }
  }
  const rest = (from: number, by: string) => {
    for (const s of steps.slice(moveSteps.length + from)) activity.block(s, by);
    return { snapshot: activity.finish(), notes };
  };

  const dead = !plan.inCluster || !plan.ready;
  if (dead) {
    activity.skip(drainStep);
    notes.push(
      plan.inCluster
        ? `${name} is NotReady: it was not drained (its pods are started elsewhere once its node object is gone).`
        : `${name} had no node object in the cluster.`,
    );
  } else {
    const ok = await activity.step(drainStep, async (tools) => {
      await cordon(control, name, tools);
      if (!options.drain.enabled) return 'changed';
      try {
        await drain(control, name, options.drain, tools);
      } catch (error) {
        // the removal stops here: the node goes back to how it was
        await cordon(control, name, tools, true).catch(() => undefined);
        if (error instanceof StepFailure)
          throw new StepFailure({
            ...error.error,
            message: error.error.message.replace(
              /It stays cordoned;.*$/,
              'It was uncordoned again and nothing else was done: move those pods, or run again with --no-drain (or a longer --drain-timeout).',
            ),
          });
        throw error;
      }
      return 'changed';
    });
    if (!ok) return rest(1, drainStep.id);
  }

  if (!options.reachable) {
    activity.skip(uninstallStep);
    notes.push(
      `${name} could not be reached: it is removed from the cluster anyway. If it comes back, run /usr/local/bin/k3s-uninstall.sh (or k3s-agent-uninstall.sh) on it before it joins anything again.`,
    );
  } else {
    const uninstall = buildUninstallPlan({ ...options.spec, nodes: [plan.node] }).steps.find(
      (s) => s.host === name && s.id.startsWith('uninstall:') && s.phase !== 'forget',
    );
    const ok = await activity.step(uninstallStep, async (tools) => {
      const runner = options.runnerFor(name);
      const actions = uninstall?.actions ?? [];
      for (const [i, action] of actions.entries()) {
        if (action.kind !== 'exec') continue;
        tools.progress(action.what, i, actions.length);
        const r = await runner.exec({
          command: action.command,
          sudo: action.sudo,
          timeoutMs: 10 * 60_000,
          signal: tools.signal,
          what: action.what,
          onOutput: (s, t) => tools.output.push(s, t),
        });
        if (r.code !== 0)
          throw new StepFailure({
            code: 'COMMAND_FAILED',
            message: `${name}: could not ${action.what} (exit ${r.code ?? '?'}). The node is still in the cluster (cordoned); run the same command again.`,
            lastOutput: tools.output.lastLines(),
          });
      }
      return 'changed';
    });
    if (!ok) return rest(2, uninstallStep.id);
  }

  const deleted = await activity.step(deleteStep, async (tools) => {
    tools.progress(`delete node ${name} and its node-password secret`, 0, 1);
    const once = () =>
      deleteNode({
        server: control,
        node: name,
        signal: tools.signal,
        onOutput: (s, t) => tools.output.push(s, t),
      });
    let r = await once();
    // A server that just left the datastore: the others may take a few seconds (a new etcd
    // leader) before the API answers again; asked again every 2 s for up to 30 s.
    const until = Date.now() + 30_000;
    while (r.code !== 0 && plan.node.role === 'server' && Date.now() < until && !tools.signal.aborted) {
      await new Promise((resolve) => setTimeout(resolve, 2000));
      r = await once();
    }
    if (r.code !== 0)
      throw new StepFailure({
        code: 'COMMAND_FAILED',
        message: `${control.host}: could not delete node ${name} and its node-password secret (exit ${r.code ?? '?'}).`,
        lastOutput: tools.output.lastLines(),
      });
    return 'changed';
  });
  if (!deleted) return rest(3, deleteStep.id);

  for (const [i, rules] of options.peerRules.entries()) {
    const step = firewallSteps[i] as StepInfo;
    await activity.step(step, async (tools: StepTools) => {
      const runner = options.runnerFor(rules.node);
      for (const [j, line] of rules.undo.entries()) {
        tools.progress(line, j, rules.undo.length + 1);
        const r = await runner.exec({
          command: line,
          sudo: true,
          timeoutMs: 60_000,
          signal: tools.signal,
          what: `take back a firewall rule for ${name}`,
          onOutput: (s, t) => tools.output.push(s, t),
        });
        // a rule already gone is fine: the aim is that it is not there
        if (r.code !== 0) tools.output.push('stderr', `(exit ${r.code ?? '?'}: the rule was not there)\n`);
      }
      tools.progress(
        'update the record of k3s-wizard’s firewall rules',
        rules.undo.length,
        rules.undo.length + 1,
      );
      const forgotten = await runner.exec({
        command: shJoin(['sh', '-c', FORGET_UNDO, 'k3s-wizard-forget', FIREWALL_UNDO_FILE]),
        sudo: true,
        stdin: rules.undo.map((line) => `${line}\n`).join(''),
        timeoutMs: 60_000,
        signal: tools.signal,
        what: 'update the record of firewall rules',
      });
      if (forgotten.code !== 0)
        throw new AppError('COMMAND_FAILED', `${rules.node}: could not update ${FIREWALL_UNDO_FILE}.`);
      return 'changed';
    });
  }
  return { snapshot: activity.finish(), notes };
}

const CAT_IF_THERE = 'if [ -f "$1" ]; then cat "$1"; fi';

/**
 * One remaining node after the first server left: its config.yaml's `server:` (or the env
 * file's K3S_URL) points at the new join URL; the server taking over joins nothing any more.
 * Nothing restarts: running servers are etcd members and agents know every server; the config
 * is for the next restart.
 */
async function pointAt(
  options: RemoveOptions,
  node: NodeSpec,
  tools: StepTools,
): Promise<'changed' | 'unchanged'> {
  const move = options.plan.joinMove as NonNullable<RemovalPlan['joinMove']>;
  const runner = options.runnerFor(node.nodeName);
  const first = node.nodeName === move.newFirst;
  const read = async (path: string) => {
    const r = await runner.exec({
      command: shJoin(['sh', '-c', CAT_IF_THERE, 'k3s-wizard-read', path]),
      sudo: true,
      timeoutMs: 60_000,
      signal: tools.signal,
      what: `read ${path}`,
    });
    if (r.code !== 0)
      throw new StepFailure({
        code: 'COMMAND_FAILED',
        message: `${node.nodeName}: could not read ${path} (exit ${r.code ?? '?'}); nothing was removed.`,
        lastOutput: [],
      });
    return r.stdout;
  };
  let changed = false;
  const text = await read(CONFIG_PATH);
  if (text.trim()) {
    let next: string | null;
    try {
      const token = configToken(text);
      if (token) options.addSecret?.(token);
      next = configWithJoinUrl(
        text,
        first ? { first: true, clusterInit: usesEmbeddedEtcd(options.spec) } : { url: move.to },
      );
    } catch (error) {
      throw new StepFailure({
        code: 'COMMAND_FAILED',
        message: `${node.nodeName}: ${(error as Error).message} Nothing was removed.`,
        lastOutput: [],
      });
    }
    if (next !== null) {
      tools.progress(`rewrite server: in ${CONFIG_PATH}`, 0, 2);
      await runner.writeFile({
        path: CONFIG_PATH,
        mode: '0600',
        owner: 'root:root',
        content: next,
        timeoutMs: 60_000,
        signal: tools.signal,
      });
      tools.output.push(
        'stdout',
        first ? `${CONFIG_PATH}: no server: any more\n` : `${CONFIG_PATH}: server: ${move.to}\n`,
      );
      changed = true;
    }
  }
  const env = envFileOf(systemdUnit(node));
  const url = envFileValue(await read(env), 'K3S_URL');
  if (url !== null && url !== (first ? '' : move.to)) {
    tools.progress(`rewrite K3S_URL in ${env}`, 1, 2);
    const r = await runner.exec({
      command: writeEnvValueCommand(systemdUnit(node), 'K3S_URL'),
      sudo: true,
      stdin: `${first ? '' : move.to}\n`,
      timeoutMs: 60_000,
      signal: tools.signal,
      what: `rewrite K3S_URL in ${env}`,
    });
    if (r.code !== 0)
      throw new StepFailure({
        code: 'COMMAND_FAILED',
        message: `${node.nodeName}: could not rewrite K3S_URL in ${env} (exit ${r.code ?? '?'}); nothing was removed.`,
        lastOutput: [],
      });
    tools.output.push('stdout', first ? `${env}: no K3S_URL any more\n` : `${env}: K3S_URL=${move.to}\n`);
    changed = true;
  }
  if (!changed)
    tools.output.push('stdout', `${node.nodeName} already joins through ${first ? 'nothing' : move.to}\n`);
  return changed ? 'changed' : 'unchanged';
}
