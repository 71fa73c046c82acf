/**
 * Day two on a running cluster, over the one SSH session per host (the hosts service's pool,
 * host keys verified, root through the sudo ladder): what the first server says (adopt), the
 * cluster page (nodes, versions, Ready, the flows between the nodes through the post-install
 * connection test), and the join tokens (list, create, revoke). Shared by the command line and
 * the contract handlers.
 */
import { parse } from 'yaml';
import {
  adoptCluster,
  versionOfK3sOutput,
  splitSecrets,
  type AdoptInput,
  type AdoptResult,
} from '../../shared/day-two/adopt';
import type { ClusterStatus } from '../../shared/day-two/status';
import {
  deleteTokenCommand,
  listTokensCommand,
  parseTokenList,
  type BootstrapToken,
} from '../../shared/day-two/tokens';
import { AppError } from '../../shared/errors';
import { joinCommand, renderJoinCommand } from '../../shared/join';
import { parseNodeList, type NodeInfo } from '../../shared/run';
import { K3S_BIN } from '../../shared/plan/install';
import { shJoin } from '../../shared/shell';
import { firstServer, type ClusterSpec, type FactsByNode, type NodeSpec } from '../../shared/spec';
import type { Logger } from '../backend/logger';
import { clusterFlowResults } from '../engine/reach';
import { SshHostRunner } from '../engine/ssh-runner';
import type { SessionPool } from '../ssh/pool';

const TIMEOUT_MS = 60_000;
const MAX_OUTPUT = 4 * 1024 * 1024;

export interface ClusterServiceOptions {
  pool: () => SessionPool;
  logger: Logger;
}

export interface ServerReading {
  version: string;
  nodes: NodeInfo[];
  /** config.yaml without its secrets (null when there is none). */
  config: Record<string, unknown> | null;
  hostname: string;
  /** Flag names on the K3s unit's command line (names only: values may hold secrets). */
  flags: string[];
}

export class ClusterService {
  constructor(private readonly options: ClusterServiceOptions) {}

  private runner(node: Pick<NodeSpec, 'address' | 'port' | 'user' | 'nodeName'>): SshHostRunner {
    return new SshHostRunner(
      this.options.pool(),
      { host: node.address, port: node.port, user: node.user },
      node.nodeName,
    );
  }

  /** One command's stdout; a failure names the machine, what was tried and the last line it printed. */
  private async read(
    runner: SshHostRunner,
    request: { command: string; sudo: boolean; what: string; signal?: AbortSignal | undefined },
    explain?: (stderr: string, code: number | null) => string | null,
  ): Promise<string> {
    const signal = request.signal ?? AbortSignal.timeout(TIMEOUT_MS);
    const r = await runner.exec({ ...request, timeoutMs: TIMEOUT_MS, signal });
    if (r.code !== 0) {
      const last = this.options.logger.redact(r.stderr.trim().split('\n').pop() ?? '');
      const why = explain?.(r.stderr, r.code);
      throw new AppError(
        'COMMAND_FAILED',
        why ?? `${runner.host}: could not ${request.what} (exit ${r.code ?? '?'}): ${last || 'no message'}.`,
        { host: runner.host },
      );
    }
    if (r.stdout.length > MAX_OUTPUT)
      throw new AppError('COMMAND_FAILED', `${runner.host}: ${request.what} printed too much.`);
    return r.stdout;
  }

