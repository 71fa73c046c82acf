/**
 * The packaged app's Electron fuses: electron-builder flips them from electron-builder.yml
 * with @electron/fuses; scripts/check-fuses.mjs reads them back from the built binary.
 */
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FuseV1Options, FuseVersion, flipFuses, getCurrentFuseWire } from '@electron/fuses';
import { describe, expect, it } from 'vitest';
// @ts-expect-error -- a plain .mjs build script, without type declarations
import { builtBinaries, configuredFuses, FUSE_OF_OPTION, fuseProblems } from '../../scripts/check-fuses.mjs';

const ON = 0x31;
const OFF = 0x30;

type Fuses = Record<string, boolean>;
const check = {
  configured: configuredFuses as () => Fuses,
  problems: fuseProblems as (binary: string, fuses?: Fuses) => Promise<string[]>,
  built: builtBinaries as () => string[],
  fuseOf: FUSE_OF_OPTION as Record<string, FuseV1Options>,
};

/** A file laid out like an Electron binary's fuse wire, every fuse in Electron's default state. */
function fakeElectron(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'k3sw-fuses-')), 'electron');
  // Electron's defaults: run-as-node, NODE_OPTIONS, --inspect and file:// privileges on; the rest off.
  const wire = [1, 0, 1, 1, 0, 0, 0, 1].map((on) => (on ? ON : OFF));
  writeFileSync(
    path,
    Buffer.concat([
      Buffer.from('ELF…'),
      Buffer.from('dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX'),
      Buffer.from([1, wire.length, ...wire]),
      Buffer.from('…rest'),
    ]),
  );
  return path;
}

describe('Electron fuses of the packaged app', () => {
  it('electron-builder.yml asks for every hardening fuse', () => {
    expect(check.configured()).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('a binary is reported unhardened until the configured fuses are flipped in it, as electron-builder does', async () => {
    const binary = fakeElectron();
    expect(await check.problems(binary)).toEqual([
      'runAsNode',
      'enableCookieEncryption',
      'enableNodeOptionsEnvironmentVariable',
      'enableNodeCliInspectArguments',
      'enableEmbeddedAsarIntegrityValidation',
      'onlyLoadAppFromAsar',
      'grantFileProtocolExtraPrivileges',
    ]);
    const fuses = check.configured();
    const config: Partial<Record<FuseV1Options, boolean>> = {};
    for (const [option, on] of Object.entries(fuses)) {
      const fuse = check.fuseOf[option];
      if (fuse !== undefined) config[fuse] = on;
    }
    await flipFuses(binary, { version: FuseVersion.V1, ...config });
    expect(await check.problems(binary)).toEqual([]);
    const wire = await getCurrentFuseWire(binary);
    expect(wire[FuseV1Options.RunAsNode]).toBe(OFF);
    expect(wire[FuseV1Options.OnlyLoadAppFromAsar]).toBe(ON);
  });

  it('every binary built under dist/ (where one can be built here) has its fuses hardened', async () => {
    const built = check.built();
    for (const binary of built)
      expect({ binary, problems: await check.problems(binary) }).toEqual({ binary, problems: [] });
    // The same check, on a copy of a binary that was never flipped, finds the problems.
    const copy = join(mkdtempSync(join(tmpdir(), 'k3sw-fuses-')), 'k3s-wizard');
    copyFileSync(built[0] ?? fakeElectron(), copy);
    if (built.length === 0) expect(await check.problems(copy)).not.toEqual([]);
  });
});
