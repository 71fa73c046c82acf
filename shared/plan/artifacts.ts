/**
 * Air-gap artifacts: which file in the local folder each architecture needs, and their checksums.
 * The folder is listed by the caller (main process); this module only reasons about names.
 */
import type { K3sArch } from '../facts';

/** What the caller found in the air-gap folder. */
export interface AirgapInventory {
  /** File names in the folder (no directories). */
  files: string[];
  /** sha256 by file name, from the folder's sha256sum-*.txt files. */
  sha256: Record<string, string>;
}

export const BINARY_BY_ARCH: Record<K3sArch, string> = { amd64: 'k3s', arm64: 'k3s-arm64', arm: 'k3s-armhf' };

const IMAGE_SUFFIXES = ['.tar.zst', '.tar.gz', '.tar'];

export function imagesName(arch: K3sArch, inventory: AirgapInventory | null): string | null {
  const names = IMAGE_SUFFIXES.map((suffix) => `k3s-airgap-images-${arch}${suffix}`);
  if (!inventory) return names[0] ?? null;
  return names.find((name) => inventory.files.includes(name)) ?? null;
}

/** Parses `sha256sum` output: "<hex>  <name>" (a "*" before the name marks binary mode). */
export function parseSha256Sums(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([0-9a-f]{64})\s+\*?(.+?)\s*$/i.exec(line);
    if (match?.[1] && match[2]) out[match[2].replace(/^.*\//, '')] = match[1].toLowerCase();
  }
  return out;
}

export function localPath(folder: string, name: string): string {
  return `${folder.replace(/[\\/]+$/, '')}/${name}`;
}
