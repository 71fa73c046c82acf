/**
 * Join tokens under control: the bootstrap tokens `k3s token create` made (the join command's
 * expiring tokens), listed with `k3s token list` and revoked with `k3s token delete`, and
 * rotating the cluster (server) token with `k3s token rotate`: what it changes, the commands,
 * and the token put into a node's config.yaml or service env file. Pure: commands and parsing.
 */
import { isMap, parseDocument } from 'yaml';
import { z } from 'zod';
import { K3S_BIN } from '../plan/install';
import { shJoin } from '../shell';
import { parseK3sVersion } from './version';

/** The description every token k3s-wizard mints starts with (see shared/join.ts). */
export const APP_TOKEN_DESCRIPTION = 'k3s-wizard';

/** A bootstrap token's ID: six lower-case letters or digits (the public half of `id.secret`). */
export const TOKEN_ID = /^[a-z0-9]{6}$/;

export const BootstrapToken = z.strictObject({
  id: z.string().regex(TOKEN_ID),
  /** As K3s prints it: `23h`, `<forever>`. */
  ttl: z.string().max(32),
  /** RFC 3339, or null when it never expires. */
  expires: z.string().max(64).nullable(),
  usages: z.array(z.string().max(64)).max(16),
  description: z.string().max(512),
  groups: z.array(z.string().max(253)).max(16),
  /** Made by k3s-wizard (its description says so). */
  byApp: z.boolean(),
});
export type BootstrapToken = z.infer<typeof BootstrapToken>;

const MAX_TOKENS = 1000;

export const listTokensCommand = (): string => shJoin([K3S_BIN, 'token', 'list']);

export function deleteTokenCommand(id: string): string {
  if (!TOKEN_ID.test(id)) throw new Error(`“${id}” is not a token ID (six letters or digits, e.g. abc123).`);
  return shJoin([K3S_BIN, 'token', 'delete', id]);
}

/**
 * `k3s token list`'s table (TOKEN TTL EXPIRES USAGES DESCRIPTION EXTRA GROUPS, columns apart by
 * runs of spaces; the description may hold single spaces). The TOKEN column is the ID, or
 * `id.secret` on tools that print the whole token: only the ID is kept.
 */
export function parseTokenList(text: string): BootstrapToken[] {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  const head = lines.findIndex((line) => /^TOKEN\s+TTL\s+EXPIRES\s+USAGES\s+DESCRIPTION/.test(line));
  if (head < 0) {
    if (lines.length === 0) return [];
    throw new Error('`k3s token list` did not print its table of tokens.');
  }
  const header = lines[head] ?? '';
  const starts = ['TOKEN', 'TTL', 'EXPIRES', 'USAGES', 'DESCRIPTION', 'EXTRA GROUPS'].map((name) =>
    header.indexOf(name),
  );
  const out: BootstrapToken[] = [];
  for (const line of lines.slice(head + 1, head + 1 + MAX_TOKENS)) {
    const cell = (i: number): string => {
      const from = starts[i] ?? -1;
      const to = starts[i + 1] ?? -1;
      if (from < 0) return '';
      return (to > 0 ? line.slice(from, to) : line.slice(from)).trim();
    };
    const id = (cell(0).split('.')[0] ?? '').trim();
    if (!TOKEN_ID.test(id)) continue;
    const description = cell(4) === '<none>' ? '' : cell(4);
    const expires = cell(2);
    const groups = cell(5);
    out.push(
      BootstrapToken.parse({
        id,
        ttl: cell(1).slice(0, 32),
        expires: expires && expires !== '<never>' ? expires.slice(0, 64) : null,
        usages: cell(3) ? cell(3).split(',').slice(0, 16) : [],
        description: description.slice(0, 512),
        groups: groups && groups !== '<none>' ? groups.split(',').slice(0, 16) : [],
        byApp: description.startsWith(APP_TOKEN_DESCRIPTION),
      }),
    );
  }
  return out;
}

