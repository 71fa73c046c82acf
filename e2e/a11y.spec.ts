import { join } from 'node:path';
import { expect, screenshotDir, test } from './fixtures';

test('the first steps work with the keyboard alone, with visible focus', async ({ wizard }) => {
  const { page } = wizard;
  await wizard.hosts.address.focus();
  await page.keyboard.type('192.168.1.50');
  await page.keyboard.press('Tab'); // SSH port
  await page.keyboard.press('Tab'); // User
  await page.keyboard.type('pi');
  await page.keyboard.press('Enter'); // submits the form
  await expect(wizard.hosts.table).toContainText('192.168.1.50');
  const outline = await wizard.hosts.address.evaluate((el) => {
    el.focus();
    return getComputedStyle(el).outlineStyle;
  });
  expect(outline).not.toBe('none');
  await wizard.nextButton.focus();
  await page.keyboard.press('Enter');
  await expect(wizard.heading).toHaveText('Checks');
  await expect(wizard.heading).toBeFocused();
});

test('follows the system’s dark theme', async ({ wizard }) => {
  const { page } = wizard;
  const light = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  await page.emulateMedia({ colorScheme: 'dark' });
  const dark = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  expect(dark).not.toBe(light);
  expect(dark).toBe('rgb(17, 20, 24)');
  await wizard.hosts.add({ address: '192.168.1.50', user: 'pi' });
  await page.screenshot({ path: join(screenshotDir, 'hosts-dark.png') });
});
