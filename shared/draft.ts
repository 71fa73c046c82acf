/**
 * A saved cluster: the wizard's draft as the renderer store persists it (hosts, cluster options,
 * facts, where the user is), plus a name and when it was saved. It never holds a secret:
 * passwords and passphrases stay in the back end's memory or the OS keychain.
 */
import { z } from 'zod';
import { HostFactsSchema } from './facts-schema';
import { COMPONENTS, FIREWALL_POLICIES, FLANNEL_BACKENDS, ROLES } from './spec/schema';

/** The wizard's steps, in order (the renderer's step list uses the same ids). */
export const STEP_IDS = ['hosts', 'checks', 'cluster', 'firewall', 'review', 'install', 'done'] as const;
export type DraftStepId = (typeof STEP_IDS)[number];

export const AUTH_METHODS = ['agent', 'key', 'password'] as const;

const Text = z.string().max(4096);
const Port = z.number().int().min(1).max(65535);

export const DraftHostSchema = z.strictObject({
  id: z.string().min(1).max(400),
  address: z.string().min(1).max(253),
  port: Port,
  user: z.string().min(1).max(64),
  auth: z.enum(AUTH_METHODS),
  keyPath: Text,
  role: z.enum(ROLES),
  nodeName: z.string().min(1).max(253),
  /** The user typed the node name (else it follows the machine's hostname). */
  nodeNameSet: z.boolean().optional(),
  /** A sudo password was handed to the back end (the password itself is never here). */
  sudoPasswordGiven: z.boolean().optional(),
  /** This machine's firewall choice when it differs from the cluster's. */
  firewall: z.enum(FIREWALL_POLICIES).optional(),
});
export type DraftHost = z.infer<typeof DraftHostSchema>;

/**
 * A machine's id in a draft, from the login it was added with. It stays when the login is edited
 * later: the machine's facts, connection and node name belong to it.
 */
export function draftHostId(login: { user: string; address: string; port: number }): string {
  return `${login.user}@${login.address}:${login.port}`;
}

/** The Cluster step's form, in the shape it edits (the renderer's `ClusterOptions`). */
export const ClusterOptionsSchema = z.strictObject({
  name: z.string().max(253),
  version: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('channel'), channel: z.enum(['stable', 'latest']) }),
    z.strictObject({ kind: z.literal('version'), version: z.string().max(100) }),
  ]),
  source: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('online') }),
    z.strictObject({ kind: z.literal('mirror'), scriptUrl: Text, githubUrl: Text, channelUrl: Text }),
    z.strictObject({ kind: z.literal('airgap'), folder: Text, images: z.boolean() }),
  ]),
  embeddedEtcd: z.enum(['auto', 'on', 'off']),
  flannelBackend: z.enum(FLANNEL_BACKENDS),
  clusterCidr: z.string().max(100),
  serviceCidr: z.string().max(100),
  apiPort: Port,
  tlsSans: Text,
  openNodePorts: z.boolean(),
  disable: z.array(z.enum(COMPONENTS)),
  contextName: z.string().max(253),
  kubeconfigServer: Text,
  kubeconfigFile: z.enum(['merge', 'separate']),
  firewallPolicy: z.enum(FIREWALL_POLICIES),
  firewallClients: Text,
  // Added with the listener options: drafts saved before them get the defaults.
  apiEndpoint: z.string().max(300).default(''),
  listeners: z
    .record(
      z.string().max(400),
      z.strictObject({
        bindAddress: z.string().max(100),
        advertiseAddress: z.string().max(100),
        // Added with the per-server listen port: drafts saved before it get the cluster's.
        httpsListenPort: z.string().max(10).default(''),
        advertisePort: z.string().max(10),
        tlsSans: Text,
        nodeExternalIp: z.string().max(100),
        rootless: z.boolean().default(false),
      }),
    )
    .refine((l) => Object.keys(l).length <= 64, { error: 'At most 64 servers.' })
    .default({}),
  nodeIdentity: z.enum(['names', 'with-node-id']).default('names'),
});
export type ClusterOptionsDraft = z.infer<typeof ClusterOptionsSchema>;

