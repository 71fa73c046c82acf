/**
 * Where `apply` (and `uninstall`, `bundle`) get the secrets a cluster file never holds:
 *
 *  1. a secrets file (`--secrets-file`, mode 0600) or a file descriptor (`--secrets-fd`), YAML:
 *       all:   { sshPassword: …, sudoPassword: …, keyPassphrase: … }   # every node
 *       nodes: { pi1: { sudoPassword: … } }                           # one node (wins)
 *  2. the environment: K3S_WIZARD_SSH_PASSWORD, K3S_WIZARD_SUDO_PASSWORD, K3S_WIZARD_KEY_PASSPHRASE
 *  3. on a terminal, a question per distinct login (never echoed): one SSH password per user,
 *     one sudo password per user, one passphrase per key file.
 */
import { Option, type Command } from 'commander';
import { fstatSync, readFileSync, statSync } from 'node:fs';
import ssh2 from 'ssh2';
import { parse } from 'yaml';
import { z } from 'zod';
import { AppError } from '../../shared/errors';
import type { ClusterSpec, NodeSpec } from '../../shared/spec';
import { expandHome } from '../ssh/auth';

export interface NodeSecrets {
  sshPassword?: string;
  sudoPassword?: string;
  keyPassphrase?: string;
}

export type SecretKind = keyof NodeSecrets;

const Secret = z.string().min(1).max(4096);
const NodeSecretsSchema = z.strictObject({
  sshPassword: Secret.optional(),
  sudoPassword: Secret.optional(),
  keyPassphrase: Secret.optional(),
});
const SecretsFileSchema = z.strictObject({
  all: NodeSecretsSchema.optional(),
  nodes: z.record(z.string().max(253), NodeSecretsSchema).optional(),
});
type SecretsFile = z.infer<typeof SecretsFileSchema>;

const MAX_BYTES = 1024 * 1024;

export const SECRET_ENV: Record<SecretKind, string> = {
  sshPassword: 'K3S_WIZARD_SSH_PASSWORD',
  sudoPassword: 'K3S_WIZARD_SUDO_PASSWORD',
  keyPassphrase: 'K3S_WIZARD_KEY_PASSPHRASE',
};

const WHAT: Record<SecretKind, string> = {
  sshPassword: 'an SSH password',
  sudoPassword: 'a sudo password',
  keyPassphrase: 'the passphrase of its key',
};

export const SECRETS_HELP = `
Secrets (never in the cluster file, never on the command line):
  On a terminal, apply asks for each one it needs, without echo: one SSH password per
  user, one sudo password per user, one passphrase per key file.
  Without a terminal, give them in a YAML file of mode 0600 (--secrets-file FILE) or on a
  file descriptor (--secrets-fd N, e.g. 3<secrets.yaml):
    all:                      # every node
      sudoPassword: …
    nodes:
      pi1:                    # one node, by node name (wins over all)
        sshPassword: …
        keyPassphrase: …
  or in the environment (the same value for every node): K3S_WIZARD_SSH_PASSWORD,
  K3S_WIZARD_SUDO_PASSWORD, K3S_WIZARD_KEY_PASSPHRASE.`;

export interface SecretSource {
  file?: string;
  fd?: number;
}

export interface SecretPrompter {
  interactive: boolean;
  askSecret(question: string): Promise<string>;
}

/** `--secrets-fd N`: a whole number from 0 to 1023. */
export function parseFd(text: string): number {
  const fd = Number(text);
  if (!Number.isInteger(fd) || fd < 0 || fd > 1023)
    throw new AppError(
      'INVALID_INPUT',
      `--secrets-fd must be a file descriptor number (0 to 1023), not "${text}".`,
    );
  return fd;
}

function parseSecrets(text: string, where: string): SecretsFile {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch {
    // The YAML parser's message can quote the text: never show it.
    throw new AppError('INVALID_INPUT', `${where} is not valid YAML.`);
  }
  const parsed = SecretsFileSchema.safeParse(doc ?? {});
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new AppError(
      'INVALID_INPUT',
      `${where}: ${first?.path.join('.') || 'the file'} is not what it should be (keys: all, nodes.NAME; values: sshPassword, sudoPassword, keyPassphrase).`,
    );
  }
  return parsed.data;
}

/** Reads the secrets file or descriptor; a file must be private to its owner (0600). */
export function readSecretSource(source: SecretSource): SecretsFile | null {
  if (source.file !== undefined) {
    let mode: number;
    let size: number;
    try {
      ({ mode, size } = statSync(source.file));
    } catch {
      throw new AppError('INVALID_INPUT', `Cannot read the secrets file ${source.file}.`);
    }
    if ((mode & 0o077) !== 0)
      throw new AppError(
        'INVALID_INPUT',
        `The secrets file ${source.file} can be read by others (mode ${(mode & 0o777).toString(8)}): run chmod 600 ${source.file}.`,
      );
    if (size > MAX_BYTES)
      throw new AppError('INVALID_INPUT', `The secrets file ${source.file} is too large.`);
    return parseSecrets(readFileSync(source.file, 'utf8'), source.file);
  }
  if (source.fd !== undefined) {
    try {
      fstatSync(source.fd);
    } catch {
      throw new AppError(
        'INVALID_INPUT',
        `File descriptor ${source.fd} is not open (try --secrets-fd 3 3<secrets.yaml).`,
      );
    }
    const text = readFileSync(source.fd, 'utf8');
    if (text.length > MAX_BYTES)
      throw new AppError('INVALID_INPUT', `File descriptor ${source.fd} gave too much.`);
    return parseSecrets(text, `file descriptor ${source.fd}`);
  }
  return null;
}

