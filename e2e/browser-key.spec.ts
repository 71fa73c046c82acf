/**
 * The browser front's one-time key: gone from the address and the history after load, traded
 * for an HttpOnly session cookie, and useless once used (a copy, the history, another browser).
 */
import { expect, test } from './fixtures';
import { WizardPage } from './pages/wizard';

test.skip(process.env.K3S_WIZARD_E2E_FRONT === 'electron', 'the desktop app has no address key');

test('after load, neither the address nor the history holds the key', async ({ app, wizard }) => {
  const { page } = wizard;
  const key = new URL(app.url).searchParams.get('token') ?? '';
  expect(key.length).toBeGreaterThan(20);
  await expect(wizard.status).toHaveText('Connected');
  const seen = await page.evaluate(() => ({
    href: window.location.href,
    search: window.location.search,
    state: JSON.stringify(window.history.state),
    session: JSON.stringify({ ...window.sessionStorage }),
    local: JSON.stringify({ ...window.localStorage }),
    cookies: document.cookie,
  }));
  expect(seen.search).toBe('');
  for (const value of Object.values(seen)) expect(value).not.toContain(key);
  // The session cookie is HttpOnly: the page's own scripts never see it.
  expect(seen.cookies).not.toContain('k3s-wizard-session');
  const cookies = await page.context().cookies();
  const session = cookies.find((c) => c.name.startsWith('k3s-wizard-session-'));
  expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/bridge' });
  expect(session?.value).not.toBe(key);

  // The history entry itself: away and back lands on the address without the key.
  const { origin } = new URL(app.url);
  await page.goto('about:blank');
  await page.goBack();
  expect(page.url()).toBe(`${origin}/`);
  await expect(wizard.status).toHaveText('Connected');
});

test('the first address used again elsewhere shows a clear page and reaches nothing', async ({
  app,
  wizard,
  browser,
}) => {
  await expect(wizard.status).toHaveText('Connected');
  // Another browser (or someone who copied the address, or read it in the history).
  const other = await browser.newContext();
  const page = await other.newPage();
  const sockets: string[] = [];
  page.on('websocket', (ws) => sockets.push(ws.url()));
  await page.goto(app.url);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('This address was already used');
  await expect(page.getByRole('main')).toContainText(
    'opens the wizard once, in the browser that opened it first',
  );
  await expect(page.getByRole('main')).toContainText('run k3s-wizard serve again: it prints a new address');
  // Nothing of the wizard, no socket opened, and the key is out of this address too.
  await expect(page.getByRole('navigation')).toHaveCount(0);
  await expect(page.getByRole('contentinfo')).toHaveCount(0);
  expect(sockets).toEqual([]);
  expect(new URL(page.url()).searchParams.has('token')).toBe(false);
  expect(await other.cookies()).toEqual([]);
  await other.close();

  // The browser that signed in keeps working, in a new tab too.
  const tab = new WizardPage(await wizard.page.context().newPage());
  await tab.page.goto(new URL(app.url).origin);
  await expect(tab.status).toHaveText('Connected');
  await tab.page.close();
});
