import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../shared/errors';
import { readAirgapFolder } from './airgap-folder';

const SUM = 'a'.repeat(64);

describe('readAirgapFolder', () => {
  it('lists the files (not folders) and reads every sha256sum-*.txt', () => {
    const folder = mkdtempSync(join(tmpdir(), 'airgap-'));
    writeFileSync(join(folder, 'k3s-arm64'), 'binary');
    writeFileSync(
      join(folder, 'sha256sum-arm64.txt'),
      `${SUM}  k3s-arm64\n${SUM.toUpperCase()} *dir/x.tar\n`,
    );
    mkdirSync(join(folder, 'nested'));
    const inventory = readAirgapFolder(folder);
    expect(inventory.files.sort()).toEqual(['k3s-arm64', 'sha256sum-arm64.txt']);
    expect(inventory.sha256).toEqual({ 'k3s-arm64': SUM, 'x.tar': SUM });
  });

  it('says which folder it cannot read, as invalid input', () => {
    const missing = join(tmpdir(), 'airgap-missing-folder-k3s-wizard');
    expect(() => readAirgapFolder(missing)).toThrow(AppError);
    expect(() => readAirgapFolder(missing)).toThrow(`Cannot read the air-gap folder ${missing}`);
  });
});
