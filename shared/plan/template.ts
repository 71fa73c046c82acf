/** Templates: text with secret placeholders, filled by the engine, masked for people. */
import { stringify } from 'yaml';
import { REDACTED } from '../redact';
import { shQuote } from '../shell';
import type { SecretRef, Template, TemplatePart } from './types';

/** A value as one YAML line: double-quoted, escaped by the library (quotes, backslashes, newlines). */
function yamlScalar(value: string): string {
  return stringify(value, { defaultStringType: 'QUOTE_DOUBLE', lineWidth: 0 }).trimEnd();
}

function quoted(value: string, quote: 'sh' | 'yaml' | undefined): string {
  return quote === 'sh' ? shQuote(value) : quote === 'yaml' ? yamlScalar(value) : value;
}

export function text(value: string): TemplatePart {
  return { text: value };
}

export function secretsOf(template: Template): SecretRef[] {
  return [...new Set(template.flatMap((part) => ('secret' in part ? [part.secret] : [])))];
}

/** The real text, for the engine only. Throws when a secret is missing rather than write a blank. */
export function fillTemplate(
  template: Template,
  secrets: Readonly<Partial<Record<SecretRef, string>>>,
): string {
  return template
    .map((part) => {
      if ('text' in part) return part.text;
      const value = secrets[part.secret];
      if (value === undefined) throw new Error(`The secret "${part.secret}" is not available yet.`);
      return quoted(value, part.quote);
    })
    .join('');
}

/** For display: secrets masked unless `reveal` and their values are given. */
export function renderTemplate(
  template: Template,
  options: { reveal?: boolean; secrets?: Readonly<Partial<Record<SecretRef, string>>> } = {},
): string {
  return template
    .map((part) => {
      if ('text' in part) return part.text;
      const value = options.reveal ? options.secrets?.[part.secret] : undefined;
      if (value === undefined) return REDACTED;
      return quoted(value, part.quote);
    })
    .join('');
}
