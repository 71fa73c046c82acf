// How `npm test` counts: every test that did not pass counts as failed (failed, skipped, todo),
// and so does a test file that failed before its tests ran, a suite that ran but exited non-zero
// with nothing failed in its report, and a suite whose report is missing (it did not run).

/** Vitest's JSON report (`--reporter=json`) and the exit status of its run. */
export function vitestCounts(report, status) {
  if (!report || !Array.isArray(report.testResults))
    return { passed: 0, failed: 1, notes: ['no report: the suite did not run'] };
  let passed = 0;
  let failed = 0;
  const notes = [];
  for (const file of report.testResults) {
    const tests = file.assertionResults ?? [];
    const ok = tests.filter((t) => t.status === 'passed').length;
    const notOk = tests.length - ok;
    passed += ok;
    failed += notOk;
    if (file.status !== 'passed' && notOk === 0) {
      // an import error or a failing beforeAll: the file itself is a failure
      failed += 1;
      notes.push(`${file.name}: failed before its tests (${String(file.message ?? '').split('\n')[0]})`);
    } else if (notOk > 0 && ok === 0 && tests.every((t) => t.status !== 'failed')) {
      notes.push(`${file.name}: ${notOk} test(s) did not run`);
    }
  }
  if (status !== 0 && failed === 0) {
    failed = 1;
    notes.push(`the run exited ${status} with every test passed (an unhandled error?)`);
  }
  return { passed, failed, notes };
}

/** Playwright's JSON report and the exit status of its run. */
export function playwrightCounts(report, status) {
  if (!report || !report.stats) return { passed: 0, failed: 1, notes: ['no report: the suite did not run'] };
  const { stats } = report;
  const notes = [];
  let failed = stats.unexpected + stats.skipped;
  const errors = Array.isArray(report.errors) ? report.errors.length : 0;
  if (errors > 0) notes.push(`${errors} error(s) outside any test`);
  failed += errors;
  if (stats.skipped > 0) notes.push(`${stats.skipped} test(s) skipped`);
  if (status !== 0 && failed === 0) {
    failed = 1;
    notes.push(`the run exited ${status} with every test passed`);
  }
  return { passed: stats.expected + stats.flaky, failed, notes };
}

/** A check without tests of its own (type checks, lint, build): one passed or one failed. */
export function stepCounts(status) {
  return status === 0
    ? { passed: 1, failed: 0, notes: [] }
    : { passed: 0, failed: 1, notes: [`exit ${status}`] };
}
