import { adoptAndSave } from '../day-two/adopt-saved';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Front } from '../../shared/contract';
import { AppError } from '../../shared/errors';
import { readAirgapFolder } from '../engine/airgap-folder';
import { expandHome } from '../ssh/auth';
import { onlySteps } from '../../shared/plan/select';
import { connectivityChecks } from '../../shared/checks/connectivity';
import { ClusterStore } from '../clusters/store';
import { ClusterService } from '../day-two/cluster-service';
import { DayTwoRuns } from '../day-two/day-two-runs';
import { FileDialogService, type Dialogs } from '../desktop/files';
import { FleetService } from '../fleet/service';
import { RunService } from '../engine/service';
import { HostsService } from '../probe/hosts-service';
import type { SecretPersistence } from '../ssh/secrets';
import { createDispatcher, type Dispatcher, type Handlers } from './dispatcher';
import { EventHub } from './events';
import { Logger } from './logger';
import { APP_NAME } from './paths';
import { bundleDownload, kubeconfigDownload } from './downloads';
import { defaultKubeconfigPath } from '../kubeconfig/file';
import { parseKubeconfig } from '../kubeconfig/merge';

/** An agent socket exists where SSH_AUTH_SOCK points. */
function sshAgentRunning(env: NodeJS.ProcessEnv): boolean {
  const socket = env.SSH_AUTH_SOCK;
  if (!socket) return false;
  try {
    return statSync(socket).isSocket();
  } catch {
    return false;
  }
}

/** The context names of the kubeconfig kubectl reads; none when it is missing or unreadable. */
function kubeconfigContexts(env: NodeJS.ProcessEnv): { path: string; contexts: string[] } {
  const path = defaultKubeconfigPath({ env });
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return { path, contexts: [] };
  }
  try {
    const config = parseKubeconfig(text, path);
    const names = (config.contexts ?? []).map((c) => c.name).filter((n) => typeof n === 'string');
    return { path, contexts: names.slice(0, 1000).map((n) => n.slice(0, 253)) };
  } catch {
    return { path, contexts: [] };
  }
}

export interface BackendOptions {
  version: string;
  dataDir: string;
  front: Front;
  /** Where remembered credentials are kept (desktop only: the OS keychain). */
  secretPersistence?: SecretPersistence;
  /** Native file pickers (desktop only); without them the dialog channels answer UNSUPPORTED. */
  dialogs?: Dialogs;
  /** The user's home folder, for ~/.ssh/known_hosts (default the OS's). */
  home?: string;
}

export interface Backend {
  dispatcher: Dispatcher;
  hub: EventHub;
  logger: Logger;
  options: BackendOptions;
  hosts: HostsService;
  clusters: ClusterStore;
  close(): Promise<void>;
}

/** A synchronous handler as a promise: what it throws becomes the rejection. */
const settle = <T>(run: () => T): Promise<T> => new Promise((resolve) => resolve(run()));

