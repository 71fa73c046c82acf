/**
 * Hosts from the user's ~/.ssh/config, through the `ssh-config` parser (OpenSSH's
 * first-value-wins rules, `Host *` defaults, quoting). Include files are inlined first,
 * since the parser does not follow them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { LineType, SSHConfig } from 'ssh-config';
import type { ImportedHost } from '../../shared/probe/schema';
import { expandHome } from './auth';

export type { ImportedHost };

function globFiles(pattern: string): string[] {
  const dir = dirname(pattern);
  const name = basename(pattern);
  if (!/[*?]/.test(name)) return [pattern];
  const re = new RegExp(
    `^${name
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
  try {
    return readdirSync(dir)
      .filter((entry) => re.test(entry))
      .sort()
      .map((entry) => join(dir, entry));
  } catch {
    return [];
  }
}

/** The config text with `Include` lines replaced by the files they name (relative to ~/.ssh). */
export function inlineIncludes(text: string, sshDir = join(homedir(), '.ssh'), depth = 0): string {
  if (depth > 8) return text;
  return text
    .split(/\r?\n/)
    .map((line) => {
      const include = /^\s*include\s+(.+)$/i.exec(line);
      if (!include) return line;
      return (include[1] ?? '')
        .trim()
        .split(/\s+/)
        .flatMap((word) => {
          const path = expandHome(word.replace(/^"|"$/g, ''));
          return globFiles(isAbsolute(path) ? path : join(sshDir, path));
        })
        .map((file) => {
          try {
            return inlineIncludes(readFileSync(file, 'utf8'), sshDir, depth + 1);
          } catch {
            return '';
          }
        })
        .join('\n');
    })
    .join('\n');
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Every concrete host (no wildcard, no negation) declared in a config text. */
export function parseSshConfig(text: string, options: { sshDir?: string } = {}): ImportedHost[] {
  const config = SSHConfig.parse(inlineIncludes(text, options.sshDir));
  const aliases: string[] = [];
  for (const line of config) {
    if (line.type !== LineType.DIRECTIVE || line.param.toLowerCase() !== 'host' || !('config' in line))
      continue;
    const values = typeof line.value === 'string' ? line.value.split(/\s+/) : line.value.map((v) => v.val);
    for (const alias of values) {
      if (alias && !/[*?!]/.test(alias) && !aliases.includes(alias)) aliases.push(alias);
    }
  }
  return aliases.map((alias) => {
    const computed = config.compute(alias, { ignoreCase: true });
    const host = (first(computed.hostname) ?? alias).replace(/%h/g, alias);
    const port = Number(first(computed.port) ?? 22);
    const jump = first(computed.proxyjump);
    const identity = first(computed.identityfile);
    return {
      alias,
      host,
      port: Number.isInteger(port) && port > 0 && port < 65536 ? port : 22,
      user: first(computed.user) ?? null,
      identityFile: identity ? expandHome(identity.replace(/^"|"$/g, '')) : null,
      proxyJump: jump && jump.toLowerCase() !== 'none' ? jump : null,
    };
  });
}

/** Reads ~/.ssh/config (or another file); a missing file imports nothing. */
export function readSshConfig(path = join(homedir(), '.ssh', 'config')): ImportedHost[] {
  let text: string;
  try {
    text = readFileSync(expandHome(path), 'utf8');
  } catch {
    return [];
  }
  return parseSshConfig(text, { sshDir: dirname(expandHome(path)) });
}

/** Splits `[user@]host[:port]` (IPv6 in brackets) as used by ProxyJump and the command line. */
export function parseDestination(
  text: string,
): { user: string | null; host: string; port: number | null } | null {
  const at = text.lastIndexOf('@');
  const user = at > 0 ? text.slice(0, at) : null;
  const rest = at >= 0 ? text.slice(at + 1) : text;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  const plain = /^([^:[\]]+)(?::(\d+))?$/.exec(rest);
  const bare6 = rest.split(':').length > 2 && !rest.startsWith('[') ? rest : null;
  const match = bracketed ?? plain;
  const host = bare6 ?? match?.[1];
  if (!host) return null;
  const port = bare6 ? null : match?.[2] ? Number(match[2]) : null;
  if (port !== null && (port < 1 || port > 65535)) return null;
  return { user, host, port };
}
