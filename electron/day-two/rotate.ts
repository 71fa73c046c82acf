/**
 * Rotating the cluster (server) token, as K3s documents it: `k3s token rotate` on the first
 * server (the old token read from its own token file inside the remote shell, no --new-token:
 * K3s makes the new one and writes it to that file, where it is read into memory as a secret),
 * then the new token written into every server's and every agent-that-joined-with-the-old-one's
 * config.yaml `token:` (0600, through the YAML library) or the service env file the install
 * script wrote, and the nodes restarted one at a time (servers, then agents), each waited for
 * until Ready. The first failure stops with the node and its journal; the ledger (never a
 * token) lets the next run continue without rotating again.
 */
import {
  configToken,
  configWithToken,
  envFileOf,
  envFileToken,
  isBootstrapToken,
  readServerTokenCommand,
  ROTATED,
  rotateTokenCommand,
  sameServerToken,
  SERVER_TOKEN,
  writeEnvTokenCommand,
} from '../../shared/day-two/tokens';
import { CONFIG_PATH } from '../../shared/plan';
import { lastLines, type RunSnapshot, type StepInfo } from '../../shared/run';
import { shJoin } from '../../shared/shell';
import { firstServer, servers, systemdUnit, type ClusterSpec, type NodeSpec } from '../../shared/spec';
import type { HostRunner } from '../engine/host-runner';
import { readJournal } from '../engine/k3s';
import { StepFailure, type DayTwoRunOptions, type StepTools } from './activity';
import { waitReadyAt } from './node-ops';
import type { RotationLedger } from './state';

export interface RotateOptions extends DayTwoRunOptions {
  ledger: RotationLedger;
  /** Registers a value read from a machine as a secret (redacted everywhere from then on). */
  addSecret: (secret: string) => void;
  /** How long a node may take to restart and be Ready again. */
  readyTimeoutMs: number;
}

export interface RotateOutcome {
  snapshot: RunSnapshot;
  notes: string[];
}

const RESTART =
  'if command -v systemctl >/dev/null 2>&1; then systemctl restart "$1"; else rc-service "$1" restart; fi';
const CAT_IF_THERE = 'if [ -f "$1" ]; then cat "$1"; fi';

/** The steps of a rotation: the rotation, the writes (every node), the restarts (one at a time). */
export function rotateSteps(spec: ClusterSpec): StepInfo[] {
  const first = firstServer(spec);
  const ordered = [
    ...(first ? [first] : []),
    ...servers(spec).filter((s) => s !== first),
    ...spec.nodes.filter((n) => n.role === 'agent'),
  ];
  const rotate: StepInfo = {
    id: 'rotate:token',
    host: first?.nodeName ?? '',
    phase: 'rotate',
    title: 'Rotate the cluster token (k3s token rotate)',
    dependsOn: [],
  };
  const writes = ordered.map<StepInfo>((n) => ({
    id: `rotate:${n.nodeName}:write`,
    host: n.nodeName,
    phase: 'rotate',
    title: 'Put the new token in its K3s config',
    dependsOn: [rotate.id],
  }));
  let previous = writes.map((w) => w.id);
  const restarts = ordered.map<StepInfo>((n) => {
    const step: StepInfo = {
      id: `rotate:${n.nodeName}:restart`,
      host: n.nodeName,
      phase: 'rotate',
      title: `Restart ${systemdUnit(n)} with the new token; wait until Ready`,
      dependsOn: previous,
    };
    previous = [step.id];
    return step;
  });
  return [rotate, ...writes, ...restarts];
}

async function sudo(runner: HostRunner, command: string, tools: StepTools, what: string, timeoutMs = 60_000) {
  return runner.exec({ command, sudo: true, timeoutMs, signal: tools.signal, what });
}

/** What a node holds as its token: config.yaml's `token:` and the env file's K3S_TOKEN. */
async function readNodeTokens(
  options: RotateOptions,
  node: NodeSpec,
  tools: StepTools,
): Promise<{ configText: string | null; config: string | null; env: string | null }> {
  const runner = options.runnerFor(node.nodeName);
  const read = async (path: string) => {
    const r = await sudo(
      runner,
      shJoin(['sh', '-c', CAT_IF_THERE, 'k3s-wizard-read', path]),
      tools,
      `read ${path}`,
    );
    if (r.code !== 0)
      throw new StepFailure({
        code: 'COMMAND_FAILED',
        message: `${node.nodeName}: could not read ${path} (exit ${r.code ?? '?'}).`,
        lastOutput: lastLines(tools.redact(r.stderr), 5),
      });
    return r.stdout;
  };
  const configText = await read(CONFIG_PATH);
  const envText = await read(envFileOf(systemdUnit(node)));
  let config: string | null;
  try {
    config = configText.trim() ? configToken(configText) : null;
  } catch (error) {
    throw new StepFailure({
      code: 'COMMAND_FAILED',
      message: `${node.nodeName}: ${(error as Error).message}`,
      lastOutput: [],
    });
  }
  const env = envText.trim() ? envFileToken(envText) : null;
  for (const secret of [config, env]) if (secret) options.addSecret(secret);
  return { configText: configText.trim() ? configText : null, config, env };
}

