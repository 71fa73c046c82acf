/** Zod schemas for checks and connectivity results, so they can cross the contract validated. */
import { z } from 'zod';
import type { ConnectivityResult } from '../checks/connectivity';
import { PORT_RULE_IDS } from '../ports';
import { FLANNEL_BACKENDS } from '../spec/schema';

export { CheckSchema } from '../checks/types';

const nullableString = z.string().nullable();

export const ConnectivityResultSchema = z.object({
  from: z.string(),
  to: z.string(),
  port: z.number(),
  proto: z.enum(['tcp', 'udp']),
  flow: z.enum(PORT_RULE_IDS),
  purpose: z.string(),
  status: z.enum(['open', 'blocked', 'unknown']),
  detail: z.string(),
});

// The schema and the hand-written type must stay the same shape, both ways.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
export const SCHEMAS_MATCH: Same<z.infer<typeof ConnectivityResultSchema>, ConnectivityResult> = true;

const Host = z.string().min(1).max(253);
const Port = z.number().int().min(1).max(65535);
const User = z.string().min(1).max(64);

/** A host as the contract names it; the jump host (ProxyJump) needs credentials of its own. */
export const HostRefInput = z
  .object({
    host: Host,
    port: Port.default(22),
    user: User,
    jump: z.object({ host: Host, port: Port, user: User }).strict().optional(),
  })
  .strict();

export const SetCredentialsInput = z
  .object({
    host: Host,
    port: Port.default(22),
    user: User,
    password: z.string().max(1024).optional(),
    identityFile: z.string().max(4096).optional(),
    passphrase: z.string().max(1024).optional(),
    useAgent: z.boolean().optional(),
    sudoPassword: z.string().max(1024).optional(),
    /** Keep them for next time (desktop only, encrypted with the OS keychain). */
    remember: z.boolean().default(false),
  })
  .strict();

export const TrustHostKeyInput = z
  .object({
    host: Host,
    port: Port.default(22),
    fingerprint: z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/),
    replace: z.boolean().default(false),
  })
  .strict();

export const ConnectivityInput = z
  .object({
    nodes: z
      .array(
        HostRefInput.extend({
          id: z.string().min(1).max(253),
          role: z.enum(['server', 'agent']),
          address: Host,
          /** A server's own API port (its https-listen-port); apiPort when absent. */
          apiPort: Port.optional(),
        }),
      )
      .min(2)
      .max(64),
    apiPort: Port.optional(),
    flannelBackend: z.enum(FLANNEL_BACKENDS).optional(),
    embeddedEtcd: z.boolean().optional(),
  })
  .strict();

export const ImportedHostSchema = z.object({
  /** The name used after `Host`. */
  alias: z.string(),
  host: z.string(),
  port: z.number(),
  user: nullableString,
  identityFile: nullableString,
  /** `user@host:port` of the jump host, as written; `none` is dropped. */
  proxyJump: nullableString,
});
export type ImportedHost = z.infer<typeof ImportedHostSchema>;
