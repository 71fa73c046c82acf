/**
 * The secret corpus: real K3s config files and journal lines holding secrets in every form the
 * K3s docs allow, run through everything that leaves the back end (log lines, events, errors,
 * the support bundle, exported scripts). None of the secrets may come out; what surrounds them
 * must stay readable.
 */
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../shared/errors';
import { buildPlan, planToScript } from '../../shared/plan';
import { replayRun } from '../../shared/run';
import { captureIo } from '../../test-support/cli-io';
import { harness, INSTALL, threeNodePlan } from '../../test-support/engine/harness';
import { makeSpec, node } from '../../test-support/shared/spec';
import { createDispatcher, type Handlers } from '../backend/dispatcher';
import { EventHub } from '../backend/events';
import { Logger } from '../backend/logger';
import { runCli } from '../cli/program';
import type { HostRunner } from '../engine/host-runner';
import { StepOutput } from '../engine/output';
import { RunLog } from '../engine/run-log';
import { createBundle } from './index';

const CORPUS = fileURLToPath(new URL('./fixtures/secret-corpus/', import.meta.url));
const listOf = (file: string): string[] =>
  readFileSync(join(CORPUS, file), 'utf8')
    .split('\n')
    .filter((line) => line && !line.startsWith('#'));
const SECRETS = listOf('secrets.txt');
const KEPT = listOf('kept.txt');
/** What the user typed (sudo passwords): registered with the back end as they arrive. */
const TYPED = [`it's a s3cret 0026`, `it's a "s3cret" 0027`];

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Host files as collectHost reads them: path on the host → content. */
const HOST_FILES = filesUnder(join(CORPUS, 'etc')).map((path) => ({
  path: `/${relative(CORPUS, path)}`,
  text: readFileSync(path, 'utf8'),
}));
const JOURNAL = readFileSync(join(CORPUS, 'journal.txt'), 'utf8');
const KUBECONFIG_JSON = readFileSync(join(CORPUS, 'kubeconfig.json'), 'utf8');
const EVERYTHING = [...HOST_FILES.map((f) => f.text), JOURNAL, KUBECONFIG_JSON].join('\n');

function expectClean(out: string, what: string): void {
  const leaked = SECRETS.filter((secret) => out.includes(secret));
  expect(leaked, `${what} leaked`).toEqual([]);
}

function expectReadable(out: string, what: string): void {
  const lost = KEPT.filter((kept) => !out.includes(kept));
  expect(lost, `${what} lost`).toEqual([]);
}

function backendLog(): { hub: EventHub; logger: Logger } {
  const hub = new EventHub();
  const logger = new Logger(hub);
  for (const secret of TYPED) logger.addSecret(secret);
  return { hub, logger };
}

