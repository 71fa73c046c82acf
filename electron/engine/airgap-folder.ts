/** What an air-gap folder on this computer holds: its files and the checksums it ships. */
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { AppError } from '../../shared/errors';
import { parseSha256Sums, type AirgapInventory } from '../../shared/plan';

/** Lists the air-gap folder and reads its checksum files. */
export function readAirgapFolder(folder: string): AirgapInventory {
  let files: string[];
  try {
    files = readdirSync(folder, { withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => entry.name);
  } catch (error) {
    throw new AppError(
      'INVALID_INPUT',
      `Cannot read the air-gap folder ${folder}: ${(error as Error).message}`,
    );
  }
  const sha256: Record<string, string> = {};
  for (const name of files.filter((f) => /^sha256sum-.*\.txt$/.test(f))) {
    const path = resolve(folder, name);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw new AppError(
        'INVALID_INPUT',
        `Cannot read the checksum file ${path}: ${(error as Error).message}`,
      );
    }
    Object.assign(sha256, parseSha256Sums(text));
  }
  return { files, sha256 };
}
