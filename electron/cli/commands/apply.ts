/** `k3s-wizard apply`: the whole install from a cluster file, with live progress per machine. */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { AppError } from '../../../shared/errors';
import { buildPlan, type AirgapInventory, type Plan } from '../../../shared/plan';
import { reduceRun, type RunEvent, type RunSnapshot } from '../../../shared/run';
import {
  formatIssue,
  loadSpec,
  type ClusterSpec,
  type FactsByNode,
  type NodeSpec,
} from '../../../shared/spec';
import { createBackend } from '../../backend';
import type { Logger } from '../../backend/logger';
import { appVersion } from '../../backend/version';
import { liveDisplay, plainDisplay, summary, type RunDisplay } from '../../engine/display';
import { MAX_DEFAULT_CONCURRENCY } from '../../engine/run';
import { RunService, type StartedRun, type StartRunRequest } from '../../engine/service';
import type { HostCredentials } from '../../ssh/secrets';
import type { SessionPool } from '../../ssh/pool';
import type { HostsService } from '../../probe/hosts-service';
import type { HostFacts } from '../../../shared/facts';
import pLimit from 'p-limit';
import { parseConcurrency } from '../options';
import {
  gatherSecrets,
  parseFd,
  SECRETS_HELP,
  secretSourceOf,
  type LoginFlags,
  type NodeSecrets,
} from '../secrets';
import { processTerminal } from '../../probe/terminal';
import { nameTheNode } from '../node-errors';
import type { CliIo, RegisterCommand } from './context';
import { readAirgapFolder } from '../../engine/airgap-folder';
import { readFacts } from './plan';

interface ApplyOptions extends LoginFlags {
  yes?: boolean;
  concurrency?: string;
  dryRun?: boolean;
  facts?: string;
  plain?: boolean;
}

/** The login of a node, with the secrets gathered for it (never from the cluster file or argv). */
function credentialsFor(node: NodeSpec, secrets: NodeSecrets): HostCredentials {
  const credentials: HostCredentials = { user: node.user };
  if (node.auth.method === 'agent') credentials.useAgent = true;
  if (node.auth.method === 'key') {
    credentials.identityFile = node.auth.keyPath;
    if (secrets.keyPassphrase) credentials.passphrase = secrets.keyPassphrase;
  }
  if (node.auth.method === 'password' && secrets.sshPassword) credentials.password = secrets.sshPassword;
  if (node.sudo.password && secrets.sudoPassword) credentials.sudoPassword = secrets.sudoPassword;
  return credentials;
}

export function airgapInventory(spec: ClusterSpec, file: string): AirgapInventory | null {
  if (spec.install.source !== 'airgap') return null;
  const folder = isAbsolute(spec.install.folder)
    ? spec.install.folder
    : resolve(dirname(file), spec.install.folder);
  spec.install.folder = folder;
  return readAirgapFolder(folder);
}

export async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    // Ctrl-C at the question is a no (readline takes it from the terminal itself)
    const answer = await new Promise<string>((resolve) => {
      rl.on('SIGINT', () => resolve(''));
      rl.question(question).then(resolve, () => resolve(''));
    });
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

export function failure(snapshot: RunSnapshot, logPath: string): AppError {
  const failed = snapshot.order.map((id) => snapshot.steps[id]).filter((s) => s?.status === 'failed');
  const first = failed[0];
  const lines = failed.map((s) => `  ${s?.host}: ${s?.title}: ${s?.error?.code} — ${s?.error?.message}`);
  if (snapshot.status === 'cancelled' || !first?.error) {
    const left = snapshot.order.filter(
      (id) => !['done', 'skipped'].includes(snapshot.steps[id]?.status ?? ''),
    );
    const steps = left.map((id) => `${id} (${snapshot.steps[id]?.status ?? 'pending'})`).join(', ');
    return new AppError(
      'CANCELLED',
      `The run was stopped${left.length ? `; not finished: ${steps}` : ''}. Run the same command again to continue: finished steps are skipped. Log: ${logPath}`,
      { left },
    );
  }
  return new AppError(
    first.error.code,
    `${failed.length === 1 ? 'A step failed' : `${failed.length} steps failed`}:\n${lines.join('\n')}\nRun the same command again to continue: finished steps are skipped. Log: ${logPath}`,
    { host: first.host, step: first.id },
  );
}

