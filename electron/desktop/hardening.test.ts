import { describe, expect, it } from 'vitest';
import {
  denyPermissions,
  devUrlFor,
  hardenContents,
  trustedUrlCheck,
  type ContentsLike,
  type SessionLike,
} from './hardening';

const APP = 'app://k3s-wizard';

class FakeContents implements ContentsLike {
  openHandler: ((details: { url: string }) => { action: 'deny' | 'allow' }) | null = null;
  readonly listeners = new Map<string, (event: { preventDefault(): void }, url: string) => void>();
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' | 'allow' }): void {
    this.openHandler = handler;
  }
  on(event: string, listener: (event: { preventDefault(): void }, url: string) => void): this {
    this.listeners.set(event, listener);
    return this;
  }
  /** Fires an event like Chromium does; true when the app prevented it. */
  fire(name: string, url = ''): boolean {
    let prevented = false;
    const listener = this.listeners.get(name);
    if (!listener) throw new Error(`no ${name} listener`);
    listener({ preventDefault: () => (prevented = true) }, url);
    return prevented;
  }
}

describe('desktop hardening', () => {
  it('honours K3S_WIZARD_DEV_URL only in development, and only on this computer', () => {
    const env = { K3S_WIZARD_DEV_URL: 'http://localhost:5173' };
    expect(devUrlFor({ isPackaged: false, env })).toBe('http://localhost:5173');
    expect(devUrlFor({ isPackaged: true, env })).toBeUndefined();
    expect(
      devUrlFor({ isPackaged: false, env: { K3S_WIZARD_DEV_URL: 'https://evil.example/' } }),
    ).toBeUndefined();
    expect(
      devUrlFor({ isPackaged: false, env: { K3S_WIZARD_DEV_URL: 'file:///etc/passwd' } }),
    ).toBeUndefined();
    expect(devUrlFor({ isPackaged: false, env: { K3S_WIZARD_DEV_URL: 'not a url' } })).toBeUndefined();
    expect(devUrlFor({ isPackaged: false, env: {} })).toBeUndefined();
  });

  it('trusts the app origin (and the dev server only when given), nothing that merely starts like it', () => {
    const packaged = trustedUrlCheck({ appOrigin: APP });
    expect(packaged(`${APP}/index.html`)).toBe(true);
    expect(packaged('app://k3s-wizard.evil/index.html')).toBe(false);
    expect(packaged('http://localhost:5173/')).toBe(false);
    const dev = trustedUrlCheck({ appOrigin: APP, devUrl: 'http://localhost:5173' });
    expect(dev('http://localhost:5173/src/main.tsx')).toBe(true);
    expect(dev('http://localhost:5174/')).toBe(false);
  });

  it('blocks navigation and redirects away from the app, new windows and webviews; web links go to the browser', () => {
    const contents = new FakeContents();
    const opened: string[] = [];
    hardenContents(contents, {
      isTrustedUrl: trustedUrlCheck({ appOrigin: APP }),
      openExternal: (url) => opened.push(url),
    });
    expect(contents.fire('will-navigate', `${APP}/index.html#/review`)).toBe(false);
    expect(contents.fire('will-navigate', 'https://k3s.io/docs')).toBe(true);
    expect(contents.fire('will-redirect', 'https://evil.example/')).toBe(true);
    expect(contents.fire('will-redirect', 'file:///etc/passwd')).toBe(true);
    expect(contents.fire('will-redirect', `${APP}/index.html`)).toBe(false);
    expect(contents.fire('will-attach-webview')).toBe(true);
    expect(contents.openHandler?.({ url: 'https://github.com/k3s-io/k3s' })).toEqual({ action: 'deny' });
    expect(contents.openHandler?.({ url: 'javascript:alert(1)' })).toEqual({ action: 'deny' });
    expect(opened).toEqual(['https://k3s.io/docs', 'https://github.com/k3s-io/k3s']);
  });

  it('denies every permission the app does not use (it only writes to the clipboard)', () => {
    const answers: boolean[] = [];
    let check: ((...args: unknown[]) => boolean) | null = null;
    let device: ((...args: unknown[]) => boolean) | null = null;
    const session: SessionLike = {
      setPermissionRequestHandler: (handler) => {
        for (const permission of [
          'media',
          'geolocation',
          'notifications',
          'clipboard-read',
          'clipboard-sanitized-write',
        ])
          handler?.({}, permission, (granted: boolean) => answers.push(granted), {});
      },
      setPermissionCheckHandler: (handler) => {
        check = handler as never;
      },
      setDevicePermissionHandler: (handler) => {
        device = handler;
      },
    };
    denyPermissions(session);
    expect(answers).toEqual([false, false, false, false, true]);
    expect(check!({}, 'clipboard-read', 'app://k3s-wizard', {})).toBe(false);
    expect(check!({}, 'media', 'app://k3s-wizard', {})).toBe(false);
    expect(check!({}, 'clipboard-sanitized-write', 'app://k3s-wizard', {})).toBe(true);
    expect(device!({})).toBe(false);
  });
});
