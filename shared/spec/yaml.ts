/**
 * Reading and writing the spec as YAML. Parsing never throws on bad input: it returns every
 * problem with its path and, where the YAML has one, its line number.
 */
import {
  isDocument,
  isMap,
  isNode,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  stringify,
  type Document,
} from 'yaml';
import type { core } from 'zod';
import { formatPath, hasErrors, type PathSegment, type SpecIssue } from './issues';
import { migrateSpec } from './migrate';
import { ClusterSpec, type ClusterSpecInput } from './schema';
import { validateSpec } from './validate';

export interface ParsedSpec {
  /** Null when the shape is wrong; then `issues` says why. */
  spec: ClusterSpec | null;
  issues: SpecIssue[];
}

// Keys that hold a secret; allowed only as on/off flags (sudo.password: true).
const SECRET_KEY = /pass(word|phrase)|token|secret|private_?key/i;

function secretKeyIssues(
  value: unknown,
  path: PathSegment[] = [],
): { path: PathSegment[]; message: string }[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => secretKeyIssues(item, [...path, i]));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, item]) =>
    SECRET_KEY.test(key) && (typeof item === 'string' || typeof item === 'number')
      ? [
          {
            path: [...path, key],
            message: `Remove “${key}”: a cluster file never holds passwords, passphrases or tokens. The wizard takes them on its Hosts step; the command line asks on the terminal, or reads them from --secrets-file, --secrets-fd or the environment (see k3s-wizard apply --help). The K3s token is read from the server when needed.`,
          },
        ]
      : secretKeyIssues(item, [...path, key]),
  );
}

const TYPE_WORDS: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a group of settings',
};

function humanize(issue: core.$ZodIssue, field: string): string {
  if (!/^(Invalid|Too (small|big)|Unrecognized)/.test(issue.message)) return issue.message;
  switch (issue.code) {
    case 'invalid_type':
      if (/received undefined/.test(issue.message)) return `“${field}” is missing.`;
      return `“${field}” must be ${TYPE_WORDS[issue.expected] ?? issue.expected}.`;
    case 'invalid_value':
      return `“${field}” must be one of: ${issue.values.map(String).join(', ')}.`;
    case 'too_small':
      return issue.origin === 'array'
        ? `“${field}” needs at least ${String(issue.minimum)} entr${issue.minimum === 1 ? 'y' : 'ies'}.`
        : issue.origin === 'string'
          ? `“${field}” must not be empty.`
          : `“${field}” must be at least ${String(issue.minimum)}.`;
    case 'too_big':
      return `“${field}” must be at most ${String(issue.maximum)}.`;
    case 'invalid_union':
      return field === 'clients'
        ? '“clients” must be anywhere or a list of addresses and networks.'
        : `“${field}” does not have a valid form.`;
    default:
      return `“${field}”: ${issue.message}`;
  }
}

/** The line of `path` (its key, for a mapping entry), or of its nearest existing parent. */
function lineAt(
  doc: Document | null,
  lines: LineCounter | null,
  path: PathSegment[],
  key?: string,
): number | undefined {
  if (!doc || !lines) return undefined;
  const full = key === undefined ? path : [...path, key];
  for (let depth = full.length; depth > 0; depth--) {
    const parent: unknown = depth === 1 ? doc.contents : doc.getIn(full.slice(0, depth - 1), true);
    const last = full[depth - 1];
    if (isMap(parent)) {
      const pair = parent.items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === last);
      if (pair && isNode(pair.key) && pair.key.range) return lines.linePos(pair.key.range[0]).line;
    } else if (isSeq(parent) && typeof last === 'number') {
      const item = parent.items[last];
      if (isNode(item) && item.range) return lines.linePos(item.range[0]).line;
    }
  }
  return isNode(doc.contents) && doc.contents.range ? lines.linePos(doc.contents.range[0]).line : undefined;
}

/** YAML writes an empty setting (`ha:` with only comments under it) as null: treat it as not set. */
function dropNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropNulls);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== null)
      .map(([key, item]) => [key, dropNulls(item)]),
  );
}

/** Checks the shape of a plain object (e.g. from the UI) and applies defaults. */
export function parseSpecObject(
  raw: unknown,
  doc: Document | null = null,
  lines: LineCounter | null = null,
): ParsedSpec {
  const migrated = migrateSpec(dropNulls(raw));
  if (hasErrors(migrated.issues)) return { spec: null, issues: migrated.issues };
  const issues: SpecIssue[] = secretKeyIssues(migrated.value).map(({ path, message }) => ({
    path: formatPath(path),
    severity: 'error',
    message,
    line: lineAt(doc, lines, path),
  }));
  const secretPaths = new Set(issues.map((i) => i.path));
  const result = ClusterSpec.safeParse(migrated.value);
  if (result.success) return { spec: issues.length ? null : result.data, issues };
  for (const issue of result.error.issues) {
    const path = issue.path.filter((p): p is PathSegment => typeof p !== 'symbol');
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
    for (const key of keys) {
      const full = key === undefined ? path : [...path, key];
      const text = formatPath(full);
      if (secretPaths.has(text)) continue;
      const field = String(full.at(-1) ?? 'spec');
      issues.push({
        path: text,
        severity: 'error',
        message:
          key === undefined
            ? humanize(issue, field)
            : `Unknown setting “${key}”; check its spelling (k3s-wizard init writes a file listing every setting).`,
        line: lineAt(doc, lines, path, key),
      });
    }
  }
  return { spec: null, issues };
}

/** Parses cluster.yaml: YAML syntax, migration, shape. Meaning is checked by `loadSpec`. */
export function parseSpecYaml(text: string): ParsedSpec {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      spec: null,
      issues: doc.errors.map((error) => ({
        path: '',
        severity: 'error',
        message: `The file is not valid YAML: ${error.message.split('\n')[0] ?? error.message}`,
        line: lines.linePos(error.pos[0]).line,
      })),
    };
  }
  if (!isDocument(doc) || doc.contents === null) {
    return { spec: null, issues: [{ path: '', severity: 'error', message: 'The file is empty.' }] };
  }
  return parseSpecObject(doc.toJS(), doc, lines);
}

/** Parses and validates: every problem of the file at once. `spec` is null when there are errors. */
export function loadSpec(text: string): ParsedSpec {
  const parsed = parseSpecYaml(text);
  if (!parsed.spec) return parsed;
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  const issues = [
    ...parsed.issues,
    ...validateSpec(parsed.spec).map((issue) => ({
      ...issue,
      line: lineAt(doc, lines, pathSegments(issue.path)),
    })),
  ];
  return { spec: hasErrors(issues) ? null : parsed.spec, issues };
}

/** "nodes[2].labels.a" → ["nodes", 2, "labels", "a"]. */
export function pathSegments(path: string): PathSegment[] {
  return [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) =>
    m[2] !== undefined ? Number(m[2]) : (m[1] ?? ''),
  );
}

export function specToYaml(spec: ClusterSpecInput): string {
  return stringify(spec, { lineWidth: 0 });
}
