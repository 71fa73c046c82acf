import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeDraft } from '../../test-support/shared/draft';
import { AppError } from '../../shared/errors';
import { ClusterStore, slugify } from './store';

function setup() {
  const dataDir = mkdtempSync(join(tmpdir(), 'k3sw-clusters-'));
  let clock = Date.parse('2026-03-01T10:00:00.000Z');
  // Each save a minute after the last, so "newest first" is deterministic.
  const now = () => new Date((clock += 60_000));
  return { dataDir, store: new ClusterStore({ dataDir, now }) };
}

const codeOf = (run: () => unknown): string | undefined => {
  try {
    run();
  } catch (error) {
    return error instanceof AppError ? error.code : 'not an AppError';
  }
  return undefined;
};

describe('saved clusters', () => {
  it('saves a draft owner-only and loads it back as it was', () => {
    const { dataDir, store } = setup();
    const { slug, savedAt } = store.save({ draft: makeDraft() });
    expect(slug).toBe('home-lab');
    const file = join(dataDir, 'clusters', slug, 'draft.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dataDir, 'clusters', slug)).mode & 0o777).toBe(0o700);
    expect(store.load(slug)).toEqual({ ...makeDraft(), version: 1, savedAt });
    // Nothing but the draft is left behind: the temporary file was renamed over it.
    expect(readdirSync(join(dataDir, 'clusters', slug))).toEqual(['draft.json']);
  });

  it('gives a new cluster a free folder, and saving with its slug replaces it', () => {
    const { store } = setup();
    const first = store.save({ draft: makeDraft() });
    const second = store.save({ draft: makeDraft() });
    expect([first.slug, second.slug]).toEqual(['home-lab', 'home-lab-2']);
    const renamed = store.save({
      draft: makeDraft({ name: 'Renamed', step: 'done', reached: ['hosts', 'done'] }),
      slug: 'home-lab',
    });
    expect(store.list()).toEqual([
      { name: 'Renamed', slug: 'home-lab', savedAt: renamed.savedAt, hosts: 2, installed: true },
      { name: 'Home lab', slug: 'home-lab-2', savedAt: second.savedAt, hosts: 2, installed: false },
    ]);
  });

  it('lists nothing before the first save, and leaves out a damaged cluster', () => {
    const { dataDir, store } = setup();
    expect(store.list()).toEqual([]);
    store.save({ draft: makeDraft() });
    mkdirSync(join(dataDir, 'clusters', 'broken'));
    writeFileSync(join(dataDir, 'clusters', 'broken', 'draft.json'), '{ not json');
    mkdirSync(join(dataDir, 'clusters', 'empty'));
    expect(store.list().map((c) => c.slug)).toEqual(['home-lab']);
    expect(codeOf(() => store.load('broken'))).toBe('FILE_ERROR');
    expect(codeOf(() => store.load('empty'))).toBe('NOT_FOUND');
  });

  it('refuses a draft holding a secret, even when the contract was skipped', () => {
    const { dataDir, store } = setup();
    const draft = makeDraft();
    const sneaky = { ...draft, hosts: [{ ...draft.hosts[0]!, passphrase: 'pp-secret' }] };
    expect(() => store.save({ draft: sneaky })).toThrow(/hosts\.0\.passphrase/);
    expect(codeOf(() => store.save({ draft: sneaky }))).toBe('INVALID_INPUT');
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it('refuses a draft that does not have the shape, writing nothing', () => {
    const { dataDir, store } = setup();
    expect(codeOf(() => store.save({ draft: makeDraft({ name: '  ' }) }))).toBe('INVALID_INPUT');
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it('deletes a saved cluster and nothing outside the clusters folder', () => {
    const { dataDir, store } = setup();
    const { slug } = store.save({ draft: makeDraft() });
    writeFileSync(join(dataDir, 'known_hosts'), 'keep me');
    expect(codeOf(() => store.delete('..'))).toBe('INVALID_INPUT');
    expect(codeOf(() => store.load('../known_hosts'))).toBe('INVALID_INPUT');
    expect(codeOf(() => store.delete('nothing-here'))).toBe('NOT_FOUND');
    store.delete(slug);
    expect(store.list()).toEqual([]);
    expect(readFileSync(join(dataDir, 'known_hosts'), 'utf8')).toBe('keep me');
  });

  it('makes folder names from any cluster name', () => {
    expect(slugify('My Lab #2')).toBe('my-lab-2');
    expect(slugify('Café Ünïcode')).toBe('cafe-unicode');
    expect(slugify('日本')).toBe('cluster');
    expect(slugify('x'.repeat(100))).toHaveLength(48);
  });
});