/** The first release of each minor line with `k3s token rotate` (K3s, October 2023). */
const ROTATE_SINCE: Record<number, number> = { 25: 14, 26: 9, 27: 6, 28: 2 };

/** Whether a K3s release (e.g. v1.33.5+k3s1) has `k3s token rotate`. */
export function supportsTokenRotate(version: string): boolean {
  const v = parseK3sVersion(version);
  if (!v || v.major !== 1) return false;
  if (v.minor > 28) return true;
  const since = ROTATE_SINCE[v.minor];
  return since !== undefined && v.patch >= since;
}

/** What rotating the cluster (server) token changes, for people, and how the app does it. */
export function rotateAdvice(options: {
  version: string;
  server: string;
  servers: string[];
  agents: string[];
}): {
  supported: boolean;
  lines: string[];
} {
  const supported = supportsTokenRotate(options.version);
  if (!supported)
    return {
      supported,
      lines: [
        `K3s ${options.version} cannot rotate the cluster token (k3s token rotate came with v1.28.2, v1.27.6, v1.26.9 and v1.25.14): upgrade K3s first.`,
      ],
    };
  return {
    supported,
    lines: [
      'Rotating the cluster token (k3s token rotate) changes:',
      '  - the token new servers and agents join with: every saved join command and K3S_TOKEN with the old one stops working;',
      '  - the key that encrypts the bootstrap data in the datastore (it is re-encrypted with the new token):',
      '    etcd snapshots taken before need the old token to be restored (keep a copy of the old',
      `    ${SERVER_TOKEN_FILE} with them; k3s-wizard keeps no token);`,
      `  - every server (${options.servers.join(', ')}) is restarted with the new token in its config.yaml,`,
      `    then every agent that joined with the old token (${options.agents.join(', ') || 'none'}), one at a time, each waited for until Ready.`,
      'Bootstrap tokens (k3s token create, the join commands k3s-wizard prints) are not affected: revoke them one by one instead.',
      `How: on ${options.server}, k3s token rotate (the old token read from its own token file, K3s makes the new`,
      'one); the new token goes into each node’s /etc/rancher/k3s/config.yaml (0600) and is never shown.',
      'A run that stops at a node continues from there when run again.',
    ],
  };
}

/** Where a server keeps the cluster (server) token, in secure format (K10<CA hash>::server:<password>). */
export const SERVER_TOKEN_FILE = '/var/lib/rancher/k3s/server/token';

// The existing token comes from the server's own file into k3s' environment, inside the remote
// shell: never on a command line, never through the app. No --new-token (it has no variable and
// would be on the command line): K3s makes the new one and writes it to the same file.
const ROTATE_SCRIPT = 'K3S_TOKEN="$(cat "$1")" || exit 1; export K3S_TOKEN; exec "$2" token rotate';

/** `k3s token rotate`, run as root on a server. */
export const rotateTokenCommand = (): string =>
  shJoin(['sh', '-c', ROTATE_SCRIPT, 'k3s-wizard-rotate', SERVER_TOKEN_FILE, K3S_BIN]);

/** Prints the server token (read into memory only, as a secret). */
export const readServerTokenCommand = (): string => shJoin(['cat', SERVER_TOKEN_FILE]);

/** What K3s prints once the rotation is done. */
export const ROTATED = /Token rotated, restart \S+ nodes with new token/;

/** A server token as K3s writes it, or as people give it (short form); bounded. */
export const SERVER_TOKEN = /^[A-Za-z0-9][A-Za-z0-9:._-]{7,511}$/;
/** A bootstrap token (id.secret), with or without the K10 prefix. */
const BOOTSTRAP = /^(?:K10[0-9a-f]+::)?[a-z0-9]{6}\.[a-z0-9]{16}$/;

export function isBootstrapToken(token: string): boolean {
  return BOOTSTRAP.test(token.trim());
}

/** The password part of a server token: `K10<hash>::server:<pw>`, `server:<pw>` and `<pw>` alike. */
export function tokenPassword(token: string): string {
  let t = token.trim();
  const sep = t.indexOf('::');
  if (t.startsWith('K10') && sep > 0) t = t.slice(sep + 2);
  return t.startsWith('server:') ? t.slice('server:'.length) : t;
}