/**
 * Whether a node must take the new token: every server does; an agent when it joined with the
 * server token (the old one, or, when the run continues one, any server token but the new one).
 * An agent that joined with a bootstrap token is not affected.
 */
function mustChange(node: NodeSpec, held: string | null, newToken: string, oldToken: string | null): boolean {
  if (node.role === 'server') return held === null || !sameServerToken(held, newToken);
  if (held === null || isBootstrapToken(held)) return false;
  if (sameServerToken(held, newToken)) return false;
  return oldToken === null || sameServerToken(held, oldToken);
}

export async function runRotation(options: RotateOptions): Promise<RotateOutcome> {
  const { activity, spec } = options;
  const steps = rotateSteps(spec);
  const notes: string[] = [];
  activity.begin(steps, 1);
  const first = firstServer(spec) as NodeSpec;
  const firstRunner = options.runnerFor(first.nodeName);
  const rest = (from: number, by: string) => {
    for (const s of steps.slice(from)) activity.block(s, by);
    return { snapshot: activity.finish(), notes };
  };

  // 1. the rotation (once: a run that continues one reads the new token where K3s put it)
  let oldToken: string | null = null;
  let newToken = '';
  const readToken = async (tools: StepTools): Promise<string> => {
    const r = await sudo(firstRunner, readServerTokenCommand(), tools, 'read the server token');
    const token = r.stdout.trim();
    if (r.code !== 0 || !SERVER_TOKEN.test(token))
      throw new StepFailure({
        code: 'COMMAND_FAILED',
        message: `${first.nodeName}: could not read its server token (exit ${r.code ?? '?'}).`,
        lastOutput: lastLines(tools.redact(r.stderr), 5),
      });
    options.addSecret(token);
    return token;
  };
  const under = options.ledger.current;
  const rotateStep = steps[0] as StepInfo;
  const rotated = await activity.step(rotateStep, async (tools) => {
    if (under) {
      tools.output.push(
        'stdout',
        `The token was rotated at ${under.startedAt}: continuing with the nodes not restarted yet (${under.restarted.length} done).\n`,
      );
      newToken = await readToken(tools);
      return 'unchanged';
    }
    tools.progress('read the current token (into memory)', 0, 3);
    oldToken = await readToken(tools);
    tools.progress('k3s token rotate', 1, 3);
    let printed = '';
    const r = await firstRunner.exec({
      command: rotateTokenCommand(),
      sudo: true,
      timeoutMs: 120_000,
      signal: tools.signal,
      what: 'rotate the cluster token',
      onOutput: (s, t) => {
        printed += t;
        tools.output.push(s, t);
      },
    });
    if (r.code !== 0 || !ROTATED.test(printed))
      throw new StepFailure({
        code: 'COMMAND_FAILED',
        message: `${first.nodeName}: k3s token rotate failed (exit ${r.code ?? '?'}); nothing was changed on the other nodes.`,
        lastOutput: tools.output.lastLines(),
      });
    options.ledger.started(new Date());
    tools.progress('read the new token (into memory)', 2, 3);
    newToken = await readToken(tools);
    if (sameServerToken(newToken, oldToken))
      throw new StepFailure({
        code: 'COMMAND_FAILED',
        message: `${first.nodeName}: k3s token rotate said it rotated the token, but its token file still holds the old one.`,
        lastOutput: tools.output.lastLines(),
      });
    return 'changed';
  });
  if (!rotated) return rest(1, rotateStep.id);

  // 2. the new token into every node's config (before any restart: a node that reboots meanwhile comes back with it)
  const ordered = steps.filter((s) => s.id.endsWith(':write')).map((s) => s.host);
  const nodeOf = (name: string) => spec.nodes.find((n) => n.nodeName === name) as NodeSpec;
  const restartNeeded = new Set<string>();
  for (const [i, name] of ordered.entries()) {
    const step = steps[1 + i] as StepInfo;
    const node = nodeOf(name);
    const ok = await activity.step(step, async (tools) => {
      const runner = options.runnerFor(name);
      tools.progress('read its token (into memory)', 0, 2);
      const held = await readNodeTokens(options, node, tools);
      const current = held.config ?? held.env;
      if (!mustChange(node, current, newToken, oldToken)) {
        const why =
          current === null
            ? 'it has no token in its config (it does not join with one)'
            : isBootstrapToken(current)
              ? 'it joined with a bootstrap token, which the rotation does not change'
              : sameServerToken(current, newToken)
                ? 'it has the new token already'
                : 'its token is not the cluster token (an agent token of its own)';
        tools.output.push('stdout', `${name}: left as it is: ${why}\n`);
        if (!sameServerToken(current ?? '', newToken) && node.role === 'agent' && current !== null)
          notes.push(`${name} was left as it is: ${why}.`);
        if (
          options.ledger.current?.restarted.includes(name) !== true &&
          sameServerToken(current ?? '', newToken)
        )
          restartNeeded.add(name);
        return 'unchanged';
      }
      restartNeeded.add(name);
      tools.progress(
        `write the new token into ${held.env !== null ? envFileOf(systemdUnit(node)) : CONFIG_PATH}`,
        1,
        2,
      );
      if (held.env !== null) {
        const r = await runner.exec({
          command: writeEnvTokenCommand(systemdUnit(node)),
          sudo: true,
          stdin: `${newToken}\n`,
          timeoutMs: 60_000,
          signal: tools.signal,
          what: 'write the new token into the service env file',
        });
        if (r.code !== 0)
          throw new StepFailure({
            code: 'COMMAND_FAILED',
            message: `${name}: could not write the new token into ${envFileOf(systemdUnit(node))} (exit ${r.code ?? '?'}).`,
            lastOutput: lastLines(tools.redact(r.stderr), 5),
          });
      }
      if (held.config !== null || held.env === null) {
        await runner.writeFile({
          path: CONFIG_PATH,
          mode: '0600',
          owner: 'root:root',
          content: configWithToken(held.configText ?? '', newToken),
          timeoutMs: 60_000,
          signal: tools.signal,
        });
      }
      return 'changed';
    });
    if (!ok) return rest(2 + i, step.id);
  }

  // 3. restarts: servers one at a time (the first one first), then agents; each waited for
  const controls = servers(spec).map((s) => options.runnerFor(s.nodeName));
  for (const [i, name] of ordered.entries()) {
    const step = steps[1 + ordered.length + i] as StepInfo;
    const node = nodeOf(name);
    if (!restartNeeded.has(name) || options.ledger.current?.restarted.includes(name)) {
      activity.skip(step);
      continue;
    }
    const ok = await activity.step(step, async (tools) => {
      const runner = options.runnerFor(name);
      const unit = systemdUnit(node);
      tools.progress(`restart ${unit}`, 0, 2);
      const r = await runner.exec({
        command: shJoin(['sh', '-c', RESTART, 'k3s-wizard-restart', unit]),
        sudo: true,
        timeoutMs: options.readyTimeoutMs,
        signal: tools.signal,
        what: `restart ${unit}`,
        onOutput: (s, t) => tools.output.push(s, t),
      });
      const fail = async (why: string): Promise<never> => {
        const journal = await readJournal(runner, unit, AbortSignal.timeout(20_000), {
          lines: 30,
          sinceSeconds: 600,
        });
        const lines = journal ? lastLines(tools.redact(journal), 30) : [];
        throw new StepFailure({
          code: 'NODE_NOT_READY',
          message: `${name}: ${why}. It has the new token in its config; fix what its journal says and run the same command again: it continues with ${name}.`,
          lastOutput: [
            ...tools.output.lastLines(10),
            ...(lines.length ? [`── journalctl -u ${unit} ──`, ...lines] : []),
          ],
        });
      };
      if (r.code !== 0)
        await fail(
          r.code === null
            ? `${unit} did not come back within ${Math.round(options.readyTimeoutMs / 1000)} s`
            : `${unit} did not start again with the new token (exit ${r.code})`,
        );
      tools.progress(`wait until ${name} is Ready`, 1, 2);
      const seen = await waitReadyAt({
        controls: [...controls.filter((c) => c.host !== name), ...controls.filter((c) => c.host === name)],
        node: name,
        version: null,
        timeoutMs: options.readyTimeoutMs,
        signal: tools.signal,
      });
      if (seen !== null)
        await fail(
          `${name} was not Ready within ${Math.round(options.readyTimeoutMs / 1000)} s after its restart (${seen === 'missing' ? 'it is not in the node list' : seen === 'unreachable' ? 'no server answered' : 'NotReady'})`,
        );
      options.ledger.restarted(name);
      return 'changed';
    });
    if (!ok) return rest(1 + ordered.length + i + 1, step.id);
  }
  options.ledger.finished();
  return { snapshot: activity.finish(), notes };
}
