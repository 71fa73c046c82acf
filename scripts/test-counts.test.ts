import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { playwrightCounts, stepCounts, vitestCounts } from './test-counts.mjs';

const root = join(import.meta.dirname, '..');

describe('npm test counts what really happened', () => {
  it('a real vitest run: a file failing in setup, one failing to load, skips and todos all count as failed', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'k3sw-counts-')), 'report.json');
    const run = spawnSync(
      join(root, 'node_modules', '.bin', 'vitest'),
      [
        'run',
        '--config',
        join(import.meta.dirname, 'fixtures/counts/vitest.config.mjs'),
        '--reporter=json',
        `--outputFile.json=${out}`,
      ],
      { cwd: root, encoding: 'utf8' },
    );
    expect(run.status).not.toBe(0);
    const counts = vitestCounts(JSON.parse(readFileSync(out, 'utf8')), run.status);
    // passes.fixture: 2 passed; setup-fails: 2 tests that never ran; import-fails: the file;
    // skips: a skip, a todo and a failure
    expect(counts.passed).toBe(2);
    expect(counts.failed).toBe(2 + 1 + 3);
  }, 60_000);

  it('a missing report, or a non-zero exit with nothing failed, is a failure', () => {
    expect(vitestCounts(undefined, 1)).toMatchObject({ passed: 0, failed: 1 });
    const clean = {
      testResults: [{ name: 'a', status: 'passed', assertionResults: [{ status: 'passed' }] }],
    };
    expect(vitestCounts(clean, 0)).toMatchObject({ passed: 1, failed: 0 });
    expect(vitestCounts(clean, 1)).toMatchObject({ passed: 1, failed: 1 });
  });

  it('playwright: skipped tests and errors outside tests count as failed', () => {
    const report = {
      stats: { expected: 5, flaky: 0, unexpected: 1, skipped: 2 },
      errors: [{ message: 'global setup' }],
    };
    expect(playwrightCounts(report, 1)).toMatchObject({ passed: 5, failed: 4 });
    expect(playwrightCounts(null, 1)).toMatchObject({ passed: 0, failed: 1 });
    expect(
      playwrightCounts({ stats: { expected: 3, flaky: 0, unexpected: 0, skipped: 0 }, errors: [] }, 0),
    ).toMatchObject({
      passed: 3,
      failed: 0,
    });
  });

  it('a check without tests counts one', () => {
    expect(stepCounts(0)).toMatchObject({ passed: 1, failed: 0 });
    expect(stepCounts(2)).toMatchObject({ passed: 0, failed: 1 });
  });
});
