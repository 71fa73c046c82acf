/**
 * `k3s-wizard probe`: facts and checks for each host, probed concurrently through the same
 * contract the UI uses. Host keys: asked on the terminal, or `--accept-new`; a changed key is
 * only replaced when its new fingerprint is given with `--accept-changed-key`.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import pLimit from 'p-limit';
import type { Bridge } from '../../shared/bridge';
import { connectivityChecks, type ConnectivityResult } from '../../shared/checks/connectivity';
import { runChecks, type Check, type NodeRole } from '../../shared/checks/index';
import { AppError } from '../../shared/errors';
import type { HostFacts } from '../../shared/facts';
import { parseDestination, readSshConfig, type ImportedHost } from '../ssh/ssh-config';
import { formatChecks, formatConnectivity, formatFacts } from './report';
import type { Terminal } from './terminal';

export interface ProbeCliOptions {
  json?: boolean;
  identity?: string;
  user?: string;
  passwordStdin?: boolean;
  sudoPasswordStdin?: boolean;
  acceptNew?: boolean;
  acceptChangedKey?: string[];
  concurrency: number;
  roles?: string;
  connectivity?: boolean;
  factsOut?: string;
  sshConfig?: string;
}

interface Destination {
  label: string;
  host: string;
  port: number;
  user: string;
  identityFile?: string;
  jump?: { host: string; port: number; user: string };
}

export interface HostOutcome {
  destination: string;
  host: string;
  port: number;
  user: string;
  role: NodeRole;
  facts: HostFacts | null;
  error: { code: string; message: string } | null;
}

function resolveDestinations(args: string[], opts: ProbeCliOptions, env: NodeJS.ProcessEnv): Destination[] {
  const config = readSshConfig(opts.sshConfig);
  const alias = (name: string): ImportedHost | undefined => config.find((h) => h.alias === name);
  const fallbackUser = opts.user ?? env.USER ?? 'root';
  const resolve = (text: string, depth = 0): Destination => {
    const parsed = parseDestination(text);
    if (!parsed) throw new AppError('INVALID_INPUT', `"${text}" is not [user@]host[:port].`);
    const known = alias(parsed.host);
    const jumpText = known?.proxyJump?.split(',')[0];
    const jump = jumpText && depth < 4 ? resolve(jumpText, depth + 1) : undefined;
    return {
      label: text,
      host: known?.host ?? parsed.host,
      port: parsed.port ?? known?.port ?? 22,
      user: parsed.user ?? (opts.user ? opts.user : (known?.user ?? fallbackUser)),
      ...(known?.identityFile ? { identityFile: known.identityFile } : {}),
      ...(jump ? { jump: { host: jump.host, port: jump.port, user: jump.user } } : {}),
    };
  };
  return args.map((arg) => resolve(arg));
}

/** The key OpenSSH would try by default, when it exists. */
function defaultIdentity(): string | undefined {
  return ['id_ed25519', 'id_ecdsa', 'id_rsa']
    .map((name) => join(homedir(), '.ssh', name))
    .find((path) => existsSync(path));
}

async function readSecrets(
  opts: ProbeCliOptions,
  terminal: Terminal,
): Promise<{ password?: string; sudoPassword?: string }> {
  if (!opts.passwordStdin && !opts.sudoPasswordStdin) return {};
  if (terminal.interactive) {
    const password = opts.passwordStdin ? await terminal.askSecret('SSH password: ') : undefined;
    const sudoPassword = opts.sudoPasswordStdin ? await terminal.askSecret('sudo password: ') : undefined;
    return { ...(password ? { password } : {}), ...(sudoPassword ? { sudoPassword } : {}) };
  }
  const lines = await terminal.stdinLines();
  const password = opts.passwordStdin ? lines.shift() : undefined;
  // The same password for sudo when only one line was given for both.
  const sudoPassword = opts.sudoPasswordStdin ? lines.shift() || password : undefined;
  return { ...(password ? { password } : {}), ...(sudoPassword ? { sudoPassword } : {}) };
}

async function probeTrusting(
  bridge: Bridge,
  ref: Destination,
  opts: ProbeCliOptions,
  terminal: Terminal,
  note: (t: string) => void,
): Promise<HostFacts> {
  const target = { host: ref.host, port: ref.port, user: ref.user, ...(ref.jump ? { jump: ref.jump } : {}) };
  try {
    return (await bridge.invoke('hosts:probe', target)).facts;
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    const detail = (name: string): string | undefined => {
      const value = error.details?.[name];
      return typeof value === 'string' ? value : undefined;
    };
    const fingerprint = detail('fingerprint') ?? '';
    const keyHost = detail('host') ?? ref.host;
    const keyPort = Number(error.details?.port ?? ref.port);
    if (error.code === 'HOST_KEY_UNKNOWN') {
      let trust = Boolean(opts.acceptNew);
      if (!trust && terminal.interactive) {
        const answer = await terminal.ask(`${error.message}\nTrust this host? [y/N] `);
        trust = /^y(es)?$/i.test(answer);
      }
      if (!trust)
        throw new AppError(
          'HOST_KEY_UNKNOWN',
          `${error.message} Run on a terminal to answer, or with --accept-new.`,
          error.details,
        );
      await bridge.invoke('hosts:trustHostKey', { host: keyHost, port: keyPort, fingerprint });
      note(`trusted ${keyHost}:${keyPort} ${fingerprint}\n`);
    } else if (error.code === 'HOST_KEY_MISMATCH' && opts.acceptChangedKey?.includes(fingerprint)) {
      await bridge.invoke('hosts:trustHostKey', { host: keyHost, port: keyPort, fingerprint, replace: true });
      note(`re-trusted ${keyHost}:${keyPort} ${fingerprint} (replacing the old key)\n`);
    } else {
      throw error;
    }
    // The key was trusted (maybe the jump host's): try again, which may meet the next unknown key.
    return probeTrusting(bridge, ref, { ...opts, acceptChangedKey: [] }, terminal, note);
  }
}

