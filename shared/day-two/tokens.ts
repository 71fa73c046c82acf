/**
 * Join tokens under control: the bootstrap tokens `k3s token create` made (the join command's
 * expiring tokens), listed with `k3s token list` and revoked with `k3s token delete`, and what
 * rotating the cluster token (`k3s token rotate`) would change. Pure: commands and parsing.
 */
import { z } from 'zod';
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

export const K3S = '/usr/local/bin/k3s';

export const listTokensCommand = (): string => shJoin([K3S, 'token', 'list']);

export function deleteTokenCommand(id: string): string {
  if (!TOKEN_ID.test(id)) throw new Error(`“${id}” is not a token ID (six letters or digits, e.g. abc123).`);
  return shJoin([K3S, 'token', 'delete', id]);
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

/** What rotating the cluster (server) token changes, for people, and how it is done. */
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
      '  - the token new servers and agents join with: every saved join command and K3S_TOKEN stops working;',
      '  - the key that encrypts the bootstrap data in the datastore (it is re-encrypted with the new token);',
      '    etcd snapshots taken before need the old token to be restored;',
      `  - every server (${options.servers.join(', ')}) must be restarted with the new token in its config,`,
      `    and every agent that joined with the old token (${options.agents.join(', ') || 'none'}) too, or it cannot rejoin after a restart.`,
      'Bootstrap tokens (k3s token create) are not affected: revoke them one by one instead.',
      `To rotate, on ${options.server} itself: sudo k3s token rotate --new-token NEW (the token is on that`,
      'command line, so run it there, not through a shared log), then put NEW in /etc/rancher/k3s/config.yaml',
      'of every node and restart the nodes one at a time.',
    ],
  };
}
