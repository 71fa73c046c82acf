// The air-gap files' hashes on this computer: read once per file for every host that asks.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof fs>();
  return { ...real, createReadStream: vi.fn(real.createReadStream) };
});

const { sha256Of } = await import('./local-files');

const hex = (content: string) => createHash('sha256').update(content).digest('hex');

describe('sha256Of', () => {
  it('reads a file once for many hosts asking at the same time, and again once it changes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sha-'));
    const file = join(dir, 'k3s');
    writeFileSync(file, 'binary one'.repeat(10_000));
    const reads = vi.mocked(fs.createReadStream);
    reads.mockClear();
    const signal = new AbortController().signal;
    const sums = await Promise.all(Array.from({ length: 9 }, () => sha256Of(file, signal)));
    expect(new Set(sums)).toEqual(new Set([hex('binary one'.repeat(10_000))]));
    expect(reads).toHaveBeenCalledTimes(1);
    await sha256Of(file, signal);
    expect(reads).toHaveBeenCalledTimes(1);
    writeFileSync(file, 'binary two');
    utimesSync(file, new Date(), new Date(Date.now() + 5_000));
    expect(await sha256Of(file, signal)).toBe(hex('binary two'));
    expect(reads).toHaveBeenCalledTimes(2);
  });

  it('one asker giving up does not cancel the read the others wait for', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sha-'));
    const file = join(dir, 'images.tar.zst');
    writeFileSync(file, 'images'.repeat(50_000));
    const gone = new AbortController();
    const leaving = sha256Of(file, gone.signal);
    const staying = sha256Of(file, new AbortController().signal);
    gone.abort(new Error('cancelled'));
    await expect(leaving).rejects.toThrow('cancelled');
    expect(await staying).toBe(hex('images'.repeat(50_000)));
  });

  it('a missing file is an error each time, not a cached one', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sha-')), 'k3s-arm64');
    const signal = new AbortController().signal;
    await expect(sha256Of(file, signal)).rejects.toMatchObject({ code: 'ENOENT' });
    writeFileSync(file, 'now here');
    expect(await sha256Of(file, signal)).toBe(hex('now here'));
  });
});
