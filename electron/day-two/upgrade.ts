/**
 * An upgrade of K3s, node by node, as planned in shared/day-two: servers one at a time, then
 * agents a few at a time; each node cordoned, drained (optional, with a time limit), upgraded
 * with the install script and the new INSTALL_K3S_VERSION (or the air-gap folder's files,
 * checked by sha256 and by the version they report), waited for until Ready at the new
 * version, and uncordoned. The first failure stops the rollout; the next run skips the nodes at
 * the target and uncordons those this one left cordoned.
 */
import pLimit from 'p-limit';
import { AppError } from '../../shared/errors';
import type { NodeUpgrade, UpgradePlan } from '../../shared/day-two';
import {
  BINARY_BY_ARCH,
  FETCH_SCRIPT,
  imagesName,
  IMAGES_DIR,
  installEnv,
  installScriptCommand,
  versionRecord,
  localPath,
  SCRIPT_PATH,
  STATE_DIR,
  type AirgapInventory,
} from '../../shared/plan';
import { lastLines, parseNodeList, type RunSnapshot, type StepInfo } from '../../shared/run';
import { shJoin } from '../../shared/shell';
import { servers, systemdUnit, type ClusterSpec, type NodeSpec } from '../../shared/spec';
import type { K3sArch } from '../../shared/facts';
import type { HostRunner } from '../engine/host-runner';
import { readJournal } from '../engine/k3s';
import { StepFailure, type DayTwoRunOptions, type StepTools } from './activity';
import { kubectl } from './cluster';
import { cordon, drain, waitReadyAt, type DrainChoice } from './node-ops';
import type { CordonLedger } from './state';

export interface UpgradeOptions extends DayTwoRunOptions {
  plan: UpgradePlan;
  ledger: CordonLedger;
  drain: DrainChoice;
  /** Agents upgraded at once. */
  concurrency: number;
  /** How long a node may take to be Ready at the new version after its restart. */
  readyTimeoutMs: number;
  /** How long the install script may run. */
  installTimeoutMs: number;
  /** Air-gap: the folder's files, and each node's arch (read from the cluster). */
  airgap: { inventory: AirgapInventory | null; arch: (node: string) => K3sArch | null } | null;
}

export function upgradeSteps(plan: UpgradePlan): StepInfo[] {
  const steps: StepInfo[] = [];
  let previous: string[] = [];
  const lastServer = () => previous;
  for (const n of plan.nodes) {
    const server = n.role === 'server';
    const id = `upgrade:${n.name}`;
    const title =
      n.kind === 'skip'
        ? `K3s ${n.from}: already at the target`
        : n.kind === 'uncordon'
          ? `Uncordon (K3s ${n.to} already)`
          : `Upgrade K3s ${n.from} → ${n.to}`;
    // one server at a time; agents after the servers, side by side (the reverse when downgrading)
    const first = plan.downgrade ? !server : server;
    const dependsOn = first ? [...previous] : lastServer();
    steps.push({ id, host: n.name, phase: server ? 'upgrade-servers' : 'upgrade-agents', title, dependsOn });
    if (first) previous = [id];
  }
  return steps;
}

/** The servers to run kubectl on for `node`: the other Ready servers first, itself last. */
function controlsFor(options: UpgradeOptions, node: string): HostRunner[] {
  const names = servers(options.spec).map((s) => s.nodeName);
  const others = names.filter((n) => n !== node);
  return [...others, ...(names.includes(node) ? [node] : [])].map((n) => options.runnerFor(n));
}

async function failWithJournal(
  runner: HostRunner,
  node: NodeSpec,
  tools: StepTools,
  code: 'INSTALL_FAILED' | 'NODE_NOT_READY' | 'DOWNLOAD_FAILED' | 'CHECKSUM_MISMATCH',
  message: string,
): Promise<never> {
  const unit = systemdUnit(node);
  const journal = await readJournal(runner, unit, AbortSignal.timeout(20_000), {
    lines: 30,
    sinceSeconds: 600,
  });
  const lines = journal ? lastLines(tools.redact(journal), 30) : [];
  throw new StepFailure({
    code,
    message,
    lastOutput: lines.length
      ? [...tools.output.lastLines(10), `── journalctl -u ${unit} ──`, ...lines]
      : tools.output.lastLines(),
  });
}

async function run(runner: HostRunner, command: string, tools: StepTools, what: string, timeoutMs = 120_000) {
  return runner.exec({
    command,
    sudo: true,
    timeoutMs,
    signal: tools.signal,
    what,
    onOutput: (s, t) => tools.output.push(s, t),
  });
}

