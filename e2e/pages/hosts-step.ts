import type { Locator, Page } from '@playwright/test';

export class HostsStepPage {
  readonly form: Locator;
  readonly address: Locator;
  readonly port: Locator;
  readonly user: Locator;
  readonly loginWith: Locator;
  readonly keyFile: Locator;
  readonly password: Locator;
  readonly sudoPassword: Locator;
  readonly addButton: Locator;
  readonly table: Locator;

  constructor(readonly page: Page) {
    this.form = page.getByRole('form', { name: 'Add a host' });
    this.address = this.form.getByLabel('Address');
    this.port = this.form.getByLabel('SSH port');
    this.user = this.form.getByLabel('User');
    this.loginWith = this.form.getByLabel('Log in with');
    this.keyFile = this.form.getByLabel('Key file');
    this.password = this.form.getByLabel('Password', { exact: true });
    this.sudoPassword = this.form.getByLabel('sudo password', { exact: true });
    this.addButton = this.form.getByRole('button', { name: 'Add host' });
    this.table = page.getByRole('table', { name: 'Hosts' });
  }

  async add(host: { address: string; user: string; port?: number }): Promise<void> {
    await this.address.fill(host.address);
    await this.port.fill(String(host.port ?? 22));
    await this.user.fill(host.user);
    await this.addButton.click();
  }
}
