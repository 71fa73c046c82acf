/**
 * Day two on the command line: `adopt` (a running cluster as a cluster file, on stdout),
 * `status` (the cluster page in text or JSON) and `token list|create|revoke|rotate` (the join
 * tokens). Logins, host keys, sudo and secrets as for apply: through the hosts service, secrets
 * from a secrets file, the environment or the terminal, never from argv.
 */
import type { AdoptResult } from '../../../shared/day-two/adopt';
import { formatStatus, formatTokens } from '../../../shared/day-two/status';
import { rotateAdvice, TOKEN_ID } from '../../../shared/day-two/tokens';
import { AppError } from '../../../shared/errors';
import { ClusterSpec, specToYaml, type ClusterSpecInput } from '../../../shared/spec';
import { ClusterService } from '../../day-two/cluster-service';
import { runRotation } from '../../day-two/rotate';
import { RotationLedger, statePath } from '../../day-two/state';
import { parseDestination } from '../../ssh/ssh-config';
import { addLoginOptions, SECRETS_HELP, type LoginFlags } from '../secrets';
import { failure, openCluster, readClusterFile, type OpenCluster } from './apply';
import type { CliIo, RegisterCommand } from './context';
import {
  addChangeOptions,
  confirmOrStop,
  followActivity,
  parseSeconds,
  stepResults,
  withDayTwoSession,
} from './day-two';

/** Opens the machines of `spec` and runs `work` with a cluster service over their sessions. */
async function withCluster<R>(
  options: { spec: ClusterSpec; io: CliIo; dataDir: string; login: LoginFlags; lenient?: boolean },
  work: (service: ClusterService, cluster: OpenCluster) => Promise<R>,
): Promise<R> {
  const cluster = await openCluster({
    spec: options.spec,
    io: options.io,
    dataDir: options.dataDir,
    login: options.login,
    ...(options.lenient ? { lenient: true } : {}),
  });
  try {
    return await work(
      new ClusterService({ pool: () => cluster.hosts.pool, logger: cluster.logger }),
      cluster,
    );
  } finally {
    await cluster.close();
  }
}

/** The cluster file with only its first server: what the token commands log in to. */
function firstServerOnly(spec: ClusterSpec): ClusterSpec {
  const first = spec.nodes.find((n) => n.role === 'server');
  if (!first) throw new AppError('SPEC_INVALID', `${spec.name} has no server.`);
  return { ...spec, nodes: [first] };
}

function parseAddresses(values: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const value of values) {
    const eq = value.indexOf('=');
    const name = value.slice(0, eq);
    const host = value.slice(eq + 1);
    if (eq <= 0 || !host || host.length > 253 || name.length > 253 || /\s/.test(value))
      throw new AppError(
        'INVALID_INPUT',
        `--address takes NODE=HOST (e.g. pi1=192.168.1.20), not "${value}".`,
      );
    out[name] = host;
  }
  return out;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/**
 * Every other node is logged in to, at its address, with the server's login (host keys as
 * for the server): one that cannot be is left out of the file and listed with what to add.
 */
async function loginToOthers(
  read: AdoptResult,
  cluster: OpenCluster,
  login: { address: string; port: number },
  opts: LoginFlags,
  io: CliIo,
): Promise<ClusterSpecInput> {
  const credentials = cluster.hosts.credentials.get(login.address, login.port) ?? { user: '' };
  const [first, ...others] = read.spec.nodes;
  const kept = first ? [first] : [];
  for (const node of others) {
    const port = node.port ?? 22;
    cluster.hosts.setCredentials(node.address, port, { ...credentials, user: node.user });
    try {
      await cluster.hosts.connectAll({
        acceptNew: Boolean(opts.acceptNewHostKeys),
        targets: [{ name: node.nodeName, target: { host: node.address, port, user: node.user } }],
        onTrusted: (name, offer) =>
          io.stderr(`${name}: trusted new ${offer.keyType} key ${offer.fingerprint}\n`),
      });
      kept.push(node);
    } catch (error) {
      read.notes = read.notes.filter((note) => !note.startsWith(`${node.nodeName}: reached`));
      read.missing.push({
        node: node.nodeName,
        what: `a login that works: ${node.user}@${node.address} failed (${cluster.logger.redact(error instanceof Error ? error.message : String(error))}); run adopt again with --address ${node.nodeName}=HOST, or add it to the file by hand`,
      });
    }
  }
  return { ...read.spec, nodes: kept };
}