/** Brings the new release onto the node and restarts K3s with it (through the install script). */
async function installRelease(
  options: UpgradeOptions,
  node: NodeSpec,
  to: string,
  tools: StepTools,
): Promise<void> {
  const runner = options.runnerFor(node.nodeName);
  const spec: ClusterSpec = { ...options.spec, k3s: { ...options.spec.k3s, version: to } };
  const env = installEnv(spec, node);
  if (spec.install.source === 'online') {
    // The script restarts K3s when the binary changed; a node at the version is left running.
    delete env.INSTALL_K3S_FORCE_RESTART;
    const fetched = await run(
      runner,
      shJoin(['sh', '-c', FETCH_SCRIPT, 'fetch', spec.install.scriptUrl, SCRIPT_PATH]),
      tools,
      'download the install script',
    );
    if (fetched.code !== 0)
      throw new StepFailure({
        code: 'DOWNLOAD_FAILED',
        message: `${node.nodeName} could not download the install script from ${spec.install.scriptUrl} (exit ${fetched.code ?? '?'}).`,
        lastOutput: tools.output.lastLines(),
      });
  } else {
    await placeAirgapFiles(options, node, tools);
  }
  const r = await run(
    runner,
    installScriptCommand(env),
    tools,
    `install K3s ${to}`,
    options.installTimeoutMs,
  );
  if (r.code !== 0) {
    const download = /Download (failed|sha256 does not match)/.test(tools.output.lastLines().join('\n'));
    await failWithJournal(
      runner,
      node,
      tools,
      download ? 'DOWNLOAD_FAILED' : 'INSTALL_FAILED',
      `${node.nodeName}: the install script of ${to} failed (exit ${r.code ?? '?'})${download ? ': the release could not be downloaded or did not match its checksum' : `; K3s did not start again (see its journal below)`}. The node stays cordoned; the next run continues with it.`,
    );
  }
  // As the install does: the next facts read takes the version from here (never fails).
  const record = versionRecord();
  await run(runner, record.command, tools, record.what);
}

const STAGED = `${STATE_DIR}/k3s.next`;

function airgapFiles(options: UpgradeOptions, node: NodeSpec, tools: StepTools) {
  const runner = options.runnerFor(node.nodeName);
  const { folder, images } = options.spec.install as { folder: string; images: boolean };
  const inv = options.airgap?.inventory ?? null;
  const arch = node.arch ?? options.airgap?.arch(node.nodeName) ?? null;
  if (!arch)
    throw new StepFailure({
      code: 'INVALID_INPUT',
      message: `${node.nodeName}: its architecture is unknown, so the air-gap binary cannot be chosen: set arch in the cluster file.`,
      lastOutput: [],
    });
  const binary = BINARY_BY_ARCH[arch];
  const sum = (name: string) => inv?.sha256[name] ?? null;
  const send = async (name: string, remotePath: string, mode: string) => {
    tools.output.push(
      'stdout',
      `copying ${name} (${sum(name) ? 'sha256 checked' : 'no checksum in the folder'})\n`,
    );
    await runner.upload({
      localFile: localPath(folder, name),
      remotePath,
      mode,
      sha256: sum(name),
      timeoutMs: 15 * 60_000,
      signal: tools.signal,
    });
  };
  return { runner, folder, images, inv, arch, binary, send };
}

/**
 * Air-gap, before the node is touched: its binary copied (sha256 checked) to a staging path and
 * asked its version, so a folder holding another release stops here with the node untouched.
 */
async function stageAirgapBinary(
  options: UpgradeOptions,
  node: NodeSpec,
  to: string,
  tools: StepTools,
): Promise<void> {
  const { runner, folder, binary, send } = airgapFiles(options, node, tools);
  await run(runner, shJoin(['install', '-d', '-m', '0700', STATE_DIR]), tools, 'create k3s-wizard’s folder');
  await send(binary, STAGED, '0755');
  const v = await run(runner, shJoin([STAGED, '--version']), tools, 'ask the new binary its version');
  const reported = /k3s version (\S+)/.exec(v.stdout)?.[1] ?? '';
  if (reported !== to)
    throw new StepFailure({
      code: 'AIRGAP_FILE_MISSING',
      message: `${node.nodeName}: ${localPath(folder, binary)} is K3s ${reported || '(unknown)'}, not ${to}. Put the air-gap files of ${to} in ${folder}.`,
      lastOutput: tools.output.lastLines(),
    });
}

/** Air-gap: the staged binary put in place, the images and the install script copied. */
async function placeAirgapFiles(options: UpgradeOptions, node: NodeSpec, tools: StepTools): Promise<void> {
  const { runner, inv, arch, images, send } = airgapFiles(options, node, tools);
  // a rename, never a write into the running binary
  await run(runner, shJoin(['mv', '-f', STAGED, '/usr/local/bin/k3s']), tools, 'put the new binary in place');
  const tarball = images ? imagesName(arch, inv) : null;
  if (tarball) {
    await run(runner, shJoin(['install', '-d', '-m', '0755', IMAGES_DIR]), tools, 'create the images folder');
    await send(tarball, `${IMAGES_DIR}/${tarball}`, '0644');
  }
  await send('install.sh', SCRIPT_PATH, '0700');
}

