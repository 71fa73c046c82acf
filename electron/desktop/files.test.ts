import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SaveFileInput } from '../../shared/desktop';
import { AppError } from '../../shared/errors';
import { expandHome, FileDialogService, writeFileAtomic, type Dialogs } from './files';

const dir = () => mkdtempSync(join(tmpdir(), 'k3sw-files-'));

/** Dialogs that answer with fixed paths and record what they were asked. */
function fakeDialogs(answer: { open?: string | null; save?: string | null }) {
  const asked: unknown[] = [];
  const dialogs: Dialogs = {
    openFile: (options) => (asked.push(options), Promise.resolve(answer.open ?? null)),
    openFolder: (options) => (asked.push(options), Promise.resolve(answer.open ?? null)),
    saveFile: (options) => (asked.push(options), Promise.resolve(answer.save ?? null)),
  };
  return { dialogs, asked };
}

const codeOf = async (promise: Promise<unknown>) =>
  promise.then(
    () => 'resolved',
    (error: unknown) => (error instanceof AppError ? error.code : 'not an AppError'),
  );

describe('file pickers through main', () => {
  it('without native dialogs (browser, command line) every picker answers UNSUPPORTED', async () => {
    const files = new FileDialogService({});
    expect(files.native).toBe(false);
    expect(await codeOf(files.openFile({ title: 'Key' }))).toBe('UNSUPPORTED');
    expect(await codeOf(files.openFolder({ title: 'Bundle' }))).toBe('UNSUPPORTED');
    const save = SaveFileInput.parse({ title: 'Save', defaultPath: join(dir(), 'a'), content: 'x' });
    expect(await codeOf(files.saveFile(save))).toBe('UNSUPPORTED');
  });

  it('passes the pick through, with ~ expanded in the starting place', async () => {
    const { dialogs, asked } = fakeDialogs({ open: '/home/me/.ssh/id_ed25519' });
    const files = new FileDialogService({ dialogs });
    expect(files.native).toBe(true);
    await expect(files.openFile({ title: 'Key', defaultPath: '~/.ssh' })).resolves.toEqual({
      path: '/home/me/.ssh/id_ed25519',
    });
    expect(asked[0]).toEqual({ title: 'Key', defaultPath: expandHome('~/.ssh') });
    expect(expandHome('~/.ssh', '/h')).toBe('/h/.ssh');
    expect(expandHome('~', '/h')).toBe('/h');
    expect(expandHome('/etc/~x', '/h')).toBe('/etc/~x');
  });

  it('writes the saved file itself, owner-only when secret', async () => {
    const target = join(dir(), 'kubeconfig.yaml');
    const files = new FileDialogService({ dialogs: fakeDialogs({ save: target }).dialogs });
    const input = SaveFileInput.parse({
      title: 'Save',
      defaultPath: '~/k.yaml',
      content: 'apiVersion: v1\n',
      secret: true,
    });
    await expect(files.saveFile(input)).resolves.toEqual({ path: target });
    expect(readFileSync(target, 'utf8')).toBe('apiVersion: v1\n');
    expect(statSync(target).mode & 0o777).toBe(0o600);
  });

  it('replaces an existing file whole, with the new mode, leaving no temporary file', () => {
    const folder = dir();
    const target = join(folder, 'token');
    writeFileSync(target, 'old and longer', { mode: 0o644 });
    writeFileAtomic(target, 'new', { mode: 0o600 });
    expect(readFileSync(target, 'utf8')).toBe('new');
    expect(statSync(target).mode & 0o777).toBe(0o600);
    expect(readdirSync(folder)).toEqual(['token']);
  });

  it('writes nothing when the user cancels', async () => {
    const folder = dir();
    const files = new FileDialogService({ dialogs: fakeDialogs({ save: null }).dialogs });
    const input = SaveFileInput.parse({ title: 'Save', defaultPath: join(folder, 'x'), content: 'x' });
    await expect(files.saveFile(input)).resolves.toEqual({ path: null });
    expect(readdirSync(folder)).toEqual([]);
  });

  it('reports a path it cannot write to as FILE_ERROR, naming the path', async () => {
    const folder = dir();
    const target = join(folder, 'gone', 'kubeconfig.yaml');
    const files = new FileDialogService({ dialogs: fakeDialogs({ save: target }).dialogs });
    const input = SaveFileInput.parse({ title: 'Save', defaultPath: '/x', content: 'x' });
    const error = await files.saveFile(input).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'FILE_ERROR', details: { path: target } });
    expect((error as Error).message).toContain('ENOENT');
    expect(readdirSync(folder)).toEqual([]);
  });
});
