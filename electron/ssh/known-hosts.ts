/**
 * Host keys in OpenSSH `known_hosts` format. The app keeps the keys the user accepted in its
 * own file (dataDir/known_hosts, 0600) and also honours the user's ~/.ssh/known_hosts
 * (hashed `|1|salt|hash` entries, `[host]:port`, wildcards and negations), read-only.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface KnownKey {
  keyType: string;
  fingerprint: string;
}

export type HostKeyCheck =
  | { status: 'match' }
  /**
   * The host is on record with other keys: `changed` (same type, other key: re-installed, or
   * someone in the way), `type-changed` (it offers a type never seen for it: the classic
   * man-in-the-middle shape, never a first contact) or `revoked` (an `@revoked` line names it).
   */
  | {
      status: 'mismatch';
      reason: 'changed' | 'type-changed' | 'revoked';
      knownKeys: KnownKey[];
      knownFingerprints: string[];
      source: string;
    }
  /** Nothing at all on record for this host. */
  | { status: 'not-found' };

export interface KnownHostEntry {
  marker: '@revoked' | '@cert-authority' | null;
  patterns: string;
  keyType: string;
  key: Buffer;
}

/** `SHA256:…` as OpenSSH prints it (base64 without padding). */
export function fingerprintOf(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named inside an SSH public key blob ("ssh-ed25519", "ssh-rsa"…). */
export function keyTypeOf(keyBlob: Buffer): string {
  if (keyBlob.length < 4) return 'unknown';
  const length = keyBlob.readUInt32BE(0);
  if (length <= 0 || length > 64 || keyBlob.length < 4 + length) return 'unknown';
  return keyBlob.subarray(4, 4 + length).toString('latin1');
}

/**
 * The name OpenSSH looks up: `host` on port 22, `[host]:port` otherwise, lower-cased first
 * (ssh lower-cases the host name before it matches or hashes it).
 */
export function lookupName(host: string, port: number): string {
  const name = host.toLowerCase();
  return port === 22 ? name : `[${name}]:${port}`;
}

function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

function matchesOne(pattern: string, name: string): boolean {
  const hashed = /^\|1\|([^|]+)\|([^|]+)$/.exec(pattern);
  if (hashed) {
    const salt = Buffer.from(hashed[1] ?? '', 'base64');
    const want = Buffer.from(hashed[2] ?? '', 'base64');
    const got = createHmac('sha1', salt).update(name).digest();
    return want.length === got.length && timingSafeEqual(want, got);
  }
  return globToRegExp(pattern).test(name);
}

/** OpenSSH semantics: any negated pattern that matches wins (no match), else any positive one. */
export function hostMatches(patterns: string, name: string): boolean {
  let positive = false;
  for (const raw of patterns.split(',')) {
    if (raw.startsWith('!')) {
      if (matchesOne(raw.slice(1), name)) return false;
    } else if (matchesOne(raw, name)) {
      positive = true;
    }
  }
  return positive;
}

export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) continue;
    const fields = trimmed.split(/\s+/);
    let marker: KnownHostEntry['marker'] = null;
    if (fields[0] === '@revoked' || fields[0] === '@cert-authority') marker = fields.shift() as never;
    const [patterns, keyType, base64] = fields;
    if (!patterns || !keyType || !base64 || !/^[A-Za-z0-9+/]+=*$/.test(base64)) continue;
    entries.push({ marker, patterns, keyType, key: Buffer.from(base64, 'base64') });
  }
  return entries;
}

function readEntries(file: string): KnownHostEntry[] {
  try {
    return parseKnownHosts(readFileSync(file, 'utf8'));
  } catch {
    return []; // a missing or unreadable file knows no hosts
  }
}

export interface KnownHostsOptions {
  /** The app's own file, written when the user accepts a key. */
  appFile: string;
  /** Read-only files to honour, usually ~/.ssh/known_hosts. */
  userFiles?: string[];
}

export class KnownHosts {
  private readonly appFile: string;
  private readonly userFiles: string[];

  constructor(options: KnownHostsOptions) {
    this.appFile = options.appFile;
    this.userFiles = options.userFiles ?? [];
  }

  private entriesFor(file: string, host: string, port: number): KnownHostEntry[] {
    const name = lookupName(host, port);
    return readEntries(file).filter((entry) => hostMatches(entry.patterns, name));
  }

  /**
   * An `@revoked` line in any file wins. Then the app's own file decides when it knows the
   * host at all (it holds what the user accepted, including a re-trust after a change); else
   * the user's files. A host on record whose offered key is not among its keys is a mismatch,
   * whatever the type: only a host with no key on record is new.
   */
  check(host: string, port: number, keyBlob: Buffer): HostKeyCheck {
    const keyType = keyTypeOf(keyBlob);
    const files = [this.appFile, ...this.userFiles];
    const byFile = files.map((file) => ({
      file,
      entries: this.entriesFor(file, host, port).filter((e) => e.marker !== '@cert-authority'),
    }));
    for (const { file, entries } of byFile) {
      const revoked = entries.filter((e) => e.marker === '@revoked' && e.key.equals(keyBlob));
      if (revoked.length) {
        return {
          status: 'mismatch',
          reason: 'revoked',
          knownKeys: [],
          knownFingerprints: [],
          source: file,
        };
      }
    }
    for (const { file, entries } of byFile) {
      const keys = entries.filter((e) => e.marker === null);
      if (keys.length === 0) continue;
      if (keys.some((e) => e.key.equals(keyBlob))) return { status: 'match' };
      const knownKeys = keys.map((e) => ({ keyType: e.keyType, fingerprint: fingerprintOf(e.key) }));
      return {
        status: 'mismatch',
        reason: keys.some((e) => e.keyType === keyType) ? 'changed' : 'type-changed',
        knownKeys,
        knownFingerprints: knownKeys.map((k) => k.fingerprint),
        source: file,
      };
    }
    return { status: 'not-found' };
  }

  /** Key types on record for a host, so the client can prefer them when negotiating. */
  knownTypes(host: string, port: number): string[] {
    const types = new Set<string>();
    for (const file of [this.appFile, ...this.userFiles]) {
      for (const e of this.entriesFor(file, host, port)) if (e.marker === null) types.add(e.keyType);
    }
    return [...types];
  }

  /**
   * Records an accepted key in the app's file. `replace` drops every key the app file had for
   * this host first (the explicit re-trust after a change); without it, an existing different
   * key of the same type is kept and the new one is refused by the caller's check.
   */
  trust(host: string, port: number, keyBlob: Buffer, options: { replace?: boolean } = {}): void {
    const name = lookupName(host, port);
    let text = '';
    try {
      text = readFileSync(this.appFile, 'utf8');
    } catch {
      // first key ever: the file does not exist yet
    }
    const kept = text.split(/\r?\n/).filter((line) => {
      if (!line.trim()) return false;
      if (!options.replace) return true;
      const [entry] = parseKnownHosts(line);
      return !entry || !hostMatches(entry.patterns, name);
    });
    kept.push(`${name} ${keyTypeOf(keyBlob)} ${keyBlob.toString('base64')}`);
    mkdirSync(dirname(this.appFile), { recursive: true, mode: 0o700 });
    const tmp = `${this.appFile}.${process.pid}.tmp`;
    writeFileSync(tmp, `${kept.join('\n')}\n`, { mode: 0o600 });
    renameSync(tmp, this.appFile);
  }
}