export const registerAdopt: RegisterCommand = (program, { io, dataDir }) => {
  const command = program
    .command('adopt')
    .description(
      'read a running K3s cluster from its first server over SSH and print it as a cluster file (no secret is written)',
    )
    .argument('<server>', "[user@]host[:port] of one of the cluster's servers")
    .option('--name <name>', 'the cluster name (default: the server’s host name)')
    .option('-l, --user <user>', 'user to log in as (default $USER)')
    .option('-i, --identity <file>', 'private key file to log in with (default: the SSH agent)')
    .option('--ssh-password', 'log in with a password (K3S_WIZARD_SSH_PASSWORD, a secrets file, or asked)')
    .option(
      '--sudo-password',
      'sudo asks this user for a password (K3S_WIZARD_SUDO_PASSWORD, a secrets file, or asked)',
    )
    .option(
      '--address <node=host>',
      'the SSH address of a node (default: its node address); repeatable',
      collect,
    );
  addLoginOptions(command);
  command.addHelpText('after', SECRETS_HELP.replace(/apply/g, 'adopt'));
  command.action(
    async (
      server: string,
      opts: LoginFlags & {
        name?: string;
        user?: string;
        identity?: string;
        sshPassword?: boolean;
        sudoPassword?: boolean;
        address?: string[];
      },
    ) => {
      const dest = parseDestination(server);
      if (!dest) throw new AppError('INVALID_INPUT', `"${server}" is not [user@]host[:port].`);
      const addresses = parseAddresses(opts.address ?? []);
      const user = dest.user ?? opts.user ?? io.env.USER ?? 'root';
      const auth: ClusterSpecInput['nodes'][number]['auth'] = opts.identity
        ? { method: 'key', keyPath: opts.identity }
        : opts.sshPassword
          ? { method: 'password' }
          : { method: 'agent' };
      const login = {
        address: dest.host,
        port: dest.port ?? 22,
        user,
        auth,
        sudoPassword: Boolean(opts.sudoPassword),
      };
      // A one-machine cluster file for the login (what the secrets are asked for), never printed.
      const probeSpec = ClusterSpec.parse({
        apiVersion: 'k3s-wizard/v1',
        kind: 'Cluster',
        name: 'adopt',
        nodes: [
          {
            address: login.address,
            port: login.port,
            user,
            auth,
            sudo: { password: login.sudoPassword },
            role: 'server',
            nodeName: dest.host,
          },
        ],
      });
      const result = await withCluster(
        { spec: probeSpec, io, dataDir: dataDir(), login: opts },
        async (service, cluster) => {
          io.stderr(`Reading the cluster from ${dest.host}…\n`);
          const read = await service.adopt({ login, ...(opts.name ? { name: opts.name } : {}), addresses });
          return { ...read, spec: await loginToOthers(read, cluster, login, opts, io) };
        },
      );
      const yaml = specToYaml(result.spec);
      const parsed = ClusterSpec.safeParse(result.spec);
      if (!parsed.success)
        throw new AppError(
          'SPEC_INVALID',
          `The cluster read from ${dest.host} does not make a valid cluster file: ${parsed.error.issues[0]?.message ?? ''}`,
        );
      for (const note of result.notes) io.stderr(`note: ${note}\n`);
      const missing = result.missing.map((m) => `#   ${m.node}: add ${m.what}\n`).join('');
      for (const m of result.missing) io.stderr(`not in the file: ${m.node}: ${m.what}\n`);
      io.stdout(
        yaml + (missing ? `# Nodes of the cluster not in this file (no SSH address known):\n${missing}` : ''),
      );
      io.stderr(
        `Adopted ${result.spec.nodes.length} node${result.spec.nodes.length === 1 ? '' : 's'} (K3s ${result.spec.k3s?.version ?? '?'}); the token stays on the servers. Check the file, then k3s-wizard status FILE.\n`,
      );
    },
  );
};

