/**
 * Host keys in OpenSSH `known_hosts` format. The app keeps the keys the user accepted in its
 * own file (dataDir/known_hosts, 0600) and also honours the user's ~/.ssh/known_hosts
 * (hashed `|1|salt|hash` entries, `[host]:port`, wildcards and negations), read-only.
 */
import { createHash, createHmac } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export type HostKeyCheck =
  | { status: 'match' }
  /** A different key of the same type is on record: the host was re-installed or someone is in the way. */
  | { status: 'mismatch'; knownFingerprints: string[]; source: string }
  /** Nothing on record for this key type; `otherTypes` lists key types known for the host. */
  | { status: 'not-found'; otherTypes: string[] };

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

/** The name OpenSSH looks up: `host` on port 22, `[host]:port` otherwise. */
export function lookupName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
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
    return createHmac('sha1', salt).update(name).digest('base64') === hashed[2];
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
   * The app's own file decides first (it holds what the user accepted, including a re-trust
   * after a change); the user's files are consulted only for key types the app has no record of.
   */
  check(host: string, port: number, keyBlob: Buffer): HostKeyCheck {
    const keyType = keyTypeOf(keyBlob);
    const otherTypes = new Set<string>();
    for (const file of [this.appFile, ...this.userFiles]) {
      const entries = this.entriesFor(file, host, port).filter((e) => e.marker !== '@cert-authority');
      if (entries.some((e) => e.marker === '@revoked' && e.key.equals(keyBlob))) {
        return { status: 'mismatch', knownFingerprints: [], source: `${file} (revoked)` };
      }
      const sameType = entries.filter((e) => e.marker === null && e.keyType === keyType);
      if (sameType.some((e) => e.key.equals(keyBlob))) return { status: 'match' };
      if (sameType.length > 0) {
        return {
          status: 'mismatch',
          knownFingerprints: sameType.map((e) => fingerprintOf(e.key)),
          source: file,
        };
      }
      for (const e of entries) if (e.marker === null) otherTypes.add(e.keyType);
    }
    return { status: 'not-found', otherTypes: [...otherTypes] };
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
