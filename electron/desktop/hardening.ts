/**
 * The desktop window's guards, written against small structural types so they are tested
 * without Electron: which URLs are the app's own, the development URL (never in a packaged
 * build, only on this computer), no navigation, redirect, new window or webview away from the
 * app, and no permission beyond the one the app uses (writing to the clipboard).
 */

/** K3S_WIZARD_DEV_URL, honoured only when not packaged and only for a loopback http(s) server. */
export function devUrlFor(options: { isPackaged: boolean; env: NodeJS.ProcessEnv }): string | undefined {
  const raw = options.env.K3S_WIZARD_DEV_URL;
  if (options.isPackaged || !raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  return loopback && (url.protocol === 'http:' || url.protocol === 'https:') ? raw : undefined;
}

/** A check for "this URL is the app's own page": same origin as the app (or the dev server). */
export function trustedUrlCheck(options: { appOrigin: string; devUrl?: string }): (url: string) => boolean {
  const origins = [options.appOrigin, ...(options.devUrl ? [new URL(options.devUrl).origin] : [])];
  return (url) => origins.some((origin) => url.startsWith(`${origin}/`));
}

interface PreventableEvent {
  preventDefault(): void;
}

export interface ContentsLike {
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
  on(
    event: 'will-navigate' | 'will-redirect',
    listener: (event: PreventableEvent, url: string) => void,
  ): unknown;
  on(event: 'will-attach-webview', listener: (event: PreventableEvent) => void): unknown;
}

const isWebLink = (url: string): boolean => /^https?:\/\//i.test(url);

/** No navigation or redirect away from the app, no new windows, no webviews; web links open in the system browser. */
export function hardenContents(
  contents: ContentsLike,
  options: { isTrustedUrl: (url: string) => boolean; openExternal: (url: string) => void },
): void {
  contents.setWindowOpenHandler(({ url }) => {
    if (isWebLink(url)) options.openExternal(url);
    return { action: 'deny' };
  });
  contents.on('will-navigate', (event, url) => {
    if (options.isTrustedUrl(url)) return;
    event.preventDefault();
    if (isWebLink(url)) options.openExternal(url);
  });
  // A server redirect is not a click: never followed out of the app, never opened elsewhere.
  contents.on('will-redirect', (event, url) => {
    if (!options.isTrustedUrl(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

/** The only permission the page uses: copying commands to the clipboard. */
const ALLOWED_PERMISSIONS = new Set(['clipboard-sanitized-write']);

export interface SessionLike {
  setPermissionRequestHandler(
    handler:
      | ((
          contents: unknown,
          permission: string,
          callback: (granted: boolean) => void,
          details: unknown,
        ) => void)
      | null,
  ): void;
  setPermissionCheckHandler(
    handler: ((contents: unknown, permission: string, origin: string, details: unknown) => boolean) | null,
  ): void;
  setDevicePermissionHandler(handler: ((details: unknown) => boolean) | null): void;
}

export function denyPermissions(session: SessionLike): void {
  session.setPermissionRequestHandler((_contents, permission, callback) =>
    callback(ALLOWED_PERMISSIONS.has(permission)),
  );
  session.setPermissionCheckHandler((_contents, permission) => ALLOWED_PERMISSIONS.has(permission));
  session.setDevicePermissionHandler(() => false);
}
