/**
 * File pickers through main, for every front. The native dialogs are injected (`Dialogs`,
 * Electron's in the desktop front); without them each call fails with UNSUPPORTED so the UI
 * falls back to a text field or a browser download. Plain Node: no Electron import here.
 */
import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { FileFilter, OpenFileInput, OpenFolderInput, SaveFileInput } from '../../shared/desktop';
import { AppError } from '../../shared/errors';

/** The native dialogs; each resolves to the chosen path, or null when the user cancelled. */
export interface Dialogs {
  openFile(options: { title: string; filters?: FileFilter[]; defaultPath?: string }): Promise<string | null>;
  openFolder(options: { title: string; defaultPath?: string }): Promise<string | null>;
  saveFile(options: { title: string; defaultPath: string; filters?: FileFilter[] }): Promise<string | null>;
}

/**
 * Writes a whole file or nothing: a temporary file beside it, then a rename over it, so a
 * crash never leaves half a file. The new file gets `mode` whatever the old one had.
 */
export function writeFileAtomic(path: string, content: string, options: { mode?: number } = {}): void {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    writeFileSync(temp, content, { mode: options.mode ?? 0o644, flag: 'wx' });
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

export function expandHome(path: string, home = homedir()): string {
  return path === '~' ? home : path.startsWith('~/') ? join(home, path.slice(2)) : path;
}

const unsupported = (what: string) =>
  new AppError(
    'UNSUPPORTED',
    `There is no native ${what} here (browser or command line): type the path instead.`,
  );

export class FileDialogService {
  constructor(private readonly options: { dialogs?: Dialogs }) {}

  get native(): boolean {
    return this.options.dialogs !== undefined;
  }

  async openFile(input: OpenFileInput): Promise<{ path: string | null }> {
    const dialogs = this.require('file picker');
    const { defaultPath, ...rest } = input;
    return {
      path: await dialogs.openFile({
        ...rest,
        ...(defaultPath ? { defaultPath: expandHome(defaultPath) } : {}),
      }),
    };
  }

  async openFolder(input: OpenFolderInput): Promise<{ path: string | null }> {
    const dialogs = this.require('folder picker');
    const { defaultPath, ...rest } = input;
    return {
      path: await dialogs.openFolder({
        ...rest,
        ...(defaultPath ? { defaultPath: expandHome(defaultPath) } : {}),
      }),
    };
  }

  /** Asks where, then writes the file itself: the renderer never gets to write to the disk. */
  async saveFile(input: SaveFileInput): Promise<{ path: string | null }> {
    const dialogs = this.require('save dialog');
    const path = await dialogs.saveFile({
      title: input.title,
      defaultPath: expandHome(input.defaultPath),
      ...(input.filters ? { filters: input.filters } : {}),
    });
    if (path === null) return { path: null };
    try {
      writeFileAtomic(path, input.content, { mode: input.secret ? 0o600 : 0o644 });
    } catch (error) {
      const reason = error instanceof Error && 'code' in error ? String(error.code) : 'error';
      throw new AppError('FILE_ERROR', `Could not write ${path} (${reason}).`, { path });
    }
    return { path };
  }

  private require(what: string): Dialogs {
    if (!this.options.dialogs) throw unsupported(what);
    return this.options.dialogs;
  }
}
