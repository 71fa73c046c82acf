/** The sandboxed preload is bundled on its own: it must stay the channel list and a few lines. */
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

describe('the preload bundle', () => {
  it('holds no zod and no schema, only the channel names', async () => {
    const result = await build({
      entryPoints: ['electron/preload.ts'],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      external: ['electron'],
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((path) => path.includes('node_modules'))).toEqual([]);
    expect(inputs.sort()).toEqual([
      'electron/preload.ts',
      'shared/bridge.ts',
      'shared/channels.ts',
      'shared/errors.ts', // the error codes (plain data), for the renderer side's unwrap
    ]);
    const text = result.outputFiles[0]!.text;
    expect(text).toContain('hosts:probe');
    expect(text.length).toBeLessThan(16_000);
  });
});