  /** The K3s version, nodes and settings of a server: what adopt needs (secrets kept in memory only). */
  async readServer(node: Pick<NodeSpec, 'address' | 'port' | 'user' | 'nodeName'>): Promise<ServerReading> {
    const runner = this.runner(node);
    const where = `${node.address}`;
    const versionText = await this.read(runner, {
      command: 'if [ -x /usr/local/bin/k3s ]; then /usr/local/bin/k3s --version; else echo none; fi',
      sudo: false,
      what: 'read the K3s version',
    });
    const version = versionOfK3sOutput(versionText);
    if (!version)
      throw new AppError(
        'NOT_FOUND',
        `There is no K3s on ${where} (/usr/local/bin/k3s is missing): give the address of the cluster's first server, or create the cluster with k3s-wizard apply.`,
      );
    const isServer = await this.read(runner, {
      command:
        'if [ -e /var/lib/rancher/k3s/server/token ] || [ -e /etc/systemd/system/k3s.service ]; then echo server; else echo agent; fi',
      sudo: true,
      what: 'tell whether it is a server',
    });
    if (isServer.trim() !== 'server')
      throw new AppError(
        'INVALID_INPUT',
        `${where} runs a K3s agent, not a server: give the address of one of the cluster's servers (its control-plane nodes).`,
      );
    const nodesJson = await this.read(
      runner,
      {
        command: shJoin([K3S_BIN, 'kubectl', 'get', 'nodes', '-o', 'json']),
        sudo: true,
        what: 'list the nodes',
      },
      (stderr) =>
        /refused|ServiceUnavailable|connect/i.test(stderr)
          ? `K3s on ${where} does not answer (its API is down): start it (sudo systemctl start k3s) and try again.`
          : null,
    );
    let nodes: NodeInfo[];
    try {
      nodes = parseNodeList(nodesJson);
    } catch (error) {
      throw new AppError(
        'COMMAND_FAILED',
        `${where}: the node list is not what kubectl prints: ${(error as Error).message}`,
      );
    }
    const configText = await this.read(runner, {
      command: 'if [ -f /etc/rancher/k3s/config.yaml ]; then cat /etc/rancher/k3s/config.yaml; fi',
      sudo: true,
      what: 'read /etc/rancher/k3s/config.yaml',
    });
    let config: Record<string, unknown> | null = null;
    if (configText.trim()) {
      let doc: unknown;
      try {
        doc = parse(configText);
      } catch {
        // the parser's message could quote the token: never shown
        throw new AppError(
          'COMMAND_FAILED',
          `${where}: /etc/rancher/k3s/config.yaml is not valid YAML; fix it first.`,
        );
      }
      const { settings, secrets } = splitSecrets(doc);
      for (const secret of secrets) this.options.logger.addSecret(secret);
      config = settings;
    }
    const hostname = (
      await this.read(runner, { command: 'hostname', sudo: false, what: 'read its host name' })
    ).trim();
    // Flags given to the install script (INSTALL_K3S_EXEC, `sh -s - server --flag`) live in the
    // unit's command line: their names told to the user, never put in the cluster file.
    const execStart = await this.read(runner, {
      command: 'systemctl show -p ExecStart --value k3s 2>/dev/null || true',
      sudo: false,
      what: 'read the K3s unit’s command line',
    });
    const argv = /argv\[\]=\S+ (.*?) ;/.exec(execStart)?.[1] ?? '';
    const flags = argv
      .split(/\s+/)
      .filter((w) => w.startsWith('--'))
      .map((w) => w.split('=')[0] ?? w)
      .slice(0, 50);
    return { version, nodes, config, hostname, flags };
  }

  /** Adopt: the server's reading as a cluster file. */
  async adopt(options: {
    login: AdoptInput['login'];
    /** Default: the server's host name. */
    name?: string;
    addresses: Record<string, string>;
  }): Promise<AdoptResult & { reading: ServerReading }> {
    const reading = await this.readServer({ ...options.login, nodeName: options.login.address });
    const nodeName = typeof reading.config?.['node-name'] === 'string' ? reading.config['node-name'] : null;
    const byIp = reading.nodes.find((n) => n.internalIp === options.login.address)?.name;
    const serverNode =
      nodeName ?? byIp ?? reading.nodes.find((n) => n.name === reading.hostname)?.name ?? reading.hostname;
    const result = adoptCluster({
      name: options.name ?? (reading.hostname || 'adopted'),
      login: options.login,
      version: reading.version,
      nodes: reading.nodes,
      serverNode,
      config: reading.config,
      addresses: options.addresses,
    });
    const flags = reading.flags.filter((f) => !/token/.test(f));
    if (flags.length)
      result.notes.push(
        `K3s on ${serverNode} also runs with ${flags.join(' ')} on its command line (given to the install script): kept on the machine, not in the cluster file.`,
      );
    return { ...result, reading };
  }

  private first(spec: ClusterSpec): NodeSpec {
    const first = firstServer(spec);
    if (!first) throw new AppError('SPEC_INVALID', `${spec.name} has no server.`);
    return first;
  }

