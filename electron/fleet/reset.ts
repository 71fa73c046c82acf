/**
 * After class: every cluster uninstalled (the wizard's one uninstall plan, each cluster its own
 * run, under the fleet's limit), or only the students' namespaces deleted; then what is left,
 * looked for on the machines themselves.
 */
import pLimit from 'p-limit';
import { AppError } from '../../shared/errors';
import { resetNamespacesOf } from '../../shared/fleet/handout';
import type { Preset } from '../../shared/fleet/preset';
import type { RunEvent, RunSnapshot } from '../../shared/run';
import { K3S_BIN, K3S_DATA_DIR } from '../../shared/plan/install';
import { shJoin } from '../../shared/shell';
import { firstServer, type ClusterSpec } from '../../shared/spec';
import { runnerFor, type FleetContext } from './fleet';

/** What K3s and k3s-wizard put on a machine; any of it still there after an uninstall is reported. */
export const K3S_TRACES = [
  K3S_BIN,
  '/usr/local/bin/k3s-uninstall.sh',
  '/usr/local/bin/k3s-agent-uninstall.sh',
  '/usr/local/bin/k3s-killall.sh',
  '/etc/rancher/k3s',
  K3S_DATA_DIR,
  '/etc/systemd/system/k3s.service',
  '/etc/systemd/system/k3s-agent.service',
  '/var/lib/k3s-wizard',
];

const TRACES_SCRIPT = 'for p in "$@"; do if [ -e "$p" ] || [ -L "$p" ]; then echo "$p"; fi; done';

export interface ResetResult {
  cluster: string;
  outcome: 'done' | 'failed';
  /** Per machine, what is still there (empty: clean). */
  left: Record<string, string[]>;
  /** Namespaces reset: the student namespaces still present. */
  namespacesLeft?: string[];
  problem?: string;
}

/** The traces of K3s on every machine of a spec. */
export async function traces(
  ctx: FleetContext,
  spec: ClusterSpec,
  signal: AbortSignal,
): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  await Promise.all(
    spec.nodes.map(async (node) => {
      const r = await runnerFor(ctx.pool, node).exec({
        command: shJoin(['sh', '-c', TRACES_SCRIPT, 'k3s-wizard-traces', ...K3S_TRACES]),
        sudo: true,
        timeoutMs: 60_000,
        signal,
        what: 'look for what K3s left',
      });
      out[node.nodeName] =
        r.code === 0 ? r.stdout.split('\n').filter(Boolean) : [`(could not look: exit ${r.code ?? '?'})`];
    }),
  );
  return out;
}

export async function uninstallFleet(
  ctx: FleetContext,
  options: {
    specs: ClusterSpec[];
    concurrency: number;
    onEvent?: (cluster: string, event: RunEvent) => void;
  },
): Promise<ResetResult[]> {
  const limit = pLimit(options.concurrency);
  const runs = options.specs.map((spec) => ({
    spec,
    started: ctx.service.uninstall({
      spec,
      concurrency: options.concurrency,
      sharedLimit: limit,
      ...(options.onEvent ? { onEvent: (e: RunEvent) => options.onEvent?.(spec.name, e) } : {}),
    }),
  }));
  return Promise.all(
    runs.map(async ({ spec, started }): Promise<ResetResult> => {
      const snapshot: RunSnapshot = await started.done;
      const left = await traces(ctx, spec, AbortSignal.timeout(120_000));
      const failed = snapshot.order.map((id) => snapshot.steps[id]).filter((s) => s?.status === 'failed');
      return {
        cluster: spec.name,
        outcome:
          snapshot.status === 'succeeded' && Object.values(left).every((l) => !l.length) ? 'done' : 'failed',
        left,
        ...(failed.length
          ? { problem: failed.map((s) => `${s?.host}: ${s?.error?.message ?? 'failed'}`).join('; ') }
          : {}),
      };
    }),
  );
}

/**
 * Deletes the students' namespaces (and with them what they made), cluster by cluster: those of
 * a kubeconfig per student and the one a group shares, whichever the hand-out made.
 */
export async function resetNamespaces(
  ctx: FleetContext,
  options: { specs: ClusterSpec[]; preset: Preset },
): Promise<ResetResult[]> {
  const prefix = `${options.preset.name}-`;
  return Promise.all(
    options.specs.map(async (spec): Promise<ResetResult> => {
      const group = spec.name.startsWith(prefix) ? spec.name.slice(prefix.length) : spec.name;
      const namespaces = resetNamespacesOf(options.preset, group);
      const server = firstServer(spec);
      if (!server) throw new AppError('INVALID_INPUT', `${spec.name} has no server.`);
      const runner = runnerFor(ctx.pool, server);
      const signal = AbortSignal.timeout(10 * 60_000);
      const del = await runner.exec({
        command: shJoin([K3S_BIN, 'kubectl', 'delete', 'namespace', ...namespaces, '--ignore-not-found']),
        sudo: true,
        timeoutMs: 5 * 60_000,
        signal,
        what: 'delete the student namespaces',
      });
      const list = await runner.exec({
        command: shJoin([K3S_BIN, 'kubectl', 'get', 'namespaces', '-o', 'name']),
        sudo: true,
        timeoutMs: 60_000,
        signal,
        what: 'list the namespaces',
      });
      const present = list.stdout
        .split('\n')
        .map((l) => l.trim().replace(/^namespace\//, ''))
        .filter(Boolean);
      const namespacesLeft = namespaces.filter((ns) => present.includes(ns));
      const problem =
        del.code !== 0
          ? `${server.nodeName}: kubectl delete namespace: ${ctx.logger.redact(del.stderr.trim().split('\n').pop() ?? '')}`
          : list.code !== 0
            ? `${server.nodeName}: could not list the namespaces`
            : undefined;
      return {
        cluster: spec.name,
        outcome: !problem && namespacesLeft.length === 0 ? 'done' : 'failed',
        left: {},
        namespacesLeft: list.code === 0 ? namespacesLeft : namespaces,
        ...(problem ? { problem } : {}),
      };
    }),
  );
}
