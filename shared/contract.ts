/**
 * The one contract between the UI and the back end, for every front (Electron IPC,
 * the browser front's WebSocket, the in-process command line).
 * invoke: renderer → main, with a result. events: main → renderer.
 * Every payload is validated with these schemas in main; only plain data crosses.
 */
import { z } from 'zod';
import { type EventChannel, type InvokeChannel } from './channels';
import { MenuEventSchema, OpenFileInput, OpenFolderInput, PickedPathSchema, SaveFileInput } from './desktop';
import {
  DayTwoStarted,
  PlanRemoveInput,
  PlanRemoveOutput,
  PlanUpgradeInput,
  PlanUpgradeOutput,
  RemoveInput,
  RotateTokenInput,
  UpgradeInput,
} from './day-two/actions-schema';
import { ClusterStatusSchema } from './day-two/status';
import { TOKEN_ID } from './day-two/tokens';
import {
  AUTH_METHODS,
  ClusterDraftInputSchema,
  ClusterDraftSchema,
  ClusterSlug,
  SavedClusterSummarySchema,
} from './draft';
import { HostFactsSchema } from './facts-schema';
import {
  FleetBuildInput,
  FleetDashboardSchema,
  FleetFixesInput,
  FleetFixesOutput,
  FleetHandoutFileInput,
  FleetHandoutInput,
  FleetHandoutOutput,
  FleetResetInput,
  FleetResetOutput,
  FleetRetryInput,
} from './fleet/schema';
import {
  CheckSchema,
  ConnectivityInput,
  ConnectivityResultSchema,
  HostRefInput,
  ImportedHostSchema,
  SetCredentialsInput,
  TrustHostKeyInput,
} from './probe/schema';
import { ClusterSpec } from './spec/schema';
import {
  BundleInput,
  JoinCommandInput,
  JoinCommandOutput,
  UninstallInput,
  RetryHostInput,
  RunEvent,
  RunRefInput,
  RunSnapshotSchema,
  RunSummarySchema,
  StartRunInput,
} from './run';

export {
  EVENT_CHANNELS,
  INVOKE_CHANNELS,
  isEventChannel,
  isInvokeChannel,
  type EventChannel,
  type InvokeChannel,
} from './channels';

export const FRONTS = ['desktop', 'browser', 'cli'] as const;
export type Front = (typeof FRONTS)[number];

export const AppInfo = z.object({
  name: z.string(),
  version: z.string(),
  front: z.enum(FRONTS),
  platform: z.string(),
  dataDir: z.string(),
  /** Native file pickers exist (desktop only); otherwise the UI offers a text field or a download. */
  nativeDialogs: z.boolean().default(false),
  /** Passwords can be remembered, encrypted with the OS keychain (desktop only). */
  rememberCredentials: z.boolean().default(false),
  /** An SSH agent is running for the back end (SSH_AUTH_SOCK names a socket): "SSH agent" logins can work. */
  sshAgent: z.boolean().default(false),
});
export type AppInfo = z.infer<typeof AppInfo>;

export const LogEntry = z.object({
  time: z.string(),
  level: z.enum(['debug', 'info', 'warn', 'error']),
  source: z.string(),
  message: z.string(),
});
export type LogEntry = z.infer<typeof LogEntry>;

const NoInput = z.object({}).strict();

