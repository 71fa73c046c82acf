// `npm test`: type checks, lint, unit tests, build, the lab suite (real hosts, root) and the
// end-to-end suite in headless Chromium. Ends with one line "N passed, N failed" that counts what
// really happened (see test-counts.mjs): a check that failed, a test file that failed before its
// tests, a skipped test and a suite that did not run are all failures.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { playwrightCounts, stepCounts, vitestCounts } from './test-counts.mjs';

const root = join(import.meta.dirname, '..');
const results = join(root, 'test-results');
rmSync(join(results, 'counts'), { recursive: true, force: true });
mkdirSync(join(results, 'counts'), { recursive: true });
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';

function run(title, command, args, env = {}) {
  console.log(`\n=== ${title}\n`);
  const started = Date.now();
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const status = result.status ?? 1;
  console.log(
    `\n=== ${title}: ${status === 0 ? 'ok' : `FAILED (exit ${result.status ?? result.signal})`} in ${seconds} s`,
  );
  return status;
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

const only = process.argv.slice(2);
const wanted = (name) => only.length === 0 || only.includes(name);
const summary = [];
const add = (title, c) => summary.push({ title, ...c });

if (wanted('typecheck'))
  add('type checks', stepCounts(run('type checks', 'npm', ['run', '--silent', 'typecheck'])));
if (wanted('lint')) add('lint', stepCounts(run('lint', 'npm', ['run', '--silent', 'lint'])));
for (const project of ['unit', 'lab']) {
  if (!wanted(project)) continue;
  const file = join(results, 'counts', `${project}.json`);
  const status = run(`${project} tests`, npx, [
    'vitest',
    'run',
    '--project',
    project,
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${file}`,
  ]);
  add(`${project} tests`, vitestCounts(readJson(file), status));
}
if (wanted('e2e')) {
  add('build', stepCounts(run('build', 'npm', ['run', '--silent', 'build'])));
  const file = join(results, 'counts', 'e2e.json');
  const status = run(
    'end-to-end tests (Chromium)',
    npx,
    ['playwright', 'test', '--config', 'e2e/playwright.config.ts', '--reporter=list,json'],
    { PLAYWRIGHT_JSON_OUTPUT_NAME: file },
  );
  add('end-to-end tests', playwrightCounts(readJson(file), status));
}

console.log('\n=== summary');
for (const s of summary) {
  console.log(`${s.title}: ${s.passed} passed, ${s.failed} failed`);
  for (const note of s.notes) console.log(`  - ${note}`);
}
const passed = summary.reduce((n, s) => n + s.passed, 0);
const failed = summary.reduce((n, s) => n + s.failed, 0);
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
