/**
 * Redaction for support bundles, stricter than for logs: besides known secret values and the
 * usual patterns, any `key: value` / `KEY=value` whose key names a token, password or secret,
 * and any PEM private key or client-key-data, whatever the value looks like.
 */
import { REDACTED, redactText } from '../../shared/redact';

const KEY_LINE =
  /^(\s*[-\w".]*(?:token|password|passwd|secret|private[-_]?key|key-data)[-\w"]*\s*[:=]\s*)(\S.*)$/gim;
const ENV_LINE = /^(\s*(?:export\s+)?[A-Z0-9_]*(?:TOKEN|PASSWORD|SECRET)[A-Z0-9_]*=)(.*)$/gm;

export function redactBundleText(text: string, secrets: Iterable<string>): string {
  return redactText(text, secrets)
    .replace(KEY_LINE, (_m, key: string) => `${key}${REDACTED}`)
    .replace(ENV_LINE, (_m, key: string) => `${key}${REDACTED}`);
}
