/**
 * Login methods for one host: key file (with passphrase), ssh-agent (Pageant on Windows),
 * password and keyboard-interactive. Keys are read and checked here, before connecting, so a
 * missing or wrong passphrase is a clear error instead of a generic login failure.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import ssh2, { type AuthenticationType, type Client, type ConnectConfig } from 'ssh2';
import { AppError } from '../../shared/errors';

// ssh2 is CommonJS: Node's ESM loader only sees some of its exports by name.
const { utils } = ssh2;

export interface SshCredentials {
  password?: string;
  /** Path to a private key file (OpenSSH or PEM). `~` is expanded. */
  identityFile?: string;
  /** The key itself, when it did not come from a file. */
  privateKey?: string;
  passphrase?: string;
  /** Use the ssh-agent (`SSH_AUTH_SOCK`, or Pageant on Windows). */
  useAgent?: boolean;
}

export function expandHome(path: string): string {
  return path === '~' ? homedir() : path.startsWith('~/') ? join(homedir(), path.slice(2)) : path;
}

/** The agent to use, if any: an explicit socket, else SSH_AUTH_SOCK, else Pageant on Windows. */
export function agentSocket(
  env: NodeJS.ProcessEnv = process.env,
  platform = process.platform,
): string | undefined {
  if (env.SSH_AUTH_SOCK) return env.SSH_AUTH_SOCK;
  return platform === 'win32' ? 'pageant' : undefined;
}

function loadKey(credentials: SshCredentials): Buffer | string | undefined {
  if (credentials.privateKey) return credentials.privateKey;
  if (!credentials.identityFile) return undefined;
  const path = expandHome(credentials.identityFile);
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new AppError('FILE_ERROR', `The key file ${path} could not be read (${code}).`, {
      identityFile: path,
    });
  }
}

/** Checks that the key parses with the passphrase given (or without one). */
function checkKey(key: Buffer | string, credentials: SshCredentials): void {
  const parsed = utils.parseKey(key, credentials.passphrase);
  if (!(parsed instanceof Error)) return;
  const where = credentials.identityFile ? `The key ${credentials.identityFile}` : 'The private key';
  const details = { identityFile: credentials.identityFile ?? null };
  if (/no passphrase given/i.test(parsed.message)) {
    throw new AppError('AUTH_FAILED', `${where} is protected by a passphrase: enter it.`, {
      ...details,
      reason: 'passphrase-required',
    });
  }
  if (/passphrase/i.test(parsed.message)) {
    throw new AppError('AUTH_FAILED', `${where} could not be unlocked: the passphrase is wrong.`, {
      ...details,
      reason: 'passphrase-wrong',
    });
  }
  throw new AppError('AUTH_FAILED', `${where} is not a private key ssh can use (${parsed.message}).`, {
    ...details,
    reason: 'key-invalid',
  });
}

/** The ssh2 options for these credentials, with the methods tried in a fixed, sensible order. */
export function authConfig(
  credentials: SshCredentials,
  env: NodeJS.ProcessEnv = process.env,
): Pick<ConnectConfig, 'privateKey' | 'passphrase' | 'agent' | 'password' | 'tryKeyboard' | 'authHandler'> {
  const methods: AuthenticationType[] = [];
  const config: ReturnType<typeof authConfig> = {};
  const key = loadKey(credentials);
  if (key !== undefined) {
    checkKey(key, credentials);
    config.privateKey = key;
    if (credentials.passphrase) config.passphrase = credentials.passphrase;
    methods.push('publickey');
  }
  const agent = credentials.useAgent ? agentSocket(env) : undefined;
  if (agent) {
    config.agent = agent;
    methods.push('agent');
  }
  if (credentials.password) {
    config.password = credentials.password;
    config.tryKeyboard = true;
    methods.push('password', 'keyboard-interactive');
  }
  if (methods.length === 0) {
    throw new AppError(
      'AUTH_FAILED',
      credentials.useAgent
        ? 'No ssh-agent is running (SSH_AUTH_SOCK is not set): choose a key file or a password.'
        : 'No login method was given: choose a key file, the ssh-agent or a password.',
      { reason: 'no-method' },
    );
  }
  config.authHandler = methods;
  return config;
}

/** Every secret value in a set of credentials, to register with the logger for redaction. */
export function secretsOf(credentials: SshCredentials): string[] {
  return [credentials.password, credentials.passphrase, credentials.privateKey].filter(
    (value): value is string => typeof value === 'string' && value.length > 0,
  );
}

type SignDone = (signature: Buffer) => void;
type SignWith = (data: Buffer, done: SignDone) => void;
type AuthPK = (username: string, key: unknown, keyAlgo?: string | SignWith, sign?: SignWith) => void;
interface PrivateKey {
  isPrivateKey(): boolean;
  sign(data: Buffer, hash?: string): Buffer | Error;
}
// The hash of each RSA signature algorithm (as ssh2 pairs them); other key types imply their own.
const RSA_HASHES: Record<string, string> = {
  'rsa-sha2-256': 'sha256',
  'rsa-sha2-512': 'sha512',
  'ssh-rsa': 'sha1',
};

function isPrivateKey(key: unknown): key is PrivateKey {
  const k = key as Partial<PrivateKey> | null;
  return typeof k?.isPrivateKey === 'function' && typeof k.sign === 'function' && k.isPrivateKey();
}

/**
 * A key file logs in in one round trip, not two. ssh2 first asks whether the server would take
 * the key (a request without a signature) and signs only once it says yes; RFC 4252 (section 7)
 * lets a client send the signed request at once, which OpenSSH's own server answers with success
 * or failure just the same (a key it does not take is refused, and the next method is tried).
 * Keys of the agent keep ssh2's way: the agent signs. Call right after `client.connect`; an ssh2
 * without this inner method (another version) keeps its own way.
 */
export function signKeyAtOnce(client: Client): void {
  const proto = (client as unknown as { _protocol?: { authPK?: AuthPK } })._protocol;
  const authPK = proto?.authPK;
  if (!proto || typeof authPK !== 'function') return;
  proto.authPK = (username, key, keyAlgo, sign) => {
    if (sign || typeof keyAlgo === 'function' || !isPrivateKey(key))
      return authPK.call(proto, username, key, keyAlgo, sign);
    const hash = keyAlgo ? RSA_HASHES[keyAlgo] : undefined;
    return authPK.call(proto, username, key, keyAlgo, (data, done) => {
      const signature = key.sign(data, hash);
      // Nothing is sent until done: a key that cannot sign here is asked about first, and
      // ssh2's own signing after the server's yes says why it failed.
      if (signature instanceof Error) authPK.call(proto, username, key, keyAlgo);
      else done(signature);
    });
  };
}