export const registerStatus: RegisterCommand = (program, { io, dataDir }) => {
  const command = program
    .command('status')
    .description(
      'the cluster page in text: nodes, versions, Ready, roles, arch, the flows between the nodes, join tokens',
    )
    .argument('<cluster.yaml>', 'the cluster file')
    .option('--json', 'print JSON')
    .option('--no-flows', 'do not test the flows between the nodes (faster)')
    .addHelpText(
      'after',
      '\nExit 1 when a node is not Ready, a machine of the file is not in the cluster, or a flow is blocked.',
    );
  addLoginOptions(command);
  command.action(async (file: string, opts: LoginFlags & { json?: boolean; flows: boolean }) => {
    const { spec } = readClusterFile(file, io);
    const status = await withCluster(
      { spec, io, dataDir: dataDir(), login: opts, lenient: true },
      (service) => service.status({ spec, facts: {}, flows: opts.flows, tokens: true }),
    );
    io.stdout(opts.json ? `${JSON.stringify(status, null, 2)}\n` : formatStatus(status));
    // exit 1 when something is wrong, so scripts and monitors can rely on it
    const wrong = [
      ...status.nodes.filter((n) => !n.ready).map((n) => `${n.name} is not Ready`),
      ...status.notJoined.map((n) => `${n} is not in the cluster`),
      ...(status.flows ?? [])
        .filter((f) => f.status === 'blocked')
        .map((f) => `${f.from} → ${f.to} ${f.port}/${f.proto} is blocked`),
    ];
    if (wrong.length) throw new AppError('COMMAND_FAILED', `${spec.name}: ${wrong.join('; ')}.`);
  });
};

