/**
 * Redaction of secrets before anything is logged, emitted or shown.
 * Two layers: fields whose name says "secret", and known secret values wherever they appear.
 */
export const REDACTED = '••••••';

const SECRET_KEY = /pass(word|phrase)?|secret|token|private_?key|privatekey|credential|^key$|^pw$/i;

// K3s tokens (K10<hash>::user:password, or bootstrap id.secret) and PEM private keys.
const SECRET_PATTERNS: RegExp[] = [
  /K10[0-9a-f]{16,}::[^\s"'`]+/g,
  /\b[a-z0-9]{6}\.[a-z0-9]{16}\b/g,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
  /(client-key-data|token|password):\s*[^\s]+/gi,
];

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** Replaces every known secret value and every secret-looking pattern in a string. */
export function redactText(text: string, secrets: Iterable<string> = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 3) out = out.split(secret).join(REDACTED);
  }
  for (const pattern of SECRET_PATTERNS) {
    out = out.replace(pattern, (match) => {
      const colon = /^(client-key-data|token|password):/i.exec(match);
      return colon ? `${colon[1]}: ${REDACTED}` : REDACTED;
    });
  }
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
    out[key] =
      isSecretKey(key) && item !== undefined && item !== null && item !== '' && typeof item !== 'boolean'
        ? REDACTED
        : redactValue(item, list, depth + 1);
  }
  return out;
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