export const contract = {
  invoke: {
    /** Name, version and where the back end keeps its data. */
    'app:info': { input: NoInput, output: AppInfo },
    /** The most recent back-end log lines (already redacted), for a window that opens late. */
    'app:recentLogs': {
      input: z.object({ limit: z.number().int().min(1).max(1000).default(200) }).strict(),
      output: z.array(LogEntry),
    },
    /** Login details for a host, kept by the back end; secrets never come back out. */
    'hosts:setCredentials': { input: SetCredentialsInput, output: z.object({ remembered: z.boolean() }) },
    /** Trusts a key the host offered (HOST_KEY_UNKNOWN / HOST_KEY_MISMATCH); `replace` re-trusts a changed one. */
    'hosts:trustHostKey': {
      input: TrustHostKeyInput,
      output: z.object({ keyType: z.string(), fingerprint: z.string() }),
    },
    /** Facts of one host, in one round trip. */
    'hosts:probe': { input: HostRefInput, output: z.object({ facts: HostFactsSchema }) },
    /** Real tests of the ports the cluster needs between nodes, with the checks they give. */
    'hosts:connectivity': {
      input: ConnectivityInput,
      output: z.object({ results: z.array(ConnectivityResultSchema), checks: z.array(CheckSchema) }),
    },
    /** Hosts declared in ~/.ssh/config (or another file). */
    'hosts:importSshConfig': {
      input: z.object({ path: z.string().max(4096).optional() }).strict(),
      output: z.array(ImportedHostSchema),
    },
    /** Starts installing the cluster a spec describes; progress comes as `run:event`. */
    'run:start': { input: StartRunInput, output: z.object({ runId: z.string() }) },
    /** Stops launching steps and interrupts the running ones; the next run continues from there. */
    'run:cancel': { input: RunRefInput, output: z.object({}) },
    /** Runs one host's failed or blocked steps again (and what waited on them), nothing else. */
    'run:retryHost': { input: RetryHostInput, output: z.object({}) },
    /** Everything so far, for a window that opens or reloads during a run. */
    'run:snapshot': { input: RunRefInput, output: RunSnapshotSchema },
    /** The runs this back end remembers, newest first (to find the one to reopen). */
    'run:list': { input: z.object({}).strict(), output: z.array(RunSummarySchema) },
    /** Saved clusters (the wizard's drafts, never a secret), newest first. */
    'clusters:list': { input: NoInput, output: z.array(SavedClusterSummarySchema) },
    /** Saves a draft; without `slug` it gets a new one (never overwriting another cluster). */
    'clusters:save': {
      input: z.strictObject({ draft: ClusterDraftInputSchema, slug: ClusterSlug.optional() }),
      output: z.object({ slug: z.string(), savedAt: z.string() }),
    },
    'clusters:load': {
      input: z.strictObject({ slug: ClusterSlug }),
      output: z.object({ draft: ClusterDraftSchema }),
    },
    'clusters:delete': { input: z.strictObject({ slug: ClusterSlug }), output: z.object({}) },
    /** The contexts of the kubeconfig kubectl reads on the back end's computer, so a new cluster's name does not collide. */
    'kubeconfig:contexts': {
      input: NoInput,
      output: z.object({ path: z.string(), contexts: z.array(z.string().max(253)).max(1000) }),
    },
    /** Native pickers (desktop only: UNSUPPORTED elsewhere); `path` is null when cancelled. */
    'dialog:openFile': { input: OpenFileInput, output: PickedPathSchema },
    'dialog:openFolder': { input: OpenFolderInput, output: PickedPathSchema },
    /** Asks where to save, then writes `content` there itself (0600 when `secret`). */
    'dialog:saveFile': { input: SaveFileInput, output: PickedPathSchema },
    /** The line that adds a machine to a run's cluster; the token masked unless `reveal` (never logged). */
    'run:joinCommand': { input: JoinCommandInput, output: JoinCommandOutput },
    /** Removes K3s from every machine of a spec (agents, then servers), the firewall rules and kubeconfig entry k3s-wizard added; progress as `run:event`. */
    'run:uninstall': { input: UninstallInput, output: z.object({ runId: z.string() }) },
    /** Writes a support bundle (.tar.gz, 0600, every secret redacted) under the data folder. */
    'bundle:create': { input: BundleInput, output: z.object({ path: z.string() }) },
    /**
     * A file the back end wrote, for the browser front to offer as a download on the browser's
     * computer: this run's kubeconfig context (only it, never the rest of the file), or a support
     * bundle under the data folder. Base64; the dispatcher never logs results.
     */
    'files:download': {
      input: z.discriminatedUnion('kind', [
        z.strictObject({
          kind: z.literal('kubeconfig'),
          runId: z.string().min(1).max(100),
          context: z.string().min(1).max(253),
        }),
        z.strictObject({ kind: z.literal('bundle'), path: z.string().min(1).max(4096) }),
      ]),
      output: z.object({ name: z.string(), mediaType: z.string(), base64: z.string() }),
    },
    /** What an air-gap folder on this computer holds: file names and their checksums. */
    'airgap:scan': {
      input: z.strictObject({ folder: z.string().min(1).max(4096) }),
      output: z.object({ files: z.array(z.string()), sha256: z.record(z.string(), z.string()) }),
    },
    /**
     * Adopt: reads the running cluster of a server the user logged in to on the Hosts step
     * (its login as given there) and saves it as an installed cluster, to open on its page.
     */
    'cluster:adopt': {
      input: z.strictObject({
        address: z.string().min(1).max(253),
        port: z.number().int().min(1).max(65535),
        user: z.string().min(1).max(64),
        auth: z.enum(AUTH_METHODS),
        keyPath: z.string().max(4096),
        sudoPasswordGiven: z.boolean().default(false),
      }),
      output: z.object({
        slug: ClusterSlug,
        name: z.string(),
        notes: z.array(z.string()),
        missing: z.array(z.object({ node: z.string(), what: z.string() })),
      }),
    },
    /**
     * The cluster page: the nodes as the first server's API lists them, the flows between the
     * nodes (the post-install connection test, when `flows`) and the join tokens.
     */
    'cluster:status': {
      input: z.strictObject({ spec: ClusterSpec, flows: z.boolean().default(false) }),
      output: ClusterStatusSchema,
    },
    /** Revokes a bootstrap (join) token on the first server: no machine can join with it any more. */
    'cluster:revokeToken': {
      input: z.strictObject({ spec: ClusterSpec, id: z.string().regex(TOKEN_ID) }),
      output: z.object({}),
    },
    /**
     * The upgrade planner's answer for a version or a channel (resolved on the first server):
     * per node from which version to which, or its refusal (skew rules, downgrade) as it says it.
     */
    'cluster:planUpgrade': { input: PlanUpgradeInput, output: PlanUpgradeOutput },
    /** Plans again and starts the rollout; its progress comes as `run:event`s of the run id. */
    'cluster:upgrade': { input: UpgradeInput, output: DayTwoStarted },
    /** What removing a node will do, or the refusal (last server, first server, quorum). */
    'cluster:planRemove': { input: PlanRemoveInput, output: PlanRemoveOutput },
    /** Plans again and starts the removal; its progress comes as `run:event`s of the run id. */
    'cluster:remove': { input: RemoveInput, output: DayTwoStarted },
    /**
     * Rotates the cluster token (k3s token rotate on the first server, the new token into every
     * node's config, the nodes restarted one at a time) or continues a rotation that stopped;
     * its progress comes as `run:event`s of the run id. The token never leaves the back end.
     */
    'cluster:rotateToken': { input: RotateTokenInput, output: DayTwoStarted },
    /**
     * Classroom: logs in to and checks every machine of the arranged clusters (their login as
     * given; the secrets went through `hosts:setCredentials`), then builds every cluster at once
     * under one limit across the fleet; answers with the dashboard once the runs have started
     * (their progress comes as `run:event`s of the runs it names).
     */
    'fleet:build': { input: FleetBuildInput, output: FleetDashboardSchema },
    /** The classroom build's dashboard: a row per cluster, failures first. */
    'fleet:dashboard': { input: NoInput, output: FleetDashboardSchema },
    /** Retries one machine (its failed steps) or one cluster (a new run; done steps skipped). */
    'fleet:retry': { input: FleetRetryInput, output: FleetDashboardSchema },
    /** Stops every run of the classroom build. */
    'fleet:cancel': { input: NoInput, output: FleetDashboardSchema },
    /**
     * The fleet fixes before a build: what will change (`apply: false`), or the fixes as one run
     * (reboots in the preset's waves), every machine checked again after; answers when done.
     */
    'fleet:fixes': { input: FleetFixesInput, output: FleetFixesOutput },
    /** Students' kubeconfigs and join commands with expiring tokens, written 0600; QR codes where they fit. */
    'fleet:handout': { input: FleetHandoutInput, output: FleetHandoutOutput },
    /** One file of the last hand-out, for the browser to save. */
    'fleet:handoutFile': {
      input: FleetHandoutFileInput,
      output: z.object({ name: z.string(), mediaType: z.string(), base64: z.string() }),
    },
    /** After class: every cluster uninstalled or the students' namespaces deleted; what was left. */
    'fleet:reset': { input: FleetResetInput, output: FleetResetOutput },
  },
  events: {
    /** Back-end log lines, redacted, as they happen. */
    'app:log': LogEntry,
    /** Every step's progress during a run, redacted, in `seq` order. */
    'run:event': RunEvent,
    /** A native menu item was chosen (desktop only). */
    'app:menu': MenuEventSchema,
  },
} as const;

type Contract = typeof contract;
export type InvokeInput<C extends InvokeChannel> = z.input<Contract['invoke'][C]['input']>;
export type InvokeParsedInput<C extends InvokeChannel> = z.output<Contract['invoke'][C]['input']>;
export type InvokeOutput<C extends InvokeChannel> = z.output<Contract['invoke'][C]['output']>;
export type EventPayload<E extends EventChannel> = z.output<Contract['events'][E]>;

// The plain channel lists (channels.ts, what the preload bundles) name exactly these channels.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const invokeChannelsMatch: Same<keyof Contract['invoke'], InvokeChannel> = true;
export const eventChannelsMatch: Same<keyof Contract['events'], EventChannel> = true;