async function upgradeNode(
  options: UpgradeOptions,
  n: NodeUpgrade,
  tools: StepTools,
): Promise<'changed' | 'unchanged'> {
  const node = options.spec.nodes.find((s) => s.nodeName === n.name) as NodeSpec;
  const controls = controlsFor(options, n.name);
  const control = controls[0] as HostRunner;
  const parts =
    n.kind === 'uncordon'
      ? 1
      : 4 + (options.drain.enabled ? 1 : 0) + (options.spec.install.source === 'airgap' ? 1 : 0);
  let at = 0;
  const next = (what: string) => tools.progress(what, at++, parts);
  const airgap = options.spec.install.source === 'airgap';
  if (n.kind === 'upgrade' && airgap) {
    next(`copy and check the K3s ${n.to} binary`);
    await stageAirgapBinary(options, node, n.to, tools);
  }
  if (n.kind === 'upgrade') {
    next(`cordon ${n.name}`);
    options.ledger.cordoned(n.name);
    await cordon(control, n.name, tools);
    if (options.drain.enabled) {
      next(`drain ${n.name} (at most ${options.drain.timeoutSeconds} s)`);
      await drain(control, n.name, options.drain, tools);
    }
    next(`install K3s ${n.to}`);
    await installRelease(options, node, n.to, tools);
    next(`wait until ${n.name} is Ready at ${n.to}`);
    const seen = await waitReadyAt({
      controls,
      node: n.name,
      version: n.to,
      timeoutMs: options.readyTimeoutMs,
      signal: tools.signal,
    });
    if (tools.signal.aborted) throw new AppError('CANCELLED', 'Interrupted.');
    if (seen !== null) {
      const now =
        seen === 'missing'
          ? 'it is not in the node list'
          : seen === 'unreachable'
            ? 'no server answered'
            : `it reports ${seen.version}, ${seen.ready ? 'Ready' : 'NotReady'}`;
      await failWithJournal(
        options.runnerFor(n.name),
        node,
        tools,
        'NODE_NOT_READY',
        `${n.name} was not Ready at ${n.to} within ${Math.round(options.readyTimeoutMs / 1000)} s (${now}). It stays cordoned; the next run continues with it.`,
      );
    }
  }
  if (n.uncordon) {
    next(`uncordon ${n.name}`);
    // after a server's restart its API may take a moment: the other servers answer first
    await cordon(control, n.name, tools, true);
    options.ledger.uncordoned(n.name);
  } else if (n.kind === 'upgrade') {
    tools.output.push('stdout', `${n.name} was cordoned before this upgrade: left cordoned\n`);
    options.ledger.uncordoned(n.name);
  }
  return 'changed';
}

/** Runs the rollout; resolves with the final snapshot (a failed node is in it, never thrown). */
export async function runUpgrade(options: UpgradeOptions): Promise<RunSnapshot> {
  const { activity, plan } = options;
  const steps = upgradeSteps(plan);
  activity.begin(steps, Math.max(1, options.concurrency));
  const byName = new Map(plan.nodes.map((n) => [n.name, n]));
  let failed: string | null = null;
  const go = async (step: StepInfo) => {
    const n = byName.get(step.host) as NodeUpgrade;
    if (activity.signal.aborted) return;
    if (failed) return activity.block(step, failed);
    if (n.kind === 'skip') return activity.skip(step);
    const ok = await activity.step(step, (tools) => upgradeNode(options, n, tools));
    if (!ok) failed ??= step.id;
  };
  // the first group one at a time; the second side by side, up to the concurrency
  const serial = steps.filter((s) => s.phase === (plan.downgrade ? 'upgrade-agents' : 'upgrade-servers'));
  const parallel = steps.filter((s) => !serial.includes(s));
  for (const step of serial) await go(step);
  const limit = pLimit(Math.max(1, options.concurrency));
  await Promise.all(parallel.map((step) => limit(() => go(step))));
  if (!activity.signal.aborted) {
    // the nodes as the cluster lists them now: the summary's table
    for (const control of controlsFor(options, '')) {
      const r = await kubectl(control, ['get', 'nodes', '-o', 'json'], {
        signal: AbortSignal.timeout(30_000),
        what: 'list the nodes',
      }).catch(() => null);
      if (r?.code !== 0) continue;
      try {
        activity.clusterChecked(parseNodeList(r.stdout));
        break;
      } catch {
        // not a node list: no table
      }
    }
  }
  return activity.finish();
}
