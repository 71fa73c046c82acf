/**
 * The one shell-quoting helper. Every command sent to a host is built from argv arrays
 * through these functions, never by pasting strings.
 */

/** Quotes one word for POSIX sh so that it is passed through literally. */
export function shQuote(word: string): string {
  if (word === '') return "''";
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Joins argv into one command line for sh, quoting every word. */
export function shJoin(argv: readonly string[]): string {
  return argv.map(shQuote).join(' ');
}

/** `NAME=value` assignments for `env`, quoted; names are checked, values are data. */
export function envAssignments(env: Readonly<Record<string, string>>): string[] {
  return Object.entries(env).map(([name, value]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
      throw new Error(`Not a valid environment variable name: ${name}`);
    return `${name}=${value}`;
  });
}