/** Reads and checks a cluster file; its problems go to stderr. */
export function readClusterFile(file: string, io: CliIo): { spec: ClusterSpec; printed: string[] } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new AppError('INVALID_INPUT', `Cannot read the cluster file ${file}: ${(error as Error).message}`);
  }
  const loaded = loadSpec(text);
  for (const issue of loaded.issues) io.stderr(`${formatIssue(issue, file)}\n`);
  if (!loaded.spec)
    throw new AppError('SPEC_INVALID', `${file} has problems (listed above); nothing was done.`);
  return { spec: loaded.spec, printed: loaded.issues.map((i) => i.message) };
}

export function isInteractive(): boolean {
  return Boolean(process.stdin.isTTY && process.stderr.isTTY);
}

export interface OpenCluster {
  logger: Logger;
  pool: SessionPool;
  hosts: HostsService;
  service: RunService;
  dataDir: string;
  close: () => Promise<void>;
  /** Each machine's facts, read as soon as its own login was done (see openCluster's probe). */
  probed?: { from: number; facts: Map<string, Promise<HostFacts>> };
}

/**
 * A back end and one logged-in session per machine, through the back end's hosts service (the
 * same sessions and host-key policy as the app's); secrets from the environment only.
 */
export async function openCluster(options: {
  spec: ClusterSpec;
  io: CliIo;
  dataDir: string;
  /**
   * The login flags: whether to trust a new host key, and a secrets file or descriptor (else
   * the environment, else questions on the terminal).
   */
  login: LoginFlags;
  /** Go on when some machines cannot be logged in to (a support bundle notes them). */
  lenient?: boolean;
  /** Read each machine's facts as soon as it is logged in, beside the logins still going on. */
  probe?: boolean;
}): Promise<OpenCluster> {
  const { spec, io } = options;
  const backend = createBackend({
    version: appVersion(),
    dataDir: options.dataDir,
    front: 'cli',
    ...(io.env.HOME ? { home: io.env.HOME } : {}),
  });
  const { logger, hosts } = backend;
  let probed: OpenCluster['probed'];
  const close = async () => {
    await backend.close();
  };
  try {
    const secrets = await gatherSecrets({
      spec,
      env: io.env,
      source: secretSourceOf(options.login),
      terminal: processTerminal(),
      onSecret: (secret) => logger.addSecret(secret),
    });
    // The credential store registers every secret with the logger's redaction as it arrives.
    for (const node of spec.nodes)
      hosts.setCredentials(node.address, node.port, credentialsFor(node, secrets.get(node.nodeName) ?? {}));
    io.stderr(`Logging in to ${spec.nodes.length} machines…\n`);
    const from = Date.now();
    const facts = await hosts.connectAll({
      probe: Boolean(options.probe),
      acceptNew: Boolean(options.login.acceptNewHostKeys),
      targets: spec.nodes.map((n) => ({
        name: n.nodeName,
        target: { host: n.address, port: n.port, user: n.user },
      })),
      onTrusted: (name, offer) =>
        io.stderr(`${name}: trusted new ${offer.keyType} key ${offer.fingerprint}\n`),
    });
    if (options.probe) probed = { from, facts };
  } catch (caught) {
    const error = nameTheNode(caught, spec);
    if (!options.lenient || !(error instanceof AppError) || error.code.startsWith('HOST_KEY')) {
      await close();
      throw error;
    }
    io.stderr(`warning: ${error.message}\n`);
  }
  const service = new RunService({
    dataDir: backend.options.dataDir,
    logger,
    pool: () => hosts.pool,
    env: io.env,
  });
  return {
    logger,
    pool: hosts.pool,
    hosts,
    service,
    dataDir: backend.options.dataDir,
    close,
    ...(probed ? { probed } : {}),
  };
}

