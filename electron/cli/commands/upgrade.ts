/**
 * `k3s-wizard upgrade cluster.yaml --to VERSION | --channel C`: K3s upgraded node by node
 * (servers one at a time, then agents), with the plan shown first, per node from which version
 * to which; refused when Kubernetes' version skew rules forbid it. A run that stopped at a
 * failure continues from there when run again.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { AppError } from '../../../shared/errors';
import { describeUpgrade, planUpgrade, type UpgradePlan } from '../../../shared/day-two';
import type { K3sArch } from '../../../shared/facts';
import { firstServer } from '../../../shared/spec';
import { readClusterNodes } from '../../day-two/cluster-read';
import { resolveChannel } from '../../day-two/cluster';
import { CordonLedger, statePath } from '../../day-two/state';
import { runUpgrade } from '../../day-two/upgrade';
import { parseConcurrency } from '../options';
import { addLoginOptions, SECRETS_HELP } from '../secrets';
import { airgapInventory, failure, readClusterFile } from './apply';
import type { RegisterCommand } from './context';
import {
  confirmOrStop,
  followActivity,
  parseSeconds,
  stepResults,
  addChangeOptions,
  type DayTwoFlags,
  withDayTwoSession,
  withVersion,
} from './day-two';

interface UpgradeFlags extends DayTwoFlags {
  to?: string;
  channel?: string;
  force?: boolean;
  concurrency: string;
  readyTimeout: string;
}

const ARCHES: readonly string[] = ['amd64', 'arm64', 'arm'];

export const registerUpgrade: RegisterCommand = (program, { io, dataDir }) => {
  const command = addLoginOptions(program.command('upgrade'))
    .description(
      'upgrade K3s one node at a time (servers, then agents): cordon, drain, install the new version, wait until Ready at it, uncordon',
    )
    .argument('<cluster.yaml>', 'the cluster file')
    .option('--to <version>', 'the K3s release to go to, e.g. v1.34.1+k3s1')
    .option('--channel <channel>', 'or a channel: stable, latest, v1.33 …')
    .option('--force', 'allow a downgrade (refused otherwise)')
    .option('--no-drain', 'cordon each node but do not drain it')
    .option('--drain-timeout <seconds>', 'how long a drain may take', '120')
    .option('--concurrency <n>', 'how many agents are upgraded at once (servers: always one)', '1')
    .option('--ready-timeout <seconds>', 'how long a node may take to be Ready at the new version', '300');
  addChangeOptions(command, 'upgrade without asking first')
    .addHelpText('after', SECRETS_HELP)
    .action(async (file: string, opts: UpgradeFlags) => {
      if (Boolean(opts.to) === Boolean(opts.channel))
        throw new AppError(
          'INVALID_INPUT',
          'Say where to go: --to VERSION (like v1.34.1+k3s1) or --channel CHANNEL (like stable), one of them.',
        );
      const concurrency = parseConcurrency(opts.concurrency);
      const drainTimeout = parseSeconds(opts.drainTimeout, '--drain-timeout');
      const readyTimeout = parseSeconds(opts.readyTimeout, '--ready-timeout');
      const { spec } = readClusterFile(file, io);
      const inventory = airgapInventory(spec, file);
      const login = { spec, io, dataDir: dataDir(), login: opts };
      await withDayTwoSession(login, async ({ cluster, runnerFor, signal, stopped }) => {
        const first = firstServer(spec);
        if (!first) throw new AppError('SPEC_INVALID', `${file} has no server.`);
        const nodes = await readClusterNodes(spec, runnerFor, signal);
        const target =
          opts.to ?? (await resolveChannel(runnerFor(first.nodeName), spec, opts.channel ?? '', signal));
        if (opts.channel) io.stderr(`Channel ${opts.channel} is ${target}.\n`);
        const ledger = new CordonLedger(statePath(cluster.dataDir, spec.name));
        const planned = planUpgrade({
          spec,
          cluster: nodes,
          target,
          force: Boolean(opts.force),
          cordonedByUs: ledger.nodes,
          file,
        });
        if (!planned.ok) throw new AppError('PLAN_FAILED', planned.reason);
        const plan: UpgradePlan = planned.plan;
        const out = opts.json ? io.stderr : io.stdout;
        out(`Upgrade ${spec.name} to ${plan.target}:\n${describeUpgrade(plan).join('\n')}\n`);
        for (const w of plan.warnings) out(`warning: ${w}\n`);
        const work = plan.nodes.filter((n) => n.kind !== 'skip');
        if (!work.length) {
          out(`Nothing to do: every node runs ${plan.target}.\n`);
          if (opts.json)
            io.stdout(
              `${JSON.stringify({ cluster: spec.name, target: plan.target, outcome: 'unchanged', nodes: plan.nodes }, null, 2)}\n`,
            );
          return;
        }
        await confirmOrStop({
          yes: Boolean(opts.yes),
          question: `Upgrade ${work.map((n) => n.name).join(', ')} to ${plan.target}? [y/N] `,
        });
        stopped();
        const byName = new Map(nodes.map((n) => [n.name, n]));
        const follow = followActivity({
          io,
          cluster,
          name: spec.name,
          hosts: plan.nodes.map((n) => n.name),
          flags: opts,
          signal,
        });
        await runUpgrade({
          spec,
          plan,
          runnerFor,
          activity: follow.activity,
          ledger,
          drain: { enabled: opts.drain !== false, timeoutSeconds: drainTimeout },
          concurrency,
          readyTimeoutMs: readyTimeout * 1000,
          installTimeoutMs: 10 * 60_000,
          airgap:
            spec.install.source === 'airgap'
              ? {
                  inventory,
                  arch: (name) => {
                    const a = byName.get(name)?.arch ?? '';
                    return ARCHES.includes(a) ? (a as K3sArch) : null;
                  },
                }
              : null,
        });
        const snapshot = await follow.finish();
        // Once a node runs the new version, the file says so: a later apply must not take it back.
        const moved = plan.nodes.some((n) => snapshot.steps[`upgrade:${n.name}`]?.status === 'done');
        if (moved && spec.k3s.version !== plan.target) {
          writeFileSync(file, withVersion(readFileSync(file, 'utf8'), plan.target));
          out(`${file} now asks for K3s ${plan.target} (k3s.version).\n`);
        }
        if (opts.json)
          io.stdout(
            `${JSON.stringify({ cluster: spec.name, target: plan.target, outcome: snapshot.status, nodes: plan.nodes, steps: stepResults(snapshot), log: follow.activity.logPath }, null, 2)}\n`,
          );
        if (snapshot.status !== 'succeeded') throw failure(snapshot, follow.activity.logPath);
        if (!opts.json) io.stdout(`Cluster ${spec.name} runs ${plan.target} on every node.\n`);
      });
    });
};
