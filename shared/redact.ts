/**
 * The one redaction of the app: everything that leaves the back end (log lines, events, error
 * messages, support bundles, exported scripts) goes through it. It knows two things: the
 * secret values registered at run time (passwords, passphrases, tokens read from a server),
 * in every form they can be printed in (plain, JSON-escaped, shell-quoted, URL-encoded), and
 * the shapes secrets take in K3s and SSH output (tokens, `--token x`, `K3S_TOKEN=x`,
 * `password: …`, JSON fields, `user:pass@` in URLs, PEM private keys as whole blocks).
 * Files are redacted by parsing: YAML by key name, env files by variable name.
 */
import { isMap, isPair, isScalar, isSeq, parseAllDocuments, Scalar, visit } from 'yaml';

export const REDACTED = '••••••';

/** A field or variable whose name says it holds a secret (spec fields, JSON, YAML, env). */
const SECRET_NAME =
  /pass(word|wd|phrase)?$|passw(or)?d|secret|token|private[-_]?key|privatekey|key[-_]?data|credential|^auth$|^key$|^pw$|^pwd$/i;
// The same words inside a longer name (`K3S_AGENT_TOKEN`, `oidc-client-secret`, `etcd-s3-secret-key`).
const SECRET_WORD = String.raw`(?:token|passw(?:or)?d|passphrase|secret|private[-_]?key|key[-_]?data|credential)`;

const HAS_SECRET_WORD = new RegExp(SECRET_WORD, 'i');

export function isSecretKey(key: string): boolean {
  return SECRET_NAME.test(key) || HAS_SECRET_WORD.test(key);
}

// A value as it appears after `=`, `:` or a space: double-quoted (with escapes), single-quoted
// (with the shell's '\'' joins), or a bare word. `${NAME}` and `$(…)` stand for a secret in a
// script (the person sets it), they are not one.
const NOT_A_VARIABLE = String.raw`(?!["']?\$(?:\{[A-Za-z_][A-Za-z0-9_]*[:}]|\())`;
const DQ = String.raw`"(?:[^"\\\n]|\\.)*"`;
const SQ = String.raw`'[^'\n]*'(?:\\''[^'\n]*')*`;
const BARE = String.raw`(?!["'])[^\s"',;}\]\\]+`;
const VALUE = `${NOT_A_VARIABLE}(?:${DQ}|${SQ}|${BARE})`;
// JSON-escaped quotes inside a JSON string: `\"token\":\"x\"`.
const ESCAPED_DQ = String.raw`\\"(?:[^"\\]|\\[^"])*\\"`;
// Names are matched whole and then tested (never with the secret word inside the pattern), so
// a hostile line of repeated words costs linear time, not quadratic.
const isSecretName = (name: string): boolean => HAS_SECRET_WORD.test(name);
// A key that names a secret, as it appears before `:`: the words above, or `auth` alone.
const isKeyName = (name: string): boolean => isSecretName(name) || name.toLowerCase() === 'auth';

interface Rule {
  pattern: RegExp;
  replace: (match: string, ...groups: string[]) => string;
}

const whole = (): string => REDACTED;

