/**
 * Spec versions. Each older apiVersion gets a function that lifts it one version up; today
 * there is only v1, so the table is empty and the hook only checks what it is given.
 */
import type { SpecIssue } from './issues';
import { SPEC_API_VERSION } from './schema';

type Migration = (raw: Record<string, unknown>) => Record<string, unknown>;

/** apiVersion → migration to the next version. */
const MIGRATIONS: Readonly<Record<string, Migration>> = {};

export function migrateSpec(raw: unknown): { value: unknown; issues: SpecIssue[] } {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return {
      value: raw,
      issues: [
        { path: '', severity: 'error', message: 'A cluster file is a set of settings (a YAML mapping).' },
      ],
    };
  }
  let value = raw as Record<string, unknown>;
  for (let hops = 0; hops < 16; hops++) {
    const version = value.apiVersion;
    if (version === SPEC_API_VERSION || version === undefined) return { value, issues: [] };
    const migrate = typeof version === 'string' ? MIGRATIONS[version] : undefined;
    if (!migrate) {
      return {
        value,
        issues: [
          {
            path: 'apiVersion',
            severity: 'error',
            message: `This file is for ${JSON.stringify(version)}, which this k3s-wizard does not know; it reads ${SPEC_API_VERSION}.`,
          },
        ],
      };
    }
    value = migrate(value);
  }
  return {
    value,
    issues: [{ path: 'apiVersion', severity: 'error', message: 'The file’s version could not be migrated.' }],
  };
}
