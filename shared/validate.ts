/**
 * Validation of what people type and what remote hosts report: each returns null when the
 * value is fine, or one sentence saying what is wrong and what to do.
 */

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HOSTNAME_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;

export function isIPv4(value: string): boolean {
  return IPV4.test(value);
}

export function isIPv6(value: string): boolean {
  if (!/^[0-9a-f:.]+$/i.test(value) || !value.includes(':')) return false;
  const parts = value.split('::');
  if (parts.length > 2) return false;
  const groups = (part: string): string[] => (part === '' ? [] : part.split(':'));
  const all = parts.flatMap(groups);
  const last = all.at(-1);
  const hasV4 = last !== undefined && last.includes('.');
  if (hasV4 && !isIPv4(last)) return false;
  const hex = hasV4 ? all.slice(0, -1) : all;
  if (!hex.every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return false;
  const count = hex.length + (hasV4 ? 2 : 0);
  return parts.length === 2 ? count < 8 : count === 8;
}

export function isHostname(value: string): boolean {
  if (value.length === 0 || value.length > 253) return false;
  const labels = value.replace(/\.$/, '').split('.');
  // A name made only of digits and dots is a mistyped IPv4 address, not a host name.
  if (labels.every((label) => /^\d+$/.test(label))) return false;
  return labels.every((label) => HOSTNAME_LABEL.test(label));
}

export function addressProblem(value: string): string | null {
  const trimmed = value.trim();
  if (!trimmed) return 'Enter the machine’s IP address or host name.';
  if (trimmed !== value) return 'Remove the spaces around the address.';
  if (isIPv4(value) || isIPv6(value) || isHostname(value)) return null;
  return `“${value}” is not an IP address or host name (for example 192.168.1.20 or pi1.local).`;
}

export function portProblem(value: number): string | null {
  return Number.isInteger(value) && value >= 1 && value <= 65535
    ? null
    : 'The SSH port must be a whole number from 1 to 65535 (usually 22).';
}

const POSIX_USER = /^[a-z_][a-z0-9_-]{0,31}\$?$/i;

export function userProblem(value: string): string | null {
  if (!value) return 'Enter the user to log in as (for example pi, ubuntu or root).';
  return POSIX_USER.test(value)
    ? null
    : `“${value}” is not a valid Linux user name: letters, digits, “_” and “-”, starting with a letter.`;
}

/** Kubernetes node names: RFC 1123 subdomain, lower case. */
export function nodeNameProblem(value: string): string | null {
  if (!value) return 'Enter a node name.';
  if (value.length > 253) return 'A node name can have at most 253 characters.';
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(value)) {
    return `“${value}” is not a valid node name: use lower-case letters, digits, “-” and “.”, starting and ending with a letter or digit.`;
  }
  return null;
}