function rolesFor(count: number, roles: string | undefined): NodeRole[] {
  if (!roles) return Array.from({ length: count }, (_, i) => (i === 0 ? 'server' : 'agent'));
  const list = roles.split(',').map((r) => r.trim());
  if (list.length !== count || list.some((r) => r !== 'server' && r !== 'agent')) {
    throw new AppError(
      'INVALID_INPUT',
      `--roles needs one of server/agent per host (${count}), comma-separated.`,
    );
  }
  return list as NodeRole[];
}

export interface ProbeCliContext {
  bridge: Bridge;
  terminal: Terminal;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
}

/** Runs the probe; returns null when every host was probed and no check failed, else a one-line summary. */
export async function runProbe(
  args: string[],
  opts: ProbeCliOptions,
  ctx: ProbeCliContext,
): Promise<string | null> {
  if (args.length === 0)
    throw new AppError('INVALID_INPUT', 'Name at least one host: k3s-wizard probe [user@]host[:port] …');
  if (!Number.isInteger(opts.concurrency) || opts.concurrency < 1)
    throw new AppError('INVALID_INPUT', '--concurrency must be a whole number of at least 1.');
  const destinations = resolveDestinations(args, opts, ctx.env);
  const roles = rolesFor(destinations.length, opts.roles);
  const secrets = await readSecrets(opts, ctx.terminal);
  const identity = opts.identity ?? defaultIdentity();
  const useAgent = Boolean(ctx.env.SSH_AUTH_SOCK) || process.platform === 'win32';
  for (const d of [
    ...destinations,
    ...destinations.flatMap((x) => (x.jump ? [{ ...x.jump, identityFile: x.identityFile }] : [])),
  ]) {
    const identityFile = d.identityFile ?? identity;
    await ctx.bridge.invoke('hosts:setCredentials', {
      host: d.host,
      port: d.port,
      user: d.user,
      useAgent,
      ...(identityFile ? { identityFile } : {}),
      ...secrets,
    });
  }
  const limit = pLimit(opts.concurrency);
  const outcomes: HostOutcome[] = await Promise.all(
    destinations.map((d, i) =>
      limit(async () => {
        const base = {
          destination: d.label,
          host: d.host,
          port: d.port,
          user: d.user,
          role: roles[i] ?? 'agent',
        };
        try {
          return {
            ...base,
            facts: await probeTrusting(ctx.bridge, d, opts, ctx.terminal, ctx.stderr),
            error: null,
          };
        } catch (error) {
          const e =
            error instanceof AppError
              ? error
              : new AppError('INTERNAL', error instanceof Error ? error.message : String(error));
          return { ...base, facts: null, error: { code: e.code, message: e.message } };
        }
      }),
    ),
  );
  const checks: Check[] = runChecks({
    hosts: outcomes.map((o) => ({ id: o.destination, role: o.role, facts: o.facts })),
  });
  let connectivity: ConnectivityResult[] | null = null;
  const probed = outcomes.map((o, i) => ({ o, d: destinations[i] })).filter(({ o }) => o.facts);
  if (opts.connectivity && probed.length >= 2) {
    // Named by address: the SSH port is how this computer reaches a machine, not a cluster port.
    const named = (o: (typeof outcomes)[number]) =>
      outcomes.filter((x) => x.host === o.host).length > 1 ? o.destination : o.host;
    const nodes = probed.map(({ o, d }) => ({
      id: named(o),
      role: o.role,
      host: o.host,
      port: o.port,
      user: o.user,
      address: o.facts?.defaultAddress ?? o.host,
      ...(d?.jump ? { jump: d.jump } : {}),
    }));
    const answer = await ctx.bridge.invoke('hosts:connectivity', { nodes });
    connectivity = answer.results;
    checks.push(...connectivityChecks(answer.results));
  }
  if (opts.factsOut) {
    const byHost = Object.fromEntries(outcomes.filter((o) => o.facts).map((o) => [o.host, o.facts]));
    writeFileSync(opts.factsOut, `${JSON.stringify(byHost, null, 2)}\n`, { mode: 0o644 });
  }
  const unprobed = outcomes.filter((o) => o.error).length;
  const failedChecks = checks.filter((c) => c.status === 'fail').length;
  if (opts.json) {
    ctx.stdout(
      `${JSON.stringify({ hosts: outcomes, checks, ...(connectivity ? { connectivity } : {}) }, null, 2)}\n`,
    );
  } else {
    for (const o of outcomes) {
      ctx.stdout(
        o.facts
          ? `${formatFacts(`${o.destination} (${o.role})`, o.facts)}\n`
          : `${o.destination} (${o.role})\n  could not be probed: ${o.error?.message ?? ''}\n\n`,
      );
    }
    if (connectivity) ctx.stdout(`Connections\n${formatConnectivity(connectivity)}\n\n`);
    const firewallOf = (id: string) =>
      outcomes.find((o) => o.destination === id || o.host === id)?.facts?.firewall.kind ?? null;
    ctx.stdout(`Checks\n${formatChecks(checks, firewallOf)}\n`);
  }
  if (unprobed === 0 && failedChecks === 0) return null;
  const parts = [
    unprobed ? `${unprobed} of ${outcomes.length} hosts could not be probed` : '',
    failedChecks ? `${failedChecks} check${failedChecks === 1 ? '' : 's'} failed` : '',
  ];
  return `${parts.filter(Boolean).join(', ')}.`;
}
