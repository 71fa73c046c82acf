/**
 * Removing a machine from a running cluster: cordon and drain it (time limit, blocking pods
 * named; a drain that fails uncordons it again and stops), uninstall K3s there when it can be
 * reached (a dead machine is removed from the cluster anyway, and the result says so), delete
 * its node object and its node-password secret, and take its address out of the other nodes'
 * firewall rules. The cluster file is rewritten by the caller once this succeeds.
 */
import type { PeerRules, RemovalPlan } from '../../shared/day-two';
import { FIREWALL_UNDO_FILE } from '../../shared/firewall';
import { buildUninstallPlan } from '../../shared/plan';
import type { RunSnapshot, StepInfo } from '../../shared/run';
import { shJoin } from '../../shared/shell';
import { servers, type ClusterSpec } from '../../shared/spec';
import { AppError } from '../../shared/errors';
import type { HostRunner } from '../engine/host-runner';
import { deleteNode } from '../engine/k3s';
import { StepFailure, type Activity, type StepTools } from './activity';
import { cordon, drain } from './node-ops';

export interface RemoveOptions {
  spec: ClusterSpec;
  plan: RemovalPlan;
  runnerFor: (node: string) => HostRunner;
  /** Whether a session to the machine could be opened. */
  reachable: boolean;
  activity: Activity;
  drain: { enabled: boolean; timeoutSeconds: number };
  peerRules: PeerRules[];
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
  const steps = [drainStep, uninstallStep, deleteStep, ...firewallSteps];
  activity.begin(steps, 1);
  const rest = (from: number, by: string) => {
    for (const s of steps.slice(from)) activity.block(s, by);
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
        await drain(control, name, { timeoutSeconds: options.drain.timeoutSeconds }, tools);
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
    const r = await deleteNode({
      server: control,
      node: name,
      signal: tools.signal,
      onOutput: (s, t) => tools.output.push(s, t),
    });
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
