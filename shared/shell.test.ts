import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { envAssignments, shJoin, shQuote } from './shell';

/** Runs a command line through a real /bin/sh and returns what it printed. */
function sh(line: string): string {
  return execFileSync('/bin/sh', ['-c', line], { encoding: 'utf8' });
}

// Strings people and hosts produce, biased towards what breaks naive quoting.
const nasty = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({
    unit: fc.constantFrom(
      "'",
      '"',
      '\\',
      '$',
      '`',
      '(',
      ')',
      ' ',
      '\n',
      '\t',
      '*',
      '?',
      ';',
      '&',
      '|',
      '~',
      '#',
      '!',
      'a',
      'é',
      '🦀',
      '{',
      '}',
      '<',
      '>',
      '=',
    ),
  }),
  fc.constantFrom('$(id)', '`id`', "'; rm -rf / #", '"$HOME"', '\\', "it's", '-n', '-e', '--', '~root'),
);
const argvSafe = nasty.map((s) => s.replace(/\0/g, ''));

// Hundreds of real sh processes: seconds on a loaded 2-core machine, well past the 5 s default.
const SPAWNING = { timeout: 120_000 };

describe('shell quoting', () => {
  it('round-trips any string through a real sh', SPAWNING, () => {
    fc.assert(
      fc.property(argvSafe, (s) => {
        expect(sh(shJoin(['printf', '%s', s]))).toBe(s);
      }),
      { numRuns: 1200 },
    );
  });

  it('keeps every word of an argv apart', SPAWNING, () => {
    fc.assert(
      fc.property(fc.array(argvSafe, { minLength: 1, maxLength: 5 }), (words) => {
        const out = sh(shJoin(['printf', '%s\\0', ...words]));
        expect(out.split('\0').slice(0, -1)).toEqual(words);
      }),
      { numRuns: 300 },
    );
  });

  it('leaves plain words readable and quotes the rest', () => {
    expect(shQuote('/usr/local/bin/k3s')).toBe('/usr/local/bin/k3s');
    expect(shQuote('')).toBe("''");
    expect(shQuote("it's")).toBe("'it'\\''s'");
    expect(shJoin(['echo', 'a b', '$x'])).toBe("echo 'a b' '$x'");
  });

  it('passes env assignments through env literally', SPAWNING, () => {
    fc.assert(
      fc.property(argvSafe, (value) => {
        const line = shJoin([
          'env',
          ...envAssignments({ K3SW_VALUE: value }),
          'sh',
          '-c',
          'printf %s "$K3SW_VALUE"',
        ]);
        expect(sh(line)).toBe(value);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses environment names that are not names', () => {
    expect(() => envAssignments({ 'A B': 'x' })).toThrow(/not a valid environment variable name/i);
    expect(() => envAssignments({ '1X': 'x' })).toThrow();
    expect(envAssignments({ INSTALL_K3S_EXEC: 'agent' })).toEqual(['INSTALL_K3S_EXEC=agent']);
  });
});