/** Whether two server tokens are the same token (one may be the short form). */
export function sameServerToken(a: string, b: string): boolean {
  return tokenPassword(a) !== '' && tokenPassword(a) === tokenPassword(b);
}

/** The `token:` of a config.yaml (null when it has none); thrown, without quoting it, when not YAML. */
export function configToken(text: string): string | null {
  const doc = parseDocument(text);
  if (doc.errors.length) throw new Error('/etc/rancher/k3s/config.yaml is not valid YAML: fix it first.');
  if (doc.contents === null) return null;
  if (!isMap(doc.contents)) throw new Error('/etc/rancher/k3s/config.yaml is not a map of settings.');
  const value = doc.get('token');
  return typeof value === 'string' || typeof value === 'number' ? String(value) : null;
}

/** config.yaml with `token:` set to the new token, through the YAML library (comments and order kept). */
export function configWithToken(text: string, token: string): string {
  if (!SERVER_TOKEN.test(token)) throw new Error('The new token is not a K3s token.');
  const doc = parseDocument(text);
  if (doc.errors.length) throw new Error('/etc/rancher/k3s/config.yaml is not valid YAML: fix it first.');
  if (doc.contents !== null && !isMap(doc.contents))
    throw new Error('/etc/rancher/k3s/config.yaml is not a map of settings.');
  if (doc.contents === null) return `token: ${JSON.stringify(token)}\n`;
  doc.set('token', token);
  return doc.toString({ lineWidth: 0 });
}

/** The install script's service env file of a unit (K3S_* variables given to it, mode 0600). */
export const envFileOf = (unit: 'k3s' | 'k3s-agent'): string => `/etc/systemd/system/${unit}.service.env`;

/** The K3S_TOKEN of a service env file as the install script writes it (`K3S_TOKEN='x'`), or null. */
export const envFileToken = (text: string): string | null => envFileValue(text, 'K3S_TOKEN');

// Replaces the "$2" line of the env file "$1" with the value read from stdin (it reaches awk
// through its environment, never its arguments; an empty value drops the line); the file stays 0600.
const ENV_VALUE_SCRIPT = [
  'IFS= read -r T || exit 1',
  '[ -f "$1" ] || exit 3',
  'umask 077',
  `T="$T" V="$2" awk 'BEGIN { t = ENVIRON["T"]; v = ENVIRON["V"] } index($0, v "=") == 1 { if (t != "") print v "=\\047" t "\\047"; next } { print }' "$1" > "$1.k3s-wizard" || exit 1`,
  'chmod 0600 "$1.k3s-wizard" && mv -f "$1.k3s-wizard" "$1"',
].join('\n');

/** Puts the value given on stdin into the NAME= line of the unit's env file (K3S_TOKEN, K3S_URL). */
export const writeEnvValueCommand = (unit: 'k3s' | 'k3s-agent', name: 'K3S_TOKEN' | 'K3S_URL'): string =>
  shJoin(['sh', '-c', ENV_VALUE_SCRIPT, 'k3s-wizard-env', envFileOf(unit), name]);

/** Puts the token given on stdin into the K3S_TOKEN line of the unit's env file. */
export const writeEnvTokenCommand = (unit: 'k3s' | 'k3s-agent'): string =>
  writeEnvValueCommand(unit, 'K3S_TOKEN');

/** The NAME= value of a service env file (quoted or not), or null. */
export function envFileValue(text: string, name: 'K3S_TOKEN' | 'K3S_URL'): string | null {
  for (const line of text.split('\n').slice(0, 1000)) {
    const t = line.trim();
    if (!t.startsWith(`${name}=`)) continue;
    const raw = t.slice(name.length + 1).trim();
    const quoted = /^'(.*)'$/.exec(raw) ?? /^"(.*)"$/.exec(raw);
    return quoted ? (quoted[1] ?? '') : raw;
  }
  return null;
}