/** The back end every front shares: plain Node, no Electron. */
export function createBackend(options: BackendOptions): Backend {
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const hub = new EventHub();
  const logger = new Logger(hub);
  // Remembering passwords is the desktop front's alone, whatever a caller passes.
  const persistence = options.front === 'desktop' ? options.secretPersistence : undefined;
  const hosts = new HostsService({
    dataDir: options.dataDir,
    logger,
    ...(persistence ? { persistence } : {}),
    ...(options.home ? { home: options.home } : {}),
  });
  const clusters = new ClusterStore({ dataDir: options.dataDir, logger });
  const files = new FileDialogService(options.dialogs ? { dialogs: options.dialogs } : {});
  const runs = new RunService({
    dataDir: options.dataDir,
    logger,
    pool: () => hosts.pool,
    env: process.env,
    onEvent: (event) => hub.emit('run:event', event),
  });
  const day2 = new ClusterService({ pool: () => hosts.pool, logger });
  const dayTwoRuns = new DayTwoRuns({
    dataDir: options.dataDir,
    logger,
    pool: () => hosts.pool,
    env: process.env,
    onEvent: (event) => hub.emit('run:event', event),
  });
  const fleet = new FleetService(
    () => ({ hosts, pool: hosts.pool, service: runs, logger }),
    () => join(options.dataDir, 'handout'),
  );
  const handlers: Handlers = {
    'app:info': () =>
      Promise.resolve({
        name: APP_NAME,
        version: options.version,
        front: options.front,
        platform: `${process.platform}-${process.arch}`,
        dataDir: options.dataDir,
        nativeDialogs: files.native,
        rememberCredentials: hosts.credentials.canRemember,
        sshAgent: sshAgentRunning(process.env),
      }),
    'app:recentLogs': ({ limit }) => Promise.resolve(logger.tail(limit)),
    'hosts:setCredentials': ({ host, port, remember, ...credentials }) =>
      settle(() => hosts.setCredentials(host, port, credentials, { remember })),
    'hosts:trustHostKey': (input) => settle(() => hosts.trustHostKey(input)),
    'hosts:probe': async (ref, ctx) => ({ facts: await hosts.probe(ref, ctx.signal) }),
    'hosts:connectivity': async (input, ctx) => {
      const results = await hosts.connectivity({ ...input, ...(ctx.signal ? { signal: ctx.signal } : {}) });
      return { results, checks: connectivityChecks(results) };
    },
    'hosts:importSshConfig': ({ path }) => settle(() => hosts.importSshConfig(path)),
    // The facts are the back end's own, from its probes: a UI sends only what the user chose.
    'run:start': ({ steps, ...input }) =>
      settle(() => {
        const facts = hosts.factsFor(input.spec);
        if (!steps) return { runId: runs.start({ ...input, facts }).run.runId };
        // One fix from the Checks step: the plan as it would be made, narrowed to those steps.
        const whole = runs.planFor(input.spec, facts);
        let plan;
        try {
          plan = onlySteps(whole, steps);
        } catch (error) {
          throw new AppError('INVALID_INPUT', error instanceof Error ? error.message : String(error));
        }
        return { runId: runs.start({ ...input, facts, plan }).run.runId };
      }),
    'run:cancel': ({ runId }) => settle(() => (runs.cancel(runId), {})),
    // Resolves once the retry has begun; its progress comes as events.
    'run:retryHost': ({ runId, host }) => settle(() => (void runs.retryHost(runId, host), {})),
    // an upgrade or a removal from the cluster page is a run too
    'run:snapshot': ({ runId }) => settle(() => dayTwoRuns.snapshot(runId) ?? runs.snapshot(runId)),
    'run:list': () => settle(() => runs.list()),
    'clusters:list': () => settle(() => clusters.list()),
    'clusters:save': (input) => settle(() => clusters.save(input)),
    'clusters:load': ({ slug }) =>
      settle(() => {
        const draft = clusters.load(slug);
        hosts.adoptSaved(draft.hosts, draft.facts);
        return { draft };
      }),
    'clusters:delete': ({ slug }) => settle(() => (clusters.delete(slug), {})),
    'kubeconfig:contexts': () => settle(() => kubeconfigContexts(process.env)),
    'dialog:openFile': (input) => files.openFile(input),
    'dialog:openFolder': (input) => files.openFolder(input),
    'dialog:saveFile': (input) => files.saveFile(input),
    // The result holds the token when revealed: the dispatcher logs arguments only, never results.
    'run:joinCommand': (input) => runs.joinCommand(input),
    'run:uninstall': (input) =>
      settle(() => ({ runId: runs.uninstall({ ...input, facts: hosts.factsFor(input.spec) }).run.runId })),
    'bundle:create': async (input) => ({
      path: await runs.bundle({ ...input, facts: hosts.factsFor(input.spec) }),
    }),
    'files:download': (input) =>
      settle(() => {
        if (input.kind === 'bundle') return bundleDownload(options.dataDir, input.path);
        const path = runs.snapshot(input.runId).kubeconfigPath;
        if (!path) throw new AppError('NOT_FOUND', 'This run wrote no kubeconfig.');
        return kubeconfigDownload(path, input.context);
      }),
    'airgap:scan': ({ folder }) => settle(() => readAirgapFolder(expandHome(folder))),
    'cluster:adopt': (input) => adoptAndSave(input, { service: day2, clusters }),
    'cluster:status': ({ spec, flows }, ctx) =>
      day2.status({
        spec,
        facts: hosts.factsFor(spec),
        flows,
        tokens: true,
        ...(ctx.signal ? { signal: ctx.signal } : {}),
      }),
    'cluster:revokeToken': async ({ spec, id }) => (await day2.revokeToken(spec, id), {}),
    'cluster:planUpgrade': ({ spec, to, force }, ctx) =>
      dayTwoRuns.planUpgrade(
        spec,
        { ...(to.kind === 'version' ? { version: to.version } : { channel: to.channel }), force },
        ctx.signal ?? AbortSignal.timeout(120_000),
      ),
    'cluster:upgrade': ({ spec, ...request }) => dayTwoRuns.upgrade(spec, request),
    'cluster:planRemove': ({ spec, node }, ctx) =>
      dayTwoRuns.planRemove(spec, node, ctx.signal ?? AbortSignal.timeout(120_000)),
    'cluster:remove': ({ spec, node, ...request }) => dayTwoRuns.remove(spec, node, request),
    'cluster:rotateToken': ({ spec, ...request }) => dayTwoRuns.rotateToken(spec, request),
    'fleet:build': (input, ctx) => fleet.build(input, ctx.signal),
    'fleet:dashboard': () => settle(() => fleet.dashboard()),
    'fleet:retry': (input, ctx) => fleet.retry(input, ctx.signal),
    'fleet:cancel': () => settle(() => fleet.cancel()),
    'fleet:fixes': (input, ctx) => fleet.fixes(input, ctx.signal),
    'fleet:handout': (input, ctx) => fleet.handout(input, ctx.signal),
    'fleet:handoutFile': (input) => settle(() => fleet.handoutFile(input)),
    'fleet:reset': (input, ctx) => fleet.reset(input, ctx.signal),
  };
  const dispatcher = createDispatcher({ handlers, logger });
  logger.info('app', `back end started (${options.front} front, version ${options.version})`);
  return {
    dispatcher,
    hub,
    logger,
    options,
    hosts,
    clusters,
    close: () => {
      hosts.close();
      return Promise.resolve();
    },
  };
}
