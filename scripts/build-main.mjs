// Builds the main process, the preload and the command line with esbuild.
// Dependencies stay external (node_modules ships with the app); the preload is bundled with
// only the channel names because a sandboxed preload can only require 'electron'.
// `--watch` keeps rebuilding on every change until stopped; `--outdir DIR` builds elsewhere
// than out/ (the tests do).
import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { context } from 'esbuild';

const args = process.argv.slice(2);
const watch = args.includes('--watch');
const outIndex = args.indexOf('--outdir');
const outDir = outIndex >= 0 && args[outIndex + 1] ? args[outIndex + 1] : 'out';
const cli = join(outDir, 'cli', 'index.js');

const common = { bundle: true, platform: 'node', target: 'node20', sourcemap: true, logLevel: 'warning' };

/** Says when each rebuild in watch mode is done (the first build says nothing extra). */
const report = (name, after) => ({
  name: `report-${name}`,
  setup(build) {
    let first = true;
    build.onEnd(async (result) => {
      if (result.errors.length === 0 && after) await after();
      if (watch)
        console.log(`${first ? 'built' : 'rebuilt'} ${name}${result.errors.length ? ' (with errors)' : ''}`);
      first = false;
    });
  },
});

const contexts = await Promise.all([
  context({
    ...common,
    entryPoints: ['electron/main.ts'],
    outfile: join(outDir, 'main', 'index.js'),
    format: 'esm',
    packages: 'external',
    plugins: [report('main')],
  }),
  context({
    ...common,
    entryPoints: ['electron/preload.ts'],
    outfile: join(outDir, 'preload', 'index.cjs'),
    format: 'cjs',
    external: ['electron'],
    plugins: [report('preload')],
  }),
  context({
    ...common,
    entryPoints: ['electron/cli/index.ts'],
    outfile: cli,
    format: 'esm',
    packages: 'external',
    banner: { js: '#!/usr/bin/env node' },
    plugins: [report('cli', () => chmod(cli, 0o755))],
  }),
]);

if (watch) {
  await Promise.all(contexts.map((ctx) => ctx.watch()));
  console.log('watching electron/ and shared/ (Ctrl-C stops)');
  const stop = async () => {
    await Promise.all(contexts.map((ctx) => ctx.dispose()));
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} else {
  try {
    const results = await Promise.all(contexts.map((ctx) => ctx.rebuild()));
    if (results.some((r) => r.errors.length)) process.exitCode = 1;
  } catch {
    process.exitCode = 1;
  } finally {
    await Promise.all(contexts.map((ctx) => ctx.dispose()));
  }
}
