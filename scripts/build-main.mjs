// Builds the main process, the preload and the command line with esbuild.
// Dependencies stay external (node_modules ships with the app); the preload is fully
// bundled because a sandboxed preload can only require 'electron'.
import { chmod } from 'node:fs/promises';
import { build } from 'esbuild';

const common = { bundle: true, platform: 'node', target: 'node20', sourcemap: true, logLevel: 'warning' };
const watch = process.argv.includes('--watch');

await Promise.all([
  build({
    ...common,
    entryPoints: ['electron/main.ts'],
    outfile: 'out/main/index.js',
    format: 'esm',
    packages: 'external',
  }),
  build({
    ...common,
    entryPoints: ['electron/preload.ts'],
    outfile: 'out/preload/index.cjs',
    format: 'cjs',
    external: ['electron'],
  }),
  build({
    ...common,
    entryPoints: ['electron/cli/index.ts'],
    outfile: 'out/cli/index.js',
    format: 'esm',
    packages: 'external',
    banner: { js: '#!/usr/bin/env node' },
  }),
]);
await chmod('out/cli/index.js', 0o755);
if (watch) console.log('built main, preload and cli');
