import { expect, type Locator, type Page } from '@playwright/test';

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

  /** The row of one machine in the hosts table. */
  row(address: string): Locator {
    return this.table.getByRole('row').filter({ hasText: address });
  }

  /** Opens a row's "Edit login" form and returns it. */
  async editLogin(address: string): Promise<Locator> {
    await this.page.getByRole('button', { name: `Edit login for ${address}` }).click();
    return this.loginForm(address);
  }

  loginForm(address: string): Locator {
    return this.page.getByRole('form', { name: `Login for ${address}` });
  }

  async add(host: { address: string; user: string; port?: number }): Promise<void> {
    await this.address.fill(host.address);
    await this.port.fill(String(host.port ?? 22));
    await this.user.fill(host.user);
    await this.addButton.click();
  }

  /** Adds a machine by key, trusts its host key on first contact, and waits until it is connected. */
  async addTrusted(
    host: { address: string; user: string; keyPath: string; hostname: string },
    options: { sudoPassword?: string } = {},
  ): Promise<void> {
    await this.loginWith.selectOption('key');
    await this.keyFile.fill(host.keyPath);
    if (options.sudoPassword) await this.sudoPassword.fill(options.sudoPassword);
    await this.add({ address: host.address, user: host.user });
    await this.page.getByRole('dialog').getByRole('button', { name: 'Trust and connect' }).click();
    await expect(this.table).toContainText(`Connected: ${host.hostname}`, { timeout: 60_000 });
  }
}
