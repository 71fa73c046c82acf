/**
 * `k3s-wizard fleet roster.csv --preset class.yaml`: a classroom of machines into clusters in one
 * command. The clusters and what the fixes will change are shown first; then the fixes (names,
 * cloned machine-ids, the Pis' memory cgroup, reboots in waves), a fresh check, every cluster
 * built at once under one limit, and the dashboard, failures first. `--handout DIR` writes the
 * students' kubeconfigs and join commands; `--reset` uninstalls or clears the namespaces.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { AppError } from '../../../shared/errors';
import { assign, fleetSpecs, type FleetCluster } from '../../../shared/fleet/assign';
import { dashboardText, type ClusterRow } from '../../../shared/fleet/dashboard';
import { describeFixes } from '../../../shared/fleet/fixes';
import type { HandoutPer } from '../../../shared/fleet/handout';
import { HANDOUT_PER } from '../../../shared/fleet/schema';
import { parsePreset, type Preset } from '../../../shared/fleet/preset';
import { parseRoster } from '../../../shared/fleet/roster';
import type { RunEvent, RunSnapshot } from '../../../shared/run';
import { reduceRun } from '../../../shared/run';
import { formatIssue, type ClusterSpec } from '../../../shared/spec';
import { plainDisplay, type RunDisplay } from '../../engine/display';
import {
  buildRows,
  fleetSpec,
  planFixes,
  probeFleet,
  startBuild,
  startFixes,
  type FleetContext,
} from '../../fleet/fleet';
import { handOut, type ClusterHandout } from '../../fleet/handout';
import { resetNamespaces, uninstallFleet, type ResetResult } from '../../fleet/reset';
import { parseConcurrency } from '../options';
import { addLoginOptions, SECRETS_HELP, type LoginFlags } from '../secrets';
import { confirm, isInteractive, openCluster } from './apply';
import type { CliIo, RegisterCommand } from './context';

interface FleetOptions extends LoginFlags {
  preset: string;
  clusters?: string;
  yes?: boolean;
  dryRun?: boolean;
  skipFixes?: boolean;
  only?: string[];
  handout?: string;
  handoutPer?: string;
  reset?: string;
  json?: boolean;
  concurrency?: string;
}

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new AppError('INVALID_INPUT', `Cannot read the ${what} ${file}: ${(error as Error).message}`);
  }
}

export function loadFleet(options: {
  rosterFile: string;
  presetFile: string;
  clusters?: number;
  io: CliIo;
}): { preset: Preset; clusters: FleetCluster[]; specs: ClusterSpec[] } {
  const { io } = options;
  const parsed = parsePreset(readText(options.presetFile, 'preset'));
  for (const issue of parsed.issues) io.stderr(`${formatIssue(issue, options.presetFile)}\n`);
  if (!parsed.preset)
    throw new AppError(
      'SPEC_INVALID',
      `${options.presetFile} has problems (listed above); nothing was done.`,
    );
  const preset = parsed.preset;
  // An air-gap folder written relative to the preset file is found next to it.
  if (preset.install.source === 'airgap' && !isAbsolute(preset.install.folder))
    preset.install.folder = resolve(dirname(options.presetFile), preset.install.folder);
  const roster = parseRoster(readText(options.rosterFile, 'roster'), {
    csv: options.rosterFile.toLowerCase().endsWith('.csv'),
  });
  for (const p of roster.problems)
    io.stderr(`error: ${options.rosterFile}${p.line ? `:${p.line}` : ''}: ${p.message}\n`);
  if (roster.problems.length)
    throw new AppError(
      'SPEC_INVALID',
      `${options.rosterFile} has problems (listed above); nothing was done.`,
    );
  try {
    const clusters = assign(roster.machines, options.clusters ?? preset.clusters);
    return { preset, clusters, specs: fleetSpecs(clusters, preset) };
  } catch (error) {
    throw new AppError('SPEC_INVALID', (error as Error).message);
  }
}

/** Progress of several runs on one stream, each line led by its cluster. */
function progress(write: (text: string) => void): (cluster: string, event: RunEvent) => void {
  const views = new Map<string, { view: RunSnapshot | null; display: RunDisplay }>();
  return (cluster, event) => {
    let entry = views.get(cluster);
    if (!entry) {
      entry = {
        view: null,
        display: plainDisplay((text) => write(text.replace(/^(?=.)/gm, `${cluster}: `))),
      };
      views.set(cluster, entry);
    }
    entry.view = reduceRun(entry.view, event);
    if (entry.view) entry.display.update(event, entry.view);
  };
}

