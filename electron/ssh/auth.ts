/**
 * Login methods for one host: key file (with passphrase), ssh-agent (Pageant on Windows),
 * password and keyboard-interactive. Keys are read and checked here, before connecting, so a
 * missing or wrong passphrase is a clear error instead of a generic login failure.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import ssh2, { type AuthenticationType, type ConnectConfig } from 'ssh2';
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