export const registerToken: RegisterCommand = (program, { io, dataDir }) => {
  const token = program
    .command('token')
    .description(
      'the join tokens of a cluster: list, create (a join command), revoke, rotate (what it changes)',
    );

  const sub = (name: string, description: string) => {
    const command = token
      .command(name)
      .description(description)
      .argument('<cluster.yaml>', 'the cluster file');
    addLoginOptions(command);
    return command;
  };

  sub(
    'list',
    'the bootstrap tokens on the first server, with expiry and description (k3s-wizard’s own by default)',
  )
    .option('--all', 'also the tokens k3s-wizard did not make')
    .option('--json', 'print JSON')
    .action(async (file: string, opts: LoginFlags & { all?: boolean; json?: boolean }) => {
      const { spec } = readClusterFile(file, io);
      const tokens = await withCluster(
        { spec: firstServerOnly(spec), io, dataDir: dataDir(), login: opts },
        (s) => s.tokens(spec),
      );
      const shown = opts.all ? tokens : tokens.filter((t) => t.byApp);
      if (opts.json) io.stdout(`${JSON.stringify(shown, null, 2)}\n`);
      else if (!shown.length)
        io.stdout(
          `No join tokens${opts.all ? '' : ' made by k3s-wizard'} on ${spec.name}${!opts.all && tokens.length ? ` (${tokens.length} others: --all)` : ''}.\n`,
        );
      else io.stdout(`${formatTokens(shown)}\n`);
    });

  sub('create', 'mint an expiring bootstrap token and print the join command that uses it (agents only)')
    .option('--ttl <duration>', 'how long it is valid, e.g. 2h, 30m', '2h')
    .option(
      '--node-name <name>',
      'the node name of the machine that will join (also in the token’s description)',
    )
    .action(async (file: string, opts: LoginFlags & { ttl: string; nodeName?: string }) => {
      const { spec } = readClusterFile(file, io);
      const made = await withCluster(
        { spec: firstServerOnly(spec), io, dataDir: dataDir(), login: opts },
        (s) => s.createToken(spec, { ttl: opts.ttl, ...(opts.nodeName ? { nodeName: opts.nodeName } : {}) }),
      );
      io.stderr(`Join token ${made.id}: ${made.tokenSource}. Run on the new machine:\n`);
      io.stdout(`${made.command}\n`);
      io.stderr(`Revoke it with: k3s-wizard token revoke ${file} ${made.id}\n`);
    });

  sub('revoke', 'delete a bootstrap token: no machine can join with it any more (joined ones stay)')
    .argument('<id>', 'the token ID (the six characters before the dot), from token list')
    .action(async (file: string, id: string, opts: LoginFlags) => {
      if (!TOKEN_ID.test(id))
        throw new AppError(
          'INVALID_INPUT',
          `"${id}" is not a token ID (six letters or digits, as token list shows).`,
        );
      const { spec } = readClusterFile(file, io);
      await withCluster({ spec: firstServerOnly(spec), io, dataDir: dataDir(), login: opts }, (s) =>
        s.revokeToken(spec, id),
      );
      io.stdout(`Revoked join token ${id} on ${spec.name}.\n`);
    });

  const rotate = sub(
    'rotate',
    'rotate the cluster token: k3s token rotate on the first server, the new token into every node’s config, the nodes restarted one at a time (says what it changes first)',
  );
  addChangeOptions(rotate, 'rotate without asking first')
    .option('--ready-timeout <seconds>', 'how long a node may take to restart and be Ready', '300')
    .action(
      async (
        file: string,
        opts: LoginFlags & { yes?: boolean; readyTimeout: string; json?: boolean; plain?: boolean },
      ) => {
        const readyTimeout = parseSeconds(opts.readyTimeout, '--ready-timeout');
        const { spec } = readClusterFile(file, io);
        const login = { spec, io, dataDir: dataDir(), login: opts };
        await withDayTwoSession(login, async ({ cluster, runnerFor, signal, stopped }) => {
          const service = new ClusterService({ pool: () => cluster.hosts.pool, logger: cluster.logger });
          const status = await service.status({ spec, facts: {}, flows: false, tokens: false, signal });
          const advice = rotateAdvice({
            version: status.version,
            server: status.server,
            servers: spec.nodes.filter((n) => n.role === 'server').map((n) => n.nodeName),
            agents: spec.nodes.filter((n) => n.role === 'agent').map((n) => n.nodeName),
          });
          const out = opts.json ? io.stderr : io.stdout;
          out(`${advice.lines.join('\n')}\n`);
          if (!advice.supported) throw new AppError('PLAN_FAILED', advice.lines[0] ?? 'Upgrade K3s first.');
          const down = status.nodes.filter((n) => n.inFile && !n.ready).map((n) => n.name);
          if (down.length)
            throw new AppError(
              'PLAN_FAILED',
              `${down.join(', ')} ${down.length === 1 ? 'is' : 'are'} NotReady: a node that cannot be restarted with the new token could not rejoin. Bring ${down.length === 1 ? 'it' : 'them'} back (or remove ${down.length === 1 ? 'it' : 'them'}) first.`,
            );
          const ledger = new RotationLedger(statePath(cluster.dataDir, spec.name));
          const under = ledger.current;
          if (under)
            out(
              `A rotation started at ${under.startedAt} did not finish: this run does not rotate again, it continues with the nodes not restarted yet.\n`,
            );
          await confirmOrStop({
            yes: Boolean(opts.yes),
            question: under
              ? `Continue the rotation of ${spec.name}'s token? [y/N] `
              : `Rotate ${spec.name}'s cluster token and restart its ${spec.nodes.length} nodes? [y/N] `,
          });
          stopped();
          const follow = followActivity({
            io,
            cluster,
            name: spec.name,
            hosts: spec.nodes.map((n) => n.nodeName),
            flags: { ...opts, drainTimeout: '0' },
            signal,
          });
          const outcome = await runRotation({
            spec,
            runnerFor,
            activity: follow.activity,
            ledger,
            addSecret: (secret) => cluster.logger.addSecret(secret),
            readyTimeoutMs: readyTimeout * 1000,
          });
          const snapshot = await follow.finish();
          const ok = snapshot.status === 'succeeded';
          if (opts.json)
            io.stdout(
              `${JSON.stringify({ cluster: spec.name, outcome: snapshot.status, notes: outcome.notes, steps: stepResults(snapshot), log: follow.activity.logPath }, null, 2)}\n`,
            );
          if (!ok) throw failure(snapshot, follow.activity.logPath);
          if (!opts.json) {
            for (const note of outcome.notes) io.stdout(`note: ${note}\n`);
            io.stdout(
              `The cluster token of ${spec.name} was rotated; every node runs with the new one. Join commands with the old token no longer work: make new ones with k3s-wizard token create ${file}.\n`,
            );
          }
        });
      },
    );
};