/** A new cluster's options, as the Cluster step starts them. */
export const DEFAULT_CLUSTER_OPTIONS: ClusterOptionsDraft = {
  name: 'homelab',
  version: { kind: 'channel', channel: 'stable' },
  source: { kind: 'online' },
  embeddedEtcd: 'auto',
  flannelBackend: 'vxlan',
  clusterCidr: '10.42.0.0/16',
  serviceCidr: '10.43.0.0/16',
  apiPort: 6443,
  tlsSans: '',
  openNodePorts: false,
  disable: [],
  contextName: '',
  kubeconfigServer: '',
  kubeconfigFile: 'merge',
  firewallPolicy: 'configure',
  firewallClients: '',
  apiEndpoint: '',
  listeners: {},
  nodeIdentity: 'names',
};

export const DRAFT_VERSION = 1;

const draftFields = {
  /** The file format, so a later version can migrate what an earlier one saved. */
  version: z.literal(DRAFT_VERSION).default(DRAFT_VERSION),
  /** What the saved-clusters list shows. */
  name: z.string().trim().min(1, { error: 'Give the cluster a name.' }).max(100),
  hosts: z.array(DraftHostSchema).max(64),
  cluster: ClusterOptionsSchema,
  /** What the probe found, by host id. */
  facts: z.record(z.string().max(400), HostFactsSchema),
  step: z.enum(STEP_IDS),
  reached: z.array(z.enum(STEP_IDS)),
  /** The run to catch up with (runs live as long as the back end). */
  runId: z.string().max(200).nullable(),
};

export const ClusterDraftSchema = z.strictObject({ ...draftFields, savedAt: z.iso.datetime() });
export type ClusterDraft = z.output<typeof ClusterDraftSchema>;

const SECRET_FIELD = /^(password|passphrase|sudo_?password|token|secret|private_?key|client_?key_?data)$/i;
const SECRET_VALUE = [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, /K10[0-9a-f]{16,}::/];

/**
 * Where a value holds something that looks like a secret: a field named like one with a
 * string value, or a private key or K3s token anywhere. Paths as `hosts.0.password`.
 */
export function findSecrets(value: unknown, path: string[] = [], found: string[] = []): string[] {
  if (found.length >= 10 || path.length > 12) return found;
  if (typeof value === 'string') {
    if (SECRET_VALUE.some((pattern) => pattern.test(value))) found.push(path.join('.') || '(value)');
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => findSecrets(item, [...path, String(index)], found));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (SECRET_FIELD.test(key) && typeof item === 'string') found.push([...path, key].join('.'));
      else findSecrets(item, [...path, key], found);
    }
  }
  return found;
}

/** Refuses a secret before the shape is checked, so the message says what is wrong. */
const refuseSecrets = z.unknown().superRefine((value, ctx) => {
  for (const path of findSecrets(value)) {
    ctx.addIssue({
      code: 'custom',
      path: path.split('.'),
      message: 'a saved cluster never holds a password, passphrase, token or private key',
    });
  }
});

const DraftInputShape = z.strictObject({ ...draftFields, savedAt: z.string().optional() });

/**
 * What `clusters:save` takes (the back end sets `savedAt`). Typed as the draft's shape: the
 * secret check in front only narrows what gets through.
 */
export const ClusterDraftInputSchema = refuseSecrets.pipe(DraftInputShape) as unknown as z.ZodType<
  z.output<typeof DraftInputShape>,
  z.input<typeof DraftInputShape>
>;
export type ClusterDraftInput = z.input<typeof DraftInputShape>;

/** A saved cluster's folder name: lower-case letters, digits and dashes. */
export const ClusterSlug = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/, { error: 'not a saved cluster’s name' });

export const SavedClusterSummarySchema = z.object({
  name: z.string(),
  slug: z.string(),
  savedAt: z.string(),
  hosts: z.number().int(),
  /** The install finished: the wizard reached its Done step. */
  installed: z.boolean(),
});
export type SavedClusterSummary = z.infer<typeof SavedClusterSummarySchema>;