/** A key file that cannot be used without a passphrase. */
function keyNeedsPassphrase(keyPath: string): boolean {
  try {
    const parsed = ssh2.utils.parseKey(readFileSync(expandHome(keyPath)));
    return parsed instanceof Error && /passphrase|encrypted/i.test(parsed.message);
  } catch {
    return false;
  }
}

/** What a node needs to log in and run sudo, and for which login a terminal question is shared. */
function needs(node: NodeSpec): { kind: SecretKind; login: string; required: boolean }[] {
  const out: { kind: SecretKind; login: string; required: boolean }[] = [];
  if (node.auth.method === 'password') out.push({ kind: 'sshPassword', login: node.user, required: true });
  if (node.auth.method === 'key')
    out.push({
      kind: 'keyPassphrase',
      login: node.auth.keyPath,
      required: keyNeedsPassphrase(node.auth.keyPath),
    });
  if (node.sudo.password) out.push({ kind: 'sudoPassword', login: node.user, required: true });
  return out;
}

function question(kind: SecretKind, login: string, nodes: string[]): string {
  const on =
    nodes.length > 3 ? `${nodes.slice(0, 3).join(', ')} and ${nodes.length - 3} more` : nodes.join(', ');
  if (kind === 'keyPassphrase') return `Passphrase of ${login} (for ${on}): `;
  return `${kind === 'sshPassword' ? 'SSH' : 'sudo'} password of ${login} on ${on}: `;
}

/** Every secret each node needs, by node name; asks on the terminal only for what is still missing. */
export async function gatherSecrets(options: {
  spec: ClusterSpec;
  env: NodeJS.ProcessEnv;
  source: SecretSource;
  terminal: SecretPrompter;
  onSecret: (secret: string) => void;
}): Promise<Map<string, NodeSecrets>> {
  const { spec, env, terminal } = options;
  const file = readSecretSource(options.source);
  const result = new Map<string, NodeSecrets>(spec.nodes.map((n) => [n.nodeName, {}]));
  const missing = new Map<string, { kind: SecretKind; login: string; nodes: string[] }>();
  for (const node of spec.nodes) {
    const secrets = result.get(node.nodeName)!;
    for (const need of needs(node)) {
      const value =
        file?.nodes?.[node.nodeName]?.[need.kind] ?? file?.all?.[need.kind] ?? env[SECRET_ENV[need.kind]];
      if (value) secrets[need.kind] = value;
      else if (need.required) {
        const key = `${need.kind}|${need.login}`;
        const entry = missing.get(key) ?? { kind: need.kind, login: need.login, nodes: [] };
        entry.nodes.push(node.nodeName);
        missing.set(key, entry);
      }
    }
  }
  for (const entry of missing.values()) {
    if (!terminal.interactive) {
      throw new AppError(
        'INVALID_INPUT',
        `${entry.nodes.join(', ')} ${entry.nodes.length === 1 ? 'needs' : 'need'} ${WHAT[entry.kind]} and there is no terminal to ask on: give it in a secrets file (--secrets-file, mode 0600), on a file descriptor (--secrets-fd), or in ${SECRET_ENV[entry.kind]} (see k3s-wizard apply --help).`,
      );
    }
    const value = await terminal.askSecret(question(entry.kind, entry.login, entry.nodes));
    if (!value)
      throw new AppError(
        'INVALID_INPUT',
        `No ${WHAT[entry.kind].replace(/^(an?|the) /, '')} was given; nothing was done.`,
      );
    for (const name of entry.nodes) result.get(name)![entry.kind] = value;
  }
  for (const secrets of result.values()) {
    for (const kind of Object.keys(SECRET_ENV) as SecretKind[]) {
      const value = secrets[kind];
      if (value) options.onSecret(value);
    }
  }
  return result;
}

/** The flags `addLoginOptions` adds, as commander hands them over. */
export interface LoginFlags {
  acceptNewHostKeys?: boolean;
  secretsFile?: string;
  secretsFd?: number;
}

/** Where `--secrets-file` / `--secrets-fd` say the secrets are (neither: the environment). */
export function secretSourceOf(flags: LoginFlags): SecretSource {
  return {
    ...(flags.secretsFile ? { file: flags.secretsFile } : {}),
    ...(flags.secretsFd !== undefined ? { fd: flags.secretsFd } : {}),
  };
}

/** The login options of every command that logs in to a cluster's machines. */
export function addLoginOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        '--accept-new-host-keys',
        'trust the key of a machine never seen before (never a changed one)',
      ),
    )
    .addOption(new Option('--secrets-file <file>', 'passwords and passphrases per node, YAML, mode 0600'))
    .addOption(
      new Option('--secrets-fd <n>', 'read the same YAML from this file descriptor').argParser(parseFd),
    );
}
