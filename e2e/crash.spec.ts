import { expect, test } from './fixtures';

test.use({ permissions: ['clipboard-read', 'clipboard-write'] });

/**
 * A draft an older version left in this tab (facts without the fields the checks read) makes
 * the Checks step throw: the step shows what happened, the rest of the wizard keeps working.
 */
test('a step that crashes says what happened, keeps the work and offers reload and copy', async ({
  wizard,
  pageErrors,
}) => {
  // React reports the error it caught; anything else the page reports still fails the test.
  pageErrors.allow(/Cannot read properties of undefined \(reading 'memory'\)/);
  const { page } = wizard;
  await wizard.hosts.add({ address: '192.168.1.30', user: 'pi' });
  await expect(wizard.hosts.table).toContainText('192.168.1.30');
  await expect
    .poll(() => page.evaluate(() => sessionStorage.getItem('k3s-wizard-draft') ?? ''))
    .toContain('192.168.1.30');
  await page.evaluate(() => {
    const draft = JSON.parse(sessionStorage.getItem('k3s-wizard-draft') ?? '{}') as {
      state: { hosts: { id: string }[]; facts: Record<string, unknown> };
    };
    draft.state.facts = { [draft.state.hosts[0]!.id]: { hostname: 'pi1' } };
    sessionStorage.setItem('k3s-wizard-draft', JSON.stringify(draft));
  });
  await page.reload();
  await wizard.nextButton.click();

  const crash = wizard.crash('the Checks step');
  await expect(crash).toBeVisible();
  await expect(crash).toContainText("TypeError: Cannot read properties of undefined (reading 'memory')");
  await expect(crash).toContainText('What you entered is kept');
  await crash.getByRole('button', { name: 'Copy the error' }).click();
  await expect
    .poll(() => page.evaluate(() => navigator.clipboard.readText()))
    .toContain('k3s-wizard: the Checks step stopped working\nTypeError:');
  // The frame is still there: headings, step list, Back.
  await expect(wizard.heading).toHaveText('Checks');
  await crash.getByRole('button', { name: 'Reload this step' }).click();
  await expect(wizard.crash('the Checks step')).toBeVisible();
  await wizard.backButton.click();
  await expect(wizard.heading).toHaveText('Hosts');
  await expect(wizard.hosts.table).toContainText('192.168.1.30');
});
