// `npm test`: type checks, lint, unit tests, build, the lab suite (real hosts, root) and the
// end-to-end suite in headless Chromium. Ends with one line "N passed, N failed".
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

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
  console.log(
    `\n=== ${title}: ${result.status === 0 ? 'ok' : `FAILED (exit ${result.status ?? result.signal})`} in ${seconds} s`,
  );
  return result.status === 0;
}

function vitestCounts(file) {
  try {
    const report = JSON.parse(readFileSync(file, 'utf8'));
    return { passed: report.numPassedTests, failed: report.numFailedTests + (report.success ? 0 : 0) };
  } catch {
    return { passed: 0, failed: 1 };
  }
}

function playwrightCounts(file) {
  try {
    const { stats } = JSON.parse(readFileSync(file, 'utf8'));
    return { passed: stats.expected + stats.flaky, failed: stats.unexpected };
  } catch {
    return { passed: 0, failed: 1 };
  }
}

const only = process.argv.slice(2);
const wanted = (name) => only.length === 0 || only.includes(name);
let ok = true;
const counts = { passed: 0, failed: 0 };
const add = (c) => {
  counts.passed += c.passed;
  counts.failed += c.failed;
};

if (wanted('typecheck')) ok = run('type checks', 'npm', ['run', '--silent', 'typecheck']) && ok;
if (wanted('lint')) ok = run('lint', 'npm', ['run', '--silent', 'lint']) && ok;
for (const project of ['unit', 'lab']) {
  if (!wanted(project)) continue;
  const file = join(results, 'counts', `${project}.json`);
  ok =
    run(`${project} tests`, npx, [
      'vitest',
      'run',
      '--project',
      project,
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${file}`,
    ]) && ok;
  add(vitestCounts(file));
}
if (wanted('e2e')) {
  ok = run('build', 'npm', ['run', '--silent', 'build']) && ok;
  const file = join(results, 'counts', 'e2e.json');
  ok =
    run(
      'end-to-end tests (Chromium)',
      npx,
      ['playwright', 'test', '--config', 'e2e/playwright.config.ts', '--reporter=list,json'],
      {
        PLAYWRIGHT_JSON_OUTPUT_NAME: file,
      },
    ) && ok;
  add(playwrightCounts(file));
}

console.log(`\n${counts.passed} passed, ${counts.failed} failed`);
process.exit(ok && counts.failed === 0 ? 0 : 1);