/** Live (or plain) progress of a run on the terminal, then its summary. */
export function followRun(options: {
  io: CliIo;
  hosts: string[];
  plain: boolean;
  /** Ctrl-C, listened for from before the run started (a signal then must not kill the process). */
  interrupted: Promise<void>;
}): {
  onEvent: (event: RunEvent) => void;
  finish: (started: StartedRun) => Promise<RunSnapshot>;
} {
  const { io } = options;
  const live = isInteractive() && Boolean(process.stdout.isTTY) && !options.plain && io.env.TERM !== 'dumb';
  const ui: { display: RunDisplay | null; view: RunSnapshot | null } = { display: null, view: null };
  return {
    onEvent: (event) => {
      // Folded here: the first event comes before start() has returned.
      ui.view = reduceRun(ui.view, event);
      ui.display ??= live ? liveDisplay([...new Set(options.hosts)]) : plainDisplay(io.stdout);
      if (ui.view) ui.display.update(event, ui.view);
    },
    finish: async (started) => {
      void options.interrupted.then(() => started.run.cancel());
      const snapshot = await started.done;
      await ui.display?.finish();
      io.stdout(summary(snapshot));
      io.stdout(`Log: ${started.logPath}\n`);
      return snapshot;
    },
  };
}

/**
 * Every machine's facts, read once over its session (as the wizard's Checks step does), so the
 * plan knows each firewall, Pi and architecture; a machine that cannot be read stops the run.
 */
export async function probeCluster(cluster: OpenCluster, spec: ClusterSpec, io: CliIo): Promise<FactsByNode> {
  io.stderr(`Checking ${spec.nodes.length} machines…\n`);
  const limit = pLimit(16);
  const facts: Record<string, HostFacts> = {};
  await Promise.all(
    spec.nodes.map((node) =>
      limit(async () => {
        try {
          facts[node.nodeName] = await (cluster.probed?.facts.get(node.nodeName) ??
            cluster.hosts.probe({ host: node.address, port: node.port, user: node.user }));
        } catch (error) {
          if (error instanceof AppError)
            throw new AppError(
              error.code,
              `${node.nodeName} (${node.address}): ${error.message}`,
              error.details,
            );
          throw error;
        }
      }),
    ),
  );
  return facts;
}

/**
 * Runs a plan from the command line: every machine logged in first, live progress, the
 * sessions closed at the end, and a failure naming each failed host and step. The plan is
 * given, or made once every machine is logged in (apply reads their facts first).
 */
export async function runFromCli(options: {
  io: CliIo;
  dataDir: string;
  /** The plan, or how to make it once logged in: from facts read then (and when they were read). */
  plan: Plan | ((cluster: OpenCluster) => Promise<{ plan: Plan; facts: FactsByNode; factsReadAt: number }>);
  plain: boolean;
  login: LoginFlags;
  request: Omit<StartRunRequest, 'plan' | 'onEvent'>;
}): Promise<void> {
  const { io } = options;
  // From the first moment: Ctrl-C while logging in or checking stops before anything changes,
  // and during the run it cancels the run (never the default death by signal).
  let stop = false;
  const interrupted = io.untilInterrupted().then(() => {
    stop = true;
  });
  const stopped = () => {
    if (stop) throw new AppError('CANCELLED', 'Interrupted before anything changed: nothing was done.');
  };
  const cluster = await openCluster({
    spec: options.request.spec,
    io,
    dataDir: options.dataDir,
    login: options.login,
    // A plan made from the facts: each machine is read as soon as it is logged in.
    probe: typeof options.plan === 'function',
  });
  try {
    stopped();
    let { request } = options;
    let plan: Plan;
    if (typeof options.plan === 'function') {
      const made = await options.plan(cluster);
      plan = made.plan;
      request = { ...request, facts: made.facts, factsReadAt: made.factsReadAt };
    } else plan = options.plan;
    stopped();
    const follow = followRun({ io, hosts: plan.steps.map((s) => s.host), plain: options.plain, interrupted });
    const started = cluster.service.start({ ...request, plan, onEvent: follow.onEvent });
    const snapshot = await follow.finish(started);
    if (snapshot.status !== 'succeeded') throw failure(snapshot, started.logPath);
  } finally {
    await cluster.close();
  }
}

