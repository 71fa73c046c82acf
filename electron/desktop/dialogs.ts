/**
 * Electron's native dialogs as the back end's `Dialogs`. Written against a structural view of
 * `dialog` (types only from Electron) so it is tested with a fake; used only by main.ts.
 */
import type {
  OpenDialogOptions,
  OpenDialogReturnValue,
  SaveDialogOptions,
  SaveDialogReturnValue,
} from 'electron';
import type { Dialogs } from './files';

export interface NativeDialog<W> {
  showOpenDialog(window: W, options: OpenDialogOptions): Promise<OpenDialogReturnValue>;
  showSaveDialog(window: W, options: SaveDialogOptions): Promise<SaveDialogReturnValue>;
}

/**
 * Dialogs modal to the app's window. Hidden files are shown because the usual pick is a key
 * in ~/.ssh, which file managers hide.
 */
export function electronDialogs<W>({
  dialog,
  window,
}: {
  dialog: NativeDialog<W>;
  /** The window the dialog belongs to; none (all closed) reads as a cancel. */
  window: () => W | undefined;
}): Dialogs {
  const open = async (options: OpenDialogOptions): Promise<string | null> => {
    const parent = window();
    if (parent === undefined) return null;
    const result = await dialog.showOpenDialog(parent, options);
    return result.canceled ? null : (result.filePaths[0] ?? null);
  };
  return {
    openFile: ({ title, filters, defaultPath }) =>
      open({
        title,
        ...(filters ? { filters } : {}),
        ...(defaultPath ? { defaultPath } : {}),
        properties: ['openFile', 'showHiddenFiles'],
      }),
    openFolder: ({ title, defaultPath }) =>
      open({
        title,
        ...(defaultPath ? { defaultPath } : {}),
        properties: ['openDirectory', 'createDirectory', 'showHiddenFiles'],
      }),
    async saveFile({ title, defaultPath, filters }) {
      const parent = window();
      if (parent === undefined) return null;
      const result = await dialog.showSaveDialog(parent, {
        title,
        defaultPath,
        ...(filters ? { filters } : {}),
        properties: ['createDirectory', 'showOverwriteConfirmation', 'showHiddenFiles'],
      });
      // Cancelling gives an empty path on some platforms rather than `canceled`.
      return result.canceled || !result.filePath ? null : result.filePath;
    },
  };
}