const RULES: Rule[] = [
  // PEM private keys as whole blocks (also JSON-escaped with literal \n); an unterminated one to the end.
  {
    pattern:
      /-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|$)/g,
    replace: whole,
  },
  // K3s secure tokens: K10<ca hash>::<user>:<password>.
  { pattern: /K10[0-9a-f]{16,}::[^\s"'`\\]+/gi, replace: whole },
  // Bootstrap tokens (`k3s token create`), id.secret, any case.
  { pattern: /\b[a-z0-9]{6}\.[a-z0-9]{16}\b/gi, replace: whole },
  // user:password@ in any URL (datastore endpoints, proxies, mirrors).
  {
    pattern: /\b([a-z][a-z0-9+.-]{0,31}:\/\/)([^\s/:@"']*):([^\s@/"']+)@/gi,
    replace: (_m, scheme: string, user: string) => `${scheme}${user}:${REDACTED}@`,
  },
  // Go MySQL DSNs without a scheme: user:password@tcp(host:port)/db.
  {
    pattern: /(?<![\w/:.-])([\w.-]+):([^\s@"'/]+)@(tcp|unix)\(/g,
    replace: (_m, user: string, _pw: string, net: string) => `${user}:${REDACTED}@${net}(`,
  },
];

/**
 * `name<separator>value` where the name says secret: the value masked. Found in one pass
 * (names matched whole, then tested; the value read only after a secret name), so a line of
 * repeated words costs linear time and a harmless `msg="…"` never hides a `K3S_TOKEN=` in it.
 */
interface NamedRule {
  head: RegExp;
  value: RegExp;
  isSecret: (name: string) => boolean;
}

const NAMED_RULES: NamedRule[] = [
  // Flags: --token=x, --token x, --agent-token "x", --oidc-client-secret='x'.
  {
    head: /(?<![\w-])(?<name>--[\w-]+)(?:=|[ \t]+)/gm,
    value: new RegExp(VALUE, 'y'),
    isSecret: isSecretName,
  },
  // NAME=value anywhere in a line: K3S_TOKEN=x, export X_PASSWORD='y', oidc-client-secret=z.
  { head: /(?<![\w.-])(?<name>[\w.-]+)=/gm, value: new RegExp(VALUE, 'y'), isSecret: isSecretName },
  // JSON fields: "token": "x".
  { head: /"(?<name>[\w.-]+)"\s*:\s*/g, value: new RegExp(String.raw`${DQ}`, 'y'), isSecret: isKeyName },
  // JSON-escaped: \"password\":\"y\".
  {
    head: /\\"(?<name>[\w.-]+)\\"\s*:\s*/g,
    value: new RegExp(ESCAPED_DQ, 'y'),
    isSecret: isKeyName,
  },
  // YAML `key: value` at the start of a line or in a flow mapping: quoted, or to the end of the
  // line (a password may hold spaces). Mid-sentence ("needs a password: set …") is prose.
  {
    head: /(?:^[ \t]*(?:-[ \t]+)?|[{,][ \t]*)["']?(?<name>[\w.-]+)["']?[ \t]*:[ \t]+/gm,
    value: new RegExp(String.raw`(?!"?${REDACTED})${NOT_A_VARIABLE}(?:${DQ}|${SQ}|(?![|>&*!\s]).*)`, 'y'),
    isSecret: isKeyName,
  },
];

function redactNamed(text: string, rule: NamedRule): string {
  const { head, value } = rule;
  let out = '';
  let last = 0;
  head.lastIndex = 0;
  for (let m = head.exec(text); m; m = head.exec(text)) {
    if (m[0] === '') head.lastIndex++;
    if (!rule.isSecret(m.groups?.name ?? '')) continue;
    value.lastIndex = head.lastIndex;
    const found = value.exec(text);
    if (!found || found[0] === '') continue;
    const quote = /^\\?"|^'/.exec(found[0])?.[0] ?? '';
    out += `${text.slice(last, head.lastIndex)}${quote}${REDACTED}${quote}`;
    last = head.lastIndex = value.lastIndex;
  }
  return last === 0 ? text : out + text.slice(last);
}

/** The forms a secret value can be printed in: as is, JSON-escaped, shell-quoted, URL-encoded. */
function formsOf(secret: string): string[] {
  const forms = new Set([secret]);
  forms.add(JSON.stringify(secret).slice(1, -1));
  const shellQuoted = (text: string): string => text.replace(/'/g, `'\\''`);
  forms.add(shellQuoted(secret));
  // Quoted twice: a command that holds it, itself quoted (sudo sh -c '…').
  forms.add(shellQuoted(shellQuoted(secret)));
  forms.add(encodeURIComponent(secret));
  forms.add(JSON.stringify(JSON.stringify(secret).slice(1, -1)).slice(1, -1));
  return [...forms].filter((form) => form.length >= 3);
}

/** Replaces every known secret value (in every form) and every secret-looking pattern in a string. */
export function redactText(text: string, secrets: Iterable<string> = []): string {
  let out = text;
  const forms = [...secrets].flatMap((s) => (s.length >= 3 ? formsOf(s) : []));
  // Longest first, so a secret that contains another is masked whole.
  for (const form of forms.sort((a, b) => b.length - a.length)) {
    if (out.includes(form)) out = out.split(form).join(REDACTED);
  }
  for (const rule of RULES) out = out.replace(rule.pattern, rule.replace as never);
  for (const rule of NAMED_RULES) out = redactNamed(out, rule);
  return out;
}

/** Deep copy with secret-named fields masked and secret values removed from strings. */
export function redactValue(value: unknown, secrets: Iterable<string> = [], depth = 0): unknown {
  const list = [...secrets];
  if (typeof value === 'string') return redactText(value, list);
  if (value === null || typeof value !== 'object') return value;
  if (depth > 8) return '[…]';
  if (Array.isArray(value)) return value.map((item) => redactValue(item, list, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    const scalar = typeof item === 'string' || typeof item === 'number';
    out[key] =
      isSecretKey(key) && scalar && item !== ''
        ? REDACTED
        : isSecretKey(key) && Array.isArray(item) && item.every((x) => typeof x === 'string')
          ? item.map(() => REDACTED)
          : redactValue(item, list, depth + 1);
  }
  return out;
}

/**
 * Every string inside a value redacted, the shape kept (no field is masked by its name): for
 * events and error payloads, whose field names are the contract's. A list of strings is taken
 * as consecutive lines of output, so a private key spread over several is masked whole.
 */
export function redactStrings<T>(value: T, secrets: Iterable<string> = [], depth = 0): T {
  const list = [...secrets];
  if (typeof value === 'string') return redactText(value, list) as T;
  if (value === null || typeof value !== 'object' || depth > 12) return value;
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) {
    const line = lineRedactor((text) => redactText(text, list));
    return (value as string[]).map((item) => line(item)) as T;
  }
  if (Array.isArray(value)) return value.map((item: unknown) => redactStrings(item, list, depth + 1)) as T;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    out[key] = redactStrings(item, list, depth + 1);
  }
  return out as T;
}

/** A short, redacted, single-line rendering of arguments for a log line. */
export function summarize(value: unknown, secrets: Iterable<string> = [], max = 300): string {
  let text: string;
  try {
    text = JSON.stringify(redactValue(value, secrets)) ?? String(value);
  } catch {
    text = '[unserialisable]';
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** `name=value` list items (`- "oidc-client-secret=x"` in kube-apiserver-arg) keep their name. */
function redactScalar(node: Scalar, secrets: string[]): void {
  if (typeof node.value !== 'string') return;
  const redacted = redactText(node.value, secrets);
  if (redacted !== node.value) node.value = redacted;
}

/**
 * A YAML file (K3s config.yaml, registries.yaml, a kubeconfig) with every value under a
 * secret-named key masked, and every other string redacted as text. null when it does not parse.
 */
export function redactYaml(text: string, secrets: Iterable<string> = []): string | null {
  const list = [...secrets];
  const docs = parseAllDocuments(text, { uniqueKeys: false });
  if (!Array.isArray(docs) || docs.some((doc) => doc.errors.length > 0)) return null;
  for (const doc of docs) {
    visit(doc, {
      Pair(_key, pair) {
        if (!isPair(pair) || !isScalar(pair.key)) return;
        const name = String(pair.key.value);
        if (!isSecretKey(name)) return;
        if (isScalar(pair.value) && pair.value.value !== null && typeof pair.value.value !== 'boolean') {
          pair.value = new Scalar(REDACTED);
        } else if (isSeq(pair.value)) {
          pair.value.items = pair.value.items.map((item) => (isMap(item) ? item : new Scalar(REDACTED)));
        }
      },
      Scalar(_key, node) {
        redactScalar(node, list);
      },
    });
  }
  return docs.map((doc) => doc.toString({ lineWidth: 0 })).join('');
}

/** An env file (k3s.service.env): every variable whose name says secret masked, the rest as text. */
export function redactEnvFile(text: string, secrets: Iterable<string> = []): string {
  const list = [...secrets];
  return text
    .split('\n')
    .map((line) => {
      const m = /^(\s*(?:export\s+)?)([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
      if (!m) return redactText(line, list);
      const [, prefix = '', name = ''] = m;
      return isSecretKey(name) ? `${prefix}${name}=${REDACTED}` : redactText(line, list);
    })
    .join('\n');
}

/** A file by its kind (from its name): YAML parsed, env files by variable, anything else as text. */
export function redactFile(name: string, text: string, secrets: Iterable<string> = []): string {
  const list = [...secrets];
  let out: string;
  if (/\.ya?ml$/i.test(name)) out = redactYaml(text, list) ?? text;
  else if (/\.env$|(^|\/)environment$/i.test(name)) out = redactEnvFile(text, list);
  else out = text;
  // Always the text pass too: PEM blocks whole, values in comments, what the parse could not see.
  return redactText(out, list);
}

/**
 * Redacts output that arrives line by line, where a PEM block spans lines: from a BEGIN …
 * PRIVATE KEY line to its END line every line is masked.
 */
export function lineRedactor(redact: (text: string) => string): (line: string) => string {
  let inKey = false;
  return (line) => {
    if (inKey) {
      if (/-----END [A-Z0-9 ]*PRIVATE KEY/.test(line)) inKey = false;
      return REDACTED;
    }
    if (/-----BEGIN [A-Z0-9 ]*PRIVATE KEY/.test(line) && !/-----END [A-Z0-9 ]*PRIVATE KEY/.test(line)) {
      inKey = true;
      return redact(line.slice(0, line.indexOf('-----BEGIN'))) + REDACTED;
    }
    return redact(line);
  };
}

/** The secrets one back end knows, and the redaction with them: one per back end. */
export class Redactor {
  private readonly values = new Set<string>();

  add(secret: string | undefined | null): void {
    if (secret && secret.length >= 3) this.values.add(secret);
  }

  get secrets(): Iterable<string> {
    return this.values;
  }

  text(text: string): string {
    return redactText(text, this.values);
  }

  value(value: unknown): unknown {
    return redactValue(value, this.values);
  }

  strings<T>(value: T): T {
    return redactStrings(value, this.values);
  }

  file(name: string, text: string): string {
    return redactFile(name, text, this.values);
  }
}
