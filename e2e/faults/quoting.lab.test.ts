// Property test of the one shell-quoting helper, through real shells on a lab host: 10,000
// generated node names, labels, paths and passwords (quotes, $, backticks, newlines, globs,
// Unicode) are passed as arguments, in batches, through both ways commands reach a host (the
// login shell's `sh -c`, and sudo's), and each must come back byte for byte.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shJoin } from '../../shared/shell';
import { clusterFile, labPool, type ClusterFile } from '../../test-support/engine/lab';
import { SshHostRunner } from '../../electron/engine/ssh-runner';
import type { SessionPool } from '../../electron/ssh/pool';
import { down, up, type LabHost } from '../lab/index';

const NAME = 'qt7';
const CASES = 10_000;
let cluster: ClusterFile;
let pool: SessionPool;
let runner: SshHostRunner;

beforeAll(async () => {
  await down([NAME]);
  const [host] = (await up([{ name: NAME, firewall: 'none' }])) as [LabHost];
  cluster = clusterFile('qt7q', [{ host, role: 'server' }]);
  const opened = await labPool(cluster);
  pool = opened.pool;
  runner = new SshHostRunner(pool, { host: host.address, port: host.port, user: host.user }, NAME);
}, 900_000);

afterAll(async () => {
  pool.closeAll();
  await down([NAME]);
});

const SPECIAL = [...'\'"\\$`!*?[]{}()<>|&;~#%^=-:,.@+ \t\n\r\u0001\u001b\u007f/'];
const codePoint = fc
  .integer({ min: 1, max: 0x10ffff })
  .filter((c) => c < 0xd800 || c > 0xdfff)
  .map((c) => String.fromCodePoint(c));
const char = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...SPECIAL) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: codePoint },
);
const text = (max: number) => fc.string({ unit: char, maxLength: max });

const nodeName = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/);
const label = fc.tuple(fc.stringMatching(/^[a-z0-9./-]{1,30}$/), text(20)).map(([k, v]) => `${k}=${v}`);
const path = fc.array(text(12), { minLength: 1, maxLength: 5 }).map((parts) => `/${parts.join('/')}`);
const password = text(40);
const anything = fc.oneof(
  nodeName,
  label,
  path,
  password,
  fc.constantFrom('', '-n', '--', '-e', '$(id)', '`id`', "'", '\\'),
);

/** Batches small enough for one SSH exec request. */
function batches(values: string[], maxChars = 30_000): string[][] {
  const out: string[][] = [[]];
  let size = 0;
  for (const value of values) {
    const quoted = shJoin([value]).length + 1;
    if (size + quoted > maxChars && (out.at(-1)?.length ?? 0) > 0) {
      out.push([]);
      size = 0;
    }
    out.at(-1)?.push(value);
    size += quoted;
  }
  return out;
}

describe('shell quoting through real shells', () => {
  it(`${CASES} generated values come back unchanged, with and without sudo`, async () => {
    const values = fc.sample(anything, { numRuns: CASES, seed: 7 });
    expect(values).toHaveLength(CASES);
    expect(values.some((v) => v.includes("'"))).toBe(true);
    expect(values.some((v) => v.includes('\n'))).toBe(true);
    const signal = AbortSignal.timeout(600_000);
    let index = 0;
    for (const batch of batches(values)) {
      const sudo = index++ % 2 === 1;
      const r = await runner.exec({
        command: shJoin(['printf', '%s\\000', ...batch]),
        sudo,
        timeoutMs: 60_000,
        signal,
        what: 'echo the arguments back',
      });
      expect(r.code, r.stderr).toBe(0);
      const back = r.stdout.split('\0').slice(0, -1);
      for (const [i, value] of batch.entries()) expect(back[i], JSON.stringify(value)).toBe(value);
      expect(back).toHaveLength(batch.length);
    }
    expect(index).toBeGreaterThan(2);
  });
});
