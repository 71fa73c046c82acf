// `npm run bench`: runs every e2e/bench/*.bench.ts with tsx, one after another, and lets each
// print its own figures. Options go through the environment (see each bench file's header).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const dir = join(import.meta.dirname, '..', 'e2e', 'bench');
const only = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((name) => name.endsWith('.bench.ts'))
  .filter((name) => only.length === 0 || only.some((word) => name.includes(word)))
  .sort();
if (files.length === 0) {
  console.error(`no benchmark in ${dir}${only.length ? ` matching ${only.join(', ')}` : ''}`);
  process.exit(2);
}
const tsx = join(import.meta.dirname, '..', 'node_modules', '.bin', 'tsx');
let failed = 0;
for (const file of files) {
  console.log(`\n== ${file}`);
  const run = spawnSync(tsx, [join(dir, file)], { stdio: 'inherit' });
  if (run.status !== 0) {
    failed += 1;
    console.error(`${file} failed (exit ${run.status ?? run.signal})`);
  }
}
process.exit(failed ? 1 : 0);