  /** The cluster page: nodes from the first server's API, the flows between the nodes, the join tokens. */
  async status(request: {
    spec: ClusterSpec;
    facts: FactsByNode;
    flows: boolean;
    tokens: boolean;
    signal?: AbortSignal;
  }): Promise<ClusterStatus> {
    const { spec } = request;
    const first = this.first(spec);
    const runner = this.runner(first);
    const versionText = await this.read(runner, {
      command: shJoin([K3S_BIN, '--version']),
      sudo: false,
      what: 'read the K3s version',
      signal: request.signal,
    });
    const nodes = parseNodeList(
      await this.read(runner, {
        command: shJoin([K3S_BIN, 'kubectl', 'get', 'nodes', '-o', 'json']),
        sudo: true,
        what: 'list the nodes',
        signal: request.signal,
      }),
    );
    const names = new Set(spec.nodes.map((n) => n.nodeName));
    const listed = new Set(nodes.map((n) => n.name));
    let flows: ClusterStatus['flows'] = null;
    let blocked: string | null = null;
    let flowsError: string | null = null;
    // a node that is not Ready is left out of the flow test (it is likely down)
    const ready = new Set(nodes.filter((n) => n.ready).map((n) => n.name));
    if (request.flows) {
      // the post-install connection test, between the nodes the file and the cluster both have
      // (each at the address K3s itself uses for it, as the API lists it)
      const ipOf = new Map(nodes.map((n) => [n.name, n.internalIp]));
      const joined = {
        ...spec,
        nodes: spec.nodes
          .filter((n) => ready.has(n.nodeName))
          .map((n) => (n.nodeIp || !ipOf.get(n.nodeName) ? n : { ...n, nodeIp: ipOf.get(n.nodeName) })),
      };
      if (joined.nodes.length > 1) {
        try {
          const tested = await clusterFlowResults({
            pool: this.options.pool(),
            spec: joined,
            facts: request.facts,
            signal: request.signal ?? AbortSignal.timeout(5 * 60_000),
          });
          flows = tested.results;
          blocked = tested.blocked;
        } catch (error) {
          flowsError = this.options.logger.redact(error instanceof Error ? error.message : String(error));
        }
      } else flows = [];
    }
    return {
      cluster: spec.name,
      server: first.nodeName,
      version: versionOfK3sOutput(versionText) ?? versionText.trim().split('\n')[0]?.slice(0, 100) ?? '',
      nodes: nodes.map((n) => ({ ...n, inFile: names.has(n.name) })),
      notJoined: spec.nodes.filter((n) => !listed.has(n.nodeName)).map((n) => n.nodeName),
      flows,
      blocked,
      flowsError,
      tokens: request.tokens ? await this.tokens(spec, request.signal) : null,
    };
  }

  /** The bootstrap tokens on the first server (`k3s token list`), the app's own marked. */
  async tokens(spec: ClusterSpec, signal?: AbortSignal): Promise<BootstrapToken[]> {
    const first = this.first(spec);
    const text = await this.read(this.runner(first), {
      command: listTokensCommand(),
      sudo: true,
      what: 'list the join tokens (k3s token list)',
      signal,
    });
    try {
      return parseTokenList(text);
    } catch (error) {
      throw new AppError('COMMAND_FAILED', `${first.nodeName}: ${(error as Error).message}`);
    }
  }

  /**
   * A join command with a fresh bootstrap token (agents only), minted on the first server the
   * way the Done step's join command does; the token is registered as a secret at once.
   */
  async createToken(spec: ClusterSpec, options: { ttl: string; nodeName?: string; facts?: FactsByNode }) {
    const first = this.first(spec);
    let join;
    try {
      join = joinCommand(spec, first, {
        ttl: options.ttl,
        ...(options.nodeName ? { nodeName: options.nodeName } : {}),
        facts: options.facts?.[first.nodeName] ?? null,
      });
    } catch (error) {
      throw new AppError('INVALID_INPUT', (error as Error).message);
    }
    if (!join.mintToken) throw new AppError('INTERNAL', 'No token to mint.');
    const out = await this.read(this.runner(first), {
      command: join.mintToken.command,
      sudo: true,
      what: `create a join token valid for ${options.ttl}`,
    });
    const token = out.trim().split('\n').pop()?.trim() ?? '';
    if (!token) throw new AppError('COMMAND_FAILED', `${first.nodeName}: k3s token create printed no token.`);
    this.options.logger.addSecret(token);
    const id = /::([a-z0-9]{6})\./.exec(token)?.[1] ?? /^([a-z0-9]{6})\./.exec(token)?.[1] ?? '';
    return {
      id,
      command: renderJoinCommand(join, { reveal: true, secrets: { token } }),
      tokenSource: join.tokenSource,
    };
  }

  /** Revokes a bootstrap token by its ID: it can no longer join a machine. */
  async revokeToken(spec: ClusterSpec, id: string): Promise<void> {
    const first = this.first(spec);
    let command: string;
    try {
      command = deleteTokenCommand(id);
    } catch (error) {
      throw new AppError('INVALID_INPUT', (error as Error).message);
    }
    await this.read(
      this.runner(first),
      { command, sudo: true, what: `revoke the join token ${id}` },
      (stderr) =>
        /not found/i.test(stderr)
          ? `${first.nodeName} has no join token ${id} (expired tokens are removed by K3s): see k3s-wizard token list.`
          : null,
    );
    this.options.logger.info('tokens', `${spec.name}: revoked join token ${id}`);
  }
}