export const registerApply: RegisterCommand = (program, { io, dataDir }) => {
  program
    .command('apply')
    .description('install the cluster a file describes (or finish or check it), over SSH')
    .argument('<cluster.yaml>', 'the cluster file (see k3s-wizard init)')
    .option('-y, --yes', 'change the machines without asking first')
    .option(
      '--concurrency <n>',
      `how many machines are worked on at once (default: all of them, at most ${MAX_DEFAULT_CONCURRENCY})`,
    )
    .option('--dry-run', 'log in and check every step; change nothing')
    .option('--facts <facts.json>', 'probed host facts, keyed by node name or address')
    .option('--accept-new-host-keys', 'trust the key of a machine never seen before (never a changed one)')
    .option('--plain', 'print plain lines even on a terminal')
    .option('--secrets-file <file>', 'passwords and passphrases per node, YAML, mode 0600 (see below)')
    .option('--secrets-fd <n>', 'read the same YAML from this file descriptor', parseFd)
    .addHelpText('after', SECRETS_HELP)
    .action(async (file: string, opts: ApplyOptions) => {
      const concurrency = opts.concurrency === undefined ? undefined : parseConcurrency(opts.concurrency);
      const { spec, printed } = readClusterFile(file, io);
      const airgap = airgapInventory(spec, file);
      const given = opts.facts ? readFacts(opts.facts, spec) : null;
      const makePlan = (facts: FactsByNode): Plan => {
        const result = buildPlan(spec, facts, { airgap });
        const issues = result.ok ? result.plan.issues : result.issues;
        for (const issue of issues.filter((i) => !printed.includes(i.message)))
          io.stderr(`${formatIssue(issue, file)}\n`);
        if (!result.ok)
          throw new AppError('SPEC_INVALID', 'The plan cannot be made (problems listed above).');
        return result.plan;
      };
      // Asked before anything changes: after the logins and checks, which change nothing.
      const confirmed = async (plan: Plan) => {
        if (opts.yes || opts.dryRun) return;
        if (!isInteractive())
          throw new AppError(
            'INVALID_INPUT',
            'Add --yes to change the machines without being asked (see k3s-wizard plan for what would run).',
          );
        const hosts = spec.nodes.map((n) => n.nodeName).join(', ');
        if (!(await confirm(`Install ${spec.name} on ${hosts} (${plan.steps.length} steps)? [y/N] `)))
          throw new AppError('CANCELLED', 'Nothing was done.');
      };
      if (!opts.yes && !opts.dryRun && !isInteractive())
        throw new AppError(
          'INVALID_INPUT',
          'Add --yes to change the machines without being asked (see k3s-wizard plan for what would run).',
        );
      // With --facts the plan is made from them; otherwise every machine is read first.
      const plan = given ? makePlan(given) : null;
      if (plan) await confirmed(plan);

      await runFromCli({
        io,
        dataDir: dataDir(),
        plan:
          plan ??
          (async (cluster) => {
            // When the first of them started to be read: their age is counted from there.
            const factsReadAt = cluster.probed?.from ?? Date.now();
            const facts = await probeCluster(cluster, spec, io);
            const made = makePlan(facts);
            await confirmed(made);
            return { plan: made, facts, factsReadAt };
          }),
        plain: Boolean(opts.plain),
        login: opts,
        request: {
          spec,
          facts: given ?? {},
          ...(concurrency ? { concurrency } : {}),
          dryRun: Boolean(opts.dryRun),
        },
      });
    });
};
