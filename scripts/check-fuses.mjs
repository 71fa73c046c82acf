// Reads the Electron fuses of every packaged binary under dist/ and fails unless each is
// hardened as electron-builder.yml asks (run by `npm run dist`, after electron-builder).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { parse } from 'yaml';

const root = fileURLToPath(new URL('..', import.meta.url));
// How a fuse is stored in the wire: the characters '1' and '0'.
export const FUSE_ON = 0x31;
export const FUSE_OFF = 0x30;

/** electron-builder's option names → the fuse they set. */
export const FUSE_OF_OPTION = {
  runAsNode: FuseV1Options.RunAsNode,
  enableCookieEncryption: FuseV1Options.EnableCookieEncryption,
  enableNodeOptionsEnvironmentVariable: FuseV1Options.EnableNodeOptionsEnvironmentVariable,
  enableNodeCliInspectArguments: FuseV1Options.EnableNodeCliInspectArguments,
  enableEmbeddedAsarIntegrityValidation: FuseV1Options.EnableEmbeddedAsarIntegrityValidation,
  onlyLoadAppFromAsar: FuseV1Options.OnlyLoadAppFromAsar,
  grantFileProtocolExtraPrivileges: FuseV1Options.GrantFileProtocolExtraPrivileges,
};

/** The fuses electron-builder.yml asks for. */
export function configuredFuses(file = join(root, 'electron-builder.yml')) {
  return parse(readFileSync(file, 'utf8')).electronFuses ?? {};
}

/** The options whose fuse in `binary` is not in the configured state (empty when hardened). */
export async function fuseProblems(binary, fuses = configuredFuses()) {
  const wire = await getCurrentFuseWire(binary);
  return Object.entries(fuses)
    .filter(([option]) => option in FUSE_OF_OPTION)
    .filter(([option, on]) => wire[FUSE_OF_OPTION[option]] !== (on ? FUSE_ON : FUSE_OFF))
    .map(([option]) => option);
}

/** The packaged app binaries electron-builder leaves in dist/. */
export function builtBinaries(dist = join(root, 'dist')) {
  if (!existsSync(dist)) return [];
  return readdirSync(dist).flatMap((dir) => {
    const candidates = [
      join(dist, dir, 'k3s-wizard'),
      join(dist, dir, 'k3s-wizard.exe'),
      join(dist, dir, 'k3s-wizard.app'),
    ];
    return candidates.filter((path) => existsSync(path));
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const binaries = builtBinaries();
  if (binaries.length === 0) {
    console.error('check-fuses: no packaged binary under dist/ (run electron-builder first)');
    process.exit(1);
  }
  let failed = false;
  for (const binary of binaries) {
    const problems = await fuseProblems(binary);
    console.log(`${binary}: ${problems.length ? `NOT hardened: ${problems.join(', ')}` : 'fuses hardened'}`);
    failed ||= problems.length > 0;
  }
  process.exit(failed ? 1 : 0);
}