describe('the secret corpus', () => {
  it('is a real test: the corpus holds every secret it lists', () => {
    for (const secret of SECRETS) expect(EVERYTHING).toContain(secret);
    for (const kept of KEPT) expect(EVERYTHING).toContain(kept);
  });

  it('never reaches a log line, whole or file by file', () => {
    const { hub, logger } = backendLog();
    const emitted: string[] = [];
    hub.subscribe((channel, payload) => emitted.push(JSON.stringify({ channel, payload })));
    const sunk: string[] = [];
    logger.addSink((entry) => sunk.push(entry.message));
    logger.info('test', EVERYTHING);
    for (const text of [...HOST_FILES.map((f) => f.text), JOURNAL, KUBECONFIG_JSON])
      logger.warn('test', text);
    const out = [...emitted, ...sunk, JSON.stringify(logger.tail(10_000))].join('\n');
    expectClean(out, 'the log');
    expectReadable(sunk[0] ?? '', 'the log');
  });

  it('never reaches an event, even as output split at any chunk boundary', () => {
    const { hub, logger } = backendLog();
    const emitted: string[] = [];
    hub.subscribe((_channel, payload) => emitted.push(JSON.stringify(payload)));
    let seq = 0;
    const output = new StepOutput(
      (text) => logger.redact(text),
      (stream, lines) =>
        hub.emit('run:event', {
          runId: 'r1',
          seq: seq++,
          time: new Date(0).toISOString(),
          host: 's1',
          stepId: 'install:s1',
          type: 'output',
          stream,
          lines,
        }),
    );
    // Odd chunk sizes, so secrets and PEM blocks arrive cut in pieces.
    for (let i = 0; i < EVERYTHING.length; i += 37) output.push('stdout', EVERYTHING.slice(i, i + 37));
    output.flush();
    // An event the engine forgot to redact is still redacted by the hub.
    hub.emit('run:event', {
      runId: 'r1',
      seq: seq++,
      time: new Date(0).toISOString(),
      host: 's1',
      stepId: 'install:s1',
      type: 'output',
      stream: 'stderr',
      lines: JOURNAL.split('\n'),
    });
    const out = emitted.join('\n');
    expectClean(out, 'the events');
    expectClean(output.lastLines(10_000).join('\n'), 'the failure tail');
    expect(out).toContain('Node ready');
  });

  it("never reaches a run's events, its run log file or its snapshot, from a failing install", async () => {
    const { logger } = backendLog();
    const redact = (text: string) => logger.redact(text);
    const h = harness({
      plan: threeNodePlan(),
      rules: {
        s1: [
          { match: /journalctl/, reply: { code: 0, stdout: JOURNAL } },
          { match: INSTALL, reply: { code: 1, stdout: EVERYTHING, stderr: `failed: ${EVERYTHING}` } },
        ],
      },
      services: { redact, onSecret: (value) => logger.addSecret(value) },
    });
    const snapshot = await h.run.start();
    expect(snapshot.status).toBe('failed');
    const dir = mkdtempSync(join(tmpdir(), 'k3sw-corpus-'));
    const log = new RunLog({ dataDir: dir, cluster: 'lab' }, redact);
    for (const event of h.events) log.write(event);
    // The events as the engine emits them (before the hub's own pass), the log file, the snapshot.
    const events = JSON.stringify(h.events);
    expectClean(events, 'the run events');
    expectClean(readFileSync(log.path, 'utf8'), 'the run log');
    expectClean(JSON.stringify(replayRun(h.events)), 'the run snapshot');
    expect(events).toContain('Node ready');
    expect(h.events.some((e) => e.type === 'step-failed' && e.stepId === 'install:s1')).toBe(true);
  });

  it('never reaches the plan the command line prints, as text, JSON or a script', async () => {
    const spec = makeSpec([node('s1', '10.0.0.1', 'server')], {
      install: {
        source: 'online',
        scriptUrl: 'https://mirror-user:Mirror-Url-Pass-0009@mirror2.lan/install.sh',
        githubUrl: 'https://mirror-user:Mirror-Url-Pass-0009@mirror2.lan/k3s',
      },
    });
    const dir = mkdtempSync(join(tmpdir(), 'k3sw-corpus-'));
    const file = join(dir, 'cluster.yaml');
    writeFileSync(file, stringify(spec));
    for (const format of ['text', 'json', 'sh']) {
      const io = captureIo({ HOME: dir });
      expect(await runCli(['plan', file, '--format', format], io.value)).toBe(0);
      const out = io.out() + io.err();
      expectClean(out, `plan --format ${format}`);
      expect(out).toContain('mirror2.lan');
    }
  });

  it("never reaches the command line's errors, from a cluster file holding the corpus", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'k3sw-corpus-'));
    const file = join(dir, 'cluster.yaml');
    const indented = (text: string) =>
      text
        .split('\n')
        .map((line) => `    ${line}`)
        .join('\n');
    // Each file as a cluster file, nested in a node too, and cut off (not YAML any more).
    const contents = HOST_FILES.flatMap((f) => [
      f.text,
      `apiVersion: k3s-wizard/v1\nkind: Cluster\nname: lab\nnodes:\n  - address: 10.0.0.1\n${indented(f.text)}\n`,
      `{ ${f.text}`,
    ]);
    for (const content of contents) {
      writeFileSync(file, content);
      const io = captureIo({ HOME: dir });
      expect(await runCli(['plan', file], io.value)).not.toBe(0);
      const out = io.out() + io.err();
      expect(out).toContain('error:');
      expectClean(out, 'the command line errors');
    }
  });

  it('never reaches an error a front receives', async () => {
    const { logger } = backendLog();
    const handlers = {
      'app:info': () =>
        Promise.reject(new AppError('COMMAND_FAILED', `sudo said: ${JOURNAL}`, { stderr: EVERYTHING })),
      'app:recentLogs': () => Promise.reject(new Error(`crashed on ${EVERYTHING}`)),
    } as unknown as Handlers;
    const dispatcher = createDispatcher({ handlers, logger });
    const failed = await dispatcher.dispatch('app:info', {}, { front: 'desktop' });
    const crashed = await dispatcher.dispatch('app:recentLogs', { limit: 10 }, { front: 'browser' });
    expect(failed.ok).toBe(false);
    expect(crashed.ok).toBe(false);
    const out = JSON.stringify([failed, crashed, logger.tail(100)]);
    expectClean(out, 'the errors');
    expect(out).toContain('Node ready');
  });

  it('never reaches the support bundle', async () => {
    const { logger } = backendLog();
    const dir = mkdtempSync(join(tmpdir(), 'k3sw-corpus-'));
    const logPath = join(dir, 'run.log');
    writeFileSync(logPath, JOURNAL);
    const MARK = '===K3SW-SECTION ';
    const stdout = [
      `\n${MARK}journal.txt===\n${JOURNAL}`,
      `\n${MARK}kubeconfig.json===\n${KUBECONFIG_JSON}`,
      ...HOST_FILES.map((f) => `\n${MARK}files${f.path}===\n${f.text}`),
      `\n${MARK}secret:token===\nK10f0e1d2c3b4a5968778695a4b3c2d1e0f0e1d2c3b4a5968778695a4b3c2d1e0f::server:Srv-T0ken-Pass-0001\n`,
    ].join('');
    const runner: HostRunner = {
      host: 's1',
      roundTrips: 0,
      exec: () => Promise.resolve({ code: 0, stdout, stderr: `warning: ${JOURNAL}`, signal: null }),
      writeFile: () => Promise.reject(new Error('not used')),
      upload: () => Promise.reject(new Error('not used')),
      batch: () => Promise.reject(new Error('not used')),
      sendFiles: () => Promise.reject(new Error('not used')),
      freshLogin: () => Promise.resolve(),
      rebootAndWait: () => Promise.resolve(),
    };
    const spec = makeSpec([node('s1', '10.0.0.1', 'server')]);
    const path = await createBundle({
      spec,
      facts: {},
      runnerFor: () => runner,
      logPath,
      dataDir: dir,
      secrets: logger.knownSecrets(),
    });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const tar = gunzipSync(readFileSync(path)).toString('utf8');
    expectClean(tar, 'the bundle');
    expectReadable(tar, 'the bundle');
    expect(tar).toContain('files/etc/rancher/k3s/registries.yaml');
  });

  it('never reaches an exported script, from the app or the command line', async () => {
    const spec = makeSpec([node('s1', '10.0.0.1', 'server'), node('a1', '10.0.0.2', 'agent')], {
      install: {
        source: 'online',
        scriptUrl: 'https://mirror-user:Mirror-Url-Pass-0009@mirror2.lan/install.sh',
        githubUrl: 'https://mirror-user:Mirror-Url-Pass-0009@mirror2.lan/k3s',
      },
    });
    const built = buildPlan(spec, {});
    if (!built.ok) throw new Error(JSON.stringify(built.issues));
    const script = planToScript(built.plan);
    expectClean(script, 'the script');
    expect(script).toContain('mirror2.lan/k3s');
    const dir = mkdtempSync(join(tmpdir(), 'k3sw-corpus-'));
    const file = join(dir, 'cluster.yaml');
    writeFileSync(file, stringify(spec));
    const out: string[] = [];
    const code = await runCli(['plan', file, '--format', 'sh'], {
      stdout: (t) => out.push(t),
      stderr: (t) => out.push(t),
      env: { HOME: dir, K3S_WIZARD_DATA_DIR: join(dir, 'data') },
      untilInterrupted: () => new Promise(() => undefined),
    });
    expect(code).toBe(0);
    expectClean(out.join(''), 'the command line script');
  });
});
