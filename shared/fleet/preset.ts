/**
 * The classroom preset the teacher locks: what every cluster of the class gets (K3s version,
 * disabled components, firewall policy, install source), how machines are named and logged in
 * to, how the fixes reboot, and what students are handed. A YAML file (`class.yaml`), so next
 * term's class starts from it. Its parts reuse the cluster spec's schemas: one of each.
 */
import { parseDocument, stringify } from 'yaml';
import { z } from 'zod';
import { formatPath, type SpecIssue } from '../spec/issues';
import { ClusterSpec, FIREWALL_POLICIES, NodeSpec } from '../spec/schema';

export const PRESET_API_VERSION = 'k3s-wizard/v1';
export const PRESET_KIND = 'ClassroomPreset';
export const DEFAULT_NAMING = 'pi-<group>-<n>';
const MAX_PRESET_CHARS = 100_000;

const spec = ClusterSpec.shape;
const node = NodeSpec.shape;

/** A Go duration as `k3s token create --ttl` and `kubectl create token --duration` take it. */
export const Duration = z
  .string()
  .regex(/^(\d+h)?(\d+m)?$/, { error: 'A duration is like 2h, 45m or 1h30m.' })
  .refine((d) => d !== '', { error: 'A duration is like 2h, 45m or 1h30m.' });

export const Preset = z.strictObject({
  apiVersion: z.literal(PRESET_API_VERSION, { error: `apiVersion must be ${PRESET_API_VERSION}.` }),
  kind: z.literal(PRESET_KIND, { error: `kind must be ${PRESET_KIND}.` }),
  /** The class; clusters are called `<name>-<group>`. */
  name: z.string().regex(/^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/, {
    error: 'The class name must be 1-32 lower-case letters, digits or dashes.',
  }),
  k3s: spec.k3s,
  install: spec.install,
  disable: spec.disable,
  firewall: z
    .strictObject({ policy: z.enum(FIREWALL_POLICIES).default('configure') })
    .default({ policy: 'configure' }),
  /** Node names: `<group>` and `<n>` (1, 2, … within the cluster; the server is 1). */
  naming: z
    .string()
    .max(40)
    .refine((n) => n.includes('<n>'), { error: 'The naming scheme needs <n>, e.g. pi-<group>-<n>.' })
    .default(DEFAULT_NAMING),
  login: z
    .strictObject({
      user: node.user,
      port: node.port,
      auth: node.auth,
      sudo: node.sudo,
    })
    .default({ user: 'pi', port: 22, auth: { method: 'agent' }, sudo: { password: false } }),
  /** Clusters to split a roster into when it has no group column. */
  clusters: z.number().int().min(1).max(50).optional(),
  fixes: z
    .strictObject({
      /** Pis rebooted at once (one power strip, one Wi-Fi). */
      rebootWave: z.number().int().min(1).max(50).default(5),
    })
    .default({ rebootWave: 5 }),
  build: z
    .strictObject({
      /** Machines worked on at once across the whole fleet (the mirror and the Wi-Fi). */
      concurrency: z.number().int().min(1).max(64).default(8),
    })
    .default({ concurrency: 8 }),
  handout: z
    .strictObject({
      /** A kubeconfig per student per cluster, each with its own namespace. */
      studentsPerCluster: z.number().int().min(0).max(50).default(2),
      namespacePrefix: z
        .string()
        .regex(/^[a-z]([a-z0-9-]{0,30}[a-z0-9])?$/, {
          error: 'The namespace prefix must be lower-case letters, digits or dashes, starting with a letter.',
        })
        .default('student'),
      /** How long student tokens and join tokens stay valid (the lesson). */
      ttl: Duration.default('2h'),
    })
    .default({ studentsPerCluster: 2, namespacePrefix: 'student', ttl: '2h' }),
});

export type Preset = z.output<typeof Preset>;
export type PresetInput = z.input<typeof Preset>;

export interface ParsedPreset {
  preset: Preset | null;
  issues: SpecIssue[];
}

/** Reads `class.yaml`; never throws on bad input. */
export function parsePreset(text: string): ParsedPreset {
  const error = (message: string): ParsedPreset => ({
    preset: null,
    issues: [{ path: '', severity: 'error', message }],
  });
  if (text.length > MAX_PRESET_CHARS) return error(`The preset is over ${MAX_PRESET_CHARS} characters.`);
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length)
    return error(`The preset is not valid YAML: ${doc.errors[0]?.message.split('\n')[0] ?? ''}`);
  const result = Preset.safeParse(doc.toJS());
  if (result.success) return { preset: result.data, issues: [] };
  return {
    preset: null,
    issues: result.error.issues.map((issue) => {
      const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
      const where = issue.code === 'unrecognized_keys' ? [...path, ...issue.keys] : path;
      return {
        path: formatPath(where),
        severity: 'error' as const,
        message:
          issue.code === 'unrecognized_keys'
            ? `Unknown setting “${issue.keys.join(', ')}”; check its spelling.`
            : issue.message,
      };
    }),
  };
}

export function presetToYaml(preset: PresetInput): string {
  return stringify(preset, { lineWidth: 0 });
}

/** A starting preset, as `k3s-wizard fleet --init-preset` writes it. */
export function starterPreset(name = 'class'): PresetInput {
  return {
    apiVersion: PRESET_API_VERSION,
    kind: PRESET_KIND,
    name,
    k3s: { channel: 'stable' },
    install: { source: 'online', scriptUrl: 'https://get.k3s.io' },
    disable: ['traefik'],
    firewall: { policy: 'configure' },
    naming: DEFAULT_NAMING,
    login: { user: 'pi', port: 22, auth: { method: 'agent' }, sudo: { password: false } },
    fixes: { rebootWave: 5 },
    build: { concurrency: 8 },
    handout: { studentsPerCluster: 2, namespacePrefix: 'student', ttl: '2h' },
  };
}
