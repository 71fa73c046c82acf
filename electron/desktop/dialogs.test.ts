import type { OpenDialogOptions, SaveDialogOptions } from 'electron';
import { describe, expect, it } from 'vitest';
import { electronDialogs, type NativeDialog } from './dialogs';

interface FakeWindow {
  id: number;
}

/** Stands in for Electron's `dialog`: records what it was asked, answers what the test says. */
function fakeDialog(answer: { open?: string[]; save?: string; canceled?: boolean }) {
  const calls: {
    kind: 'open' | 'save';
    window: FakeWindow;
    options: OpenDialogOptions | SaveDialogOptions;
  }[] = [];
  const dialog: NativeDialog<FakeWindow> = {
    showOpenDialog: (window, options) => {
      calls.push({ kind: 'open', window, options });
      return Promise.resolve({ canceled: answer.canceled ?? false, filePaths: answer.open ?? [] });
    },
    showSaveDialog: (window, options) => {
      calls.push({ kind: 'save', window, options });
      return Promise.resolve({ canceled: answer.canceled ?? false, filePath: answer.save ?? '' });
    },
  };
  return { dialog, calls };
}

const win: FakeWindow = { id: 1 };

describe('Electron dialogs', () => {
  it('opens a file picker on the app window, hidden files shown, and returns the pick', async () => {
    const { dialog, calls } = fakeDialog({ open: ['/home/me/.ssh/id_ed25519'] });
    const dialogs = electronDialogs({ dialog, window: () => win });
    const filters = [{ name: 'Keys', extensions: ['*'] }];
    await expect(dialogs.openFile({ title: 'Key', filters, defaultPath: '/home/me/.ssh' })).resolves.toBe(
      '/home/me/.ssh/id_ed25519',
    );
    expect(calls).toEqual([
      {
        kind: 'open',
        window: win,
        options: {
          title: 'Key',
          filters,
          defaultPath: '/home/me/.ssh',
          properties: ['openFile', 'showHiddenFiles'],
        },
      },
    ]);
  });

  it('picks folders with a folder picker', async () => {
    const { dialog, calls } = fakeDialog({ open: ['/srv/airgap'] });
    await expect(
      electronDialogs({ dialog, window: () => win }).openFolder({ title: 'Bundle' }),
    ).resolves.toBe('/srv/airgap');
    expect(calls[0]?.options.properties).toContain('openDirectory');
    expect(calls[0]?.options.properties).not.toContain('openFile');
  });

  it('reads a cancel as null, however the platform says it', async () => {
    const cancelled = fakeDialog({ canceled: true, open: ['/ignored'], save: '/ignored' });
    const dialogs = electronDialogs({ dialog: cancelled.dialog, window: () => win });
    await expect(dialogs.openFile({ title: 't' })).resolves.toBeNull();
    await expect(dialogs.saveFile({ title: 't', defaultPath: '/x' })).resolves.toBeNull();
    const emptyPath = fakeDialog({ save: '' });
    await expect(
      electronDialogs({ dialog: emptyPath.dialog, window: () => win }).saveFile({
        title: 't',
        defaultPath: '/x',
      }),
    ).resolves.toBeNull();
  });

  it('asks where to save with overwrite confirmation', async () => {
    const { dialog, calls } = fakeDialog({ save: '/home/me/kubeconfig.yaml' });
    const dialogs = electronDialogs({ dialog, window: () => win });
    await expect(dialogs.saveFile({ title: 'Save', defaultPath: '/home/me/k.yaml' })).resolves.toBe(
      '/home/me/kubeconfig.yaml',
    );
    expect(calls[0]).toMatchObject({
      kind: 'save',
      options: { title: 'Save', defaultPath: '/home/me/k.yaml' },
    });
    expect(calls[0]?.options.properties).toContain('showOverwriteConfirmation');
  });

  it('without a window, shows nothing and answers as a cancel', async () => {
    const { dialog, calls } = fakeDialog({ open: ['/x'] });
    const dialogs = electronDialogs({ dialog, window: () => undefined });
    await expect(dialogs.openFile({ title: 't' })).resolves.toBeNull();
    await expect(dialogs.saveFile({ title: 't', defaultPath: '/x' })).resolves.toBeNull();
    expect(calls).toEqual([]);
  });
});