export const registerFleet: RegisterCommand = (program, { io, dataDir }) => {
  addLoginOptions(program.command('fleet'))
    .description(
      'a classroom: machines from a roster into several clusters, fixed (names, machine IDs, Pi memory cgroup) and built at once',
    )
    .argument('<roster>', 'roster.csv (address,group[,name[,role]]) or a list of machines / ranges')
    .requiredOption(
      '--preset <class.yaml>',
      'the class preset (version, components, firewall, install source, naming, login)',
    )
    .option('--clusters <n>', 'split a roster without groups into this many clusters')
    .option('-y, --yes', 'change the machines without asking first')
    .option('--dry-run', 'log in, check and show what would change; change nothing')
    .option('--skip-fixes', 'do not rename, regenerate machine IDs or turn on the memory cgroup')
    .option(
      '--only <cluster...>',
      'build (or retry, or reset) only these clusters; finished steps are skipped',
    )
    .option(
      '--handout <dir>',
      'after the build: a kubeconfig per student and join commands, written 0600 there',
    )
    .option(
      '--handout-per <who>',
      '"student" (a kubeconfig per student, each in its own namespace; the default) or "group" (one the group shares)',
    )
    .option(
      '--reset <what>',
      'after class instead of building: "uninstall" every cluster, or "namespaces" (the students\')',
    )
    .option('--json', 'print the result as JSON on stdout (progress on stderr)')
    .option('--concurrency <n>', "machines worked on at once across the fleet (default: the preset's)")
    .addHelpText('after', SECRETS_HELP)
    .action(async (rosterFile: string, opts: FleetOptions) => {
      if (opts.reset && !['uninstall', 'namespaces'].includes(opts.reset))
        throw new AppError('INVALID_INPUT', '--reset takes "uninstall" or "namespaces".');
      if (opts.handoutPer !== undefined && !HANDOUT_PER.includes(opts.handoutPer as HandoutPer))
        throw new AppError('INVALID_INPUT', '--handout-per takes "student" or "group".');
      const count = opts.clusters === undefined ? undefined : Number(opts.clusters);
      if (count !== undefined && (!Number.isInteger(count) || count < 1))
        throw new AppError(
          'INVALID_INPUT',
          `--clusters must be a whole number of 1 or more, not "${opts.clusters}".`,
        );
      const fleet = loadFleet({
        rosterFile,
        presetFile: opts.preset,
        io,
        ...(count ? { clusters: count } : {}),
      });
      const { preset } = fleet;
      // A machine's name stands for its cluster: that cluster runs again, its finished steps skipped.
      const clusterOf = (name: string) =>
        fleet.specs.find((s) => s.name === name || s.nodes.some((n) => n.nodeName === name))?.name;
      const unknown = (opts.only ?? []).filter((c) => !clusterOf(c));
      if (unknown.length)
        throw new AppError(
          'INVALID_INPUT',
          `No cluster or machine ${unknown.join(', ')}; the clusters are ${fleet.specs.map((s) => s.name).join(', ')}.`,
        );
      const chosen = opts.only ? new Set(opts.only.map((c) => clusterOf(c) ?? c)) : null;
      const specs = fleet.specs.filter((s) => !chosen || chosen.has(s.name));
      const concurrency = opts.concurrency ? parseConcurrency(opts.concurrency) : preset.build.concurrency;
      const say = (text: string) => (opts.json ? io.stderr(text) : io.stdout(text));
      const show = progress(say);

      say(
        `${preset.name}: ${specs.length} clusters, ${specs.reduce((n, s) => n + s.nodes.length, 0)} machines\n`,
      );
      for (const s of specs)
        say(
          `  ${s.name}: ${s.nodes.map((n) => `${n.nodeName} ${n.address}${n.role === 'server' ? ' (server)' : ''}`).join(', ')}\n`,
        );

      if (!opts.yes && !opts.dryRun && !isInteractive())
        throw new AppError(
          'INVALID_INPUT',
          'Add --yes to change the machines without being asked (or --dry-run to see what would change).',
        );

      let stop = false;
      const cancels: (() => void)[] = [];
      void io.untilInterrupted().then(() => {
        stop = true;
        for (const cancel of cancels) cancel();
      });
      const stopped = () => {
        if (stop)
          throw new AppError(
            'CANCELLED',
            'Interrupted: what ran is listed above; run the same command again to go on.',
          );
      };
      const all = fleetSpec(preset, specs);
      const cluster = await openCluster({
        spec: all,
        io,
        dataDir: dataDir(),
        login: opts,
      });
      const ctx: FleetContext = {
        hosts: cluster.hosts,
        pool: cluster.pool,
        service: cluster.service,
        logger: cluster.logger,
      };
      const result: {
        fleet: string;
        fixes?: ReturnType<typeof planFixes>['changes'];
        clusters?: ClusterRow[];
        handout?: ClusterHandout[];
        reset?: ResetResult[];
      } = { fleet: preset.name };
      try {
        stopped();
        if (opts.reset) {
          if (!opts.yes)
            throw new AppError(
              'INVALID_INPUT',
              `This ${opts.reset === 'uninstall' ? 'removes K3s and every workload from' : 'deletes the student namespaces of'} ${specs.map((s) => s.name).join(', ')}: add --yes to go ahead.`,
            );
          result.reset =
            opts.reset === 'uninstall'
              ? await uninstallFleet(ctx, { specs, concurrency, onEvent: show })
              : await resetNamespaces(ctx, { specs, preset });
          for (const r of result.reset) {
            const left = Object.entries(r.left).filter(([, l]) => l.length);
            say(
              `${r.cluster}: ${r.outcome === 'done' ? 'reset, nothing left' : 'NOT clean'}${r.problem ? ` (${r.problem})` : ''}\n`,
            );
            for (const [host, paths] of left) say(`    ${host} still has: ${paths.join(', ')}\n`);
            if (r.namespacesLeft?.length) say(`    namespaces still there: ${r.namespacesLeft.join(', ')}\n`);
          }
          if (opts.json) io.stdout(`${JSON.stringify(result, null, 2)}\n`);
          if (result.reset.some((r) => r.outcome !== 'done'))
            throw new AppError(
              'COMMAND_FAILED',
              'The reset left something behind (listed above). Run the same command again to retry.',
            );
          return;
        }

        say(`Checking ${all.nodes.length} machines…\n`);
        let probed = await probeFleet(ctx, all.nodes);
        const unread = Object.entries(probed.failed);
        for (const [host, why] of unread) io.stderr(`error: ${host}: ${why}\n`);
        if (unread.length)
          throw new AppError(
            'COMMAND_FAILED',
            `${unread.length} machines could not be checked (listed above); nothing was changed.`,
          );
        stopped();

        if (!opts.skipFixes) {
          const fixes = planFixes(preset, specs, probed.facts);
          result.fixes = fixes.changes;
          say('What the fixes will change:\n');
          for (const line of describeFixes(fixes)) say(`  ${line}\n`);
          for (const c of fixes.unfixed)
            say(`  not fixed here: ${c.hostId ?? (c.hostIds ?? []).join(', ')}: ${c.title}: ${c.reason}\n`);
          if (opts.dryRun) {
            if (opts.json) io.stdout(`${JSON.stringify(result, null, 2)}\n`);
            return;
          }
          if (fixes.plan.steps.length) {
            if (
              !opts.yes &&
              !(await confirm(
                `Fix ${fixes.changes.length} machines (${fixes.changes.filter((c) => c.reboots).length} reboot, ${preset.fixes.rebootWave} at a time)? [y/N] `,
              ))
            )
              throw new AppError('CANCELLED', 'Nothing was done.');
            const started = startFixes(ctx, {
              preset,
              specs,
              fixes,
              facts: probed.facts,
              onEvent: (e) => show('fixes', e),
            });
            cancels.push(() => started.run.cancel());
            const snapshot = await started.done;
            stopped();
            if (snapshot.status !== 'succeeded') {
              const failed = snapshot.order
                .map((id) => snapshot.steps[id])
                .filter((s) => s?.status === 'failed' || s?.status === 'blocked');
              throw new AppError(
                'COMMAND_FAILED',
                `The fixes did not finish:\n${failed.map((s) => `  ${s?.host}: ${s?.status === 'blocked' ? `blocked by ${s.blockedBy ?? '?'}` : (s?.error?.message ?? '')}`).join('\n')}\nRun the same command again to go on (finished fixes are skipped). Log: ${started.logPath}`,
              );
            }
            say('Checking again after the fixes…\n');
            probed = await probeFleet(ctx, all.nodes);
            if (Object.keys(probed.failed).length)
              throw new AppError(
                'COMMAND_FAILED',
                `After the fixes, ${Object.entries(probed.failed)
                  .map(([h, w]) => `${h}: ${w}`)
                  .join('; ')}`,
              );
            const again = planFixes(preset, specs, probed.facts);
            if (again.plan.steps.length)
              throw new AppError(
                'COMMAND_FAILED',
                `Still to fix after the fixes: ${describeFixes(again).join('; ')}`,
              );
          }
        } else if (opts.dryRun) return;
        if (opts.dryRun) return;
        if (
          !opts.yes &&
          !(await confirm(`Build ${specs.length} clusters (${concurrency} machines at a time)? [y/N] `))
        )
          throw new AppError('CANCELLED', 'The machines were fixed; no cluster was built.');

        const started = Date.now();
        const build = startBuild(ctx, { specs, facts: probed.facts, concurrency, onEvent: show });
        cancels.push(() => {
          for (const r of build.runs.values()) r.run.cancel();
        });
        await build.done;
        const rows = buildRows(specs, build);
        result.clusters = rows;
        say(`\nFleet ${preset.name} in ${Math.round((Date.now() - started) / 1000)} s:\n`);
        for (const line of dashboardText(rows)) say(`${line}\n`);
        const failed = rows.filter((r) => r.state !== 'done');
        if (!failed.length && opts.handout) {
          const dir = resolve(opts.handout);
          result.handout = [];
          for (const spec of specs) {
            const group = fleet.clusters.find((c) => spec.name === `${preset.name}-${c.group}`);
            if (!group) continue;
            const server = spec.nodes.find((n) => n.role === 'server');
            const h = await handOut(ctx, {
              spec,
              cluster: group,
              preset,
              dir,
              facts: server ? (probed.facts[server.nodeName] ?? null) : null,
              ...(opts.handoutPer ? { per: opts.handoutPer as HandoutPer } : {}),
            });
            result.handout.push(h);
            say(
              `${spec.name}: ${h.kubeconfigs.length} student kubeconfigs and ${h.joinFile} (tokens expire in ${h.expiresIn})\n`,
            );
          }
        }
        if (opts.json) io.stdout(`${JSON.stringify(result, null, 2)}\n`);
        if (failed.length)
          throw new AppError(
            'COMMAND_FAILED',
            `${failed.length} of ${rows.length} clusters did not finish (${failed.map((r) => r.cluster).join(', ')}). Retry with: --only ${failed.map((r) => r.cluster).join(' ')} (finished steps are skipped).`,
          );
      } finally {
        await cluster.close();
      }
    });
};
