/**
 * What the probe learns about a host in one round trip. The types are derived from the schemas
 * in `facts-schema.ts` (one description, documented there); unknown is null, never a guess.
 */
import type { z } from 'zod';
import type {
  FirewalldFactsSchema,
  FirewalldZoneSchema,
  FirewallFactsSchema,
  HostFactsSchema,
  K3sArchSchema,
  K3sFactsSchema,
  ListenerSchema,
  NetAddressSchema,
  UfwFactsSchema,
  UfwRuleSchema,
} from './facts-schema';

export type K3sArch = z.output<typeof K3sArchSchema>;
export type NetAddress = z.output<typeof NetAddressSchema>;
export type FirewalldZone = z.output<typeof FirewalldZoneSchema>;
export type FirewalldFacts = z.output<typeof FirewalldFactsSchema>;
export type UfwRule = z.output<typeof UfwRuleSchema>;
export type UfwFacts = z.output<typeof UfwFactsSchema>;
export type FirewallFacts = z.output<typeof FirewallFactsSchema>;
export type FirewallKind = NonNullable<FirewallFacts['kind']>;
export type Listener = z.output<typeof ListenerSchema>;
export type K3sFacts = z.output<typeof K3sFactsSchema>;
export type HostFacts = z.output<typeof HostFactsSchema>;
