import type { Locator, Page } from '@playwright/test';

export class ReviewStepPage {
  readonly saveScript: Locator;
  readonly saveClusterFile: Locator;
  readonly copyJoin: Locator;
  readonly joinSection: Locator;

  constructor(readonly page: Page) {
    this.saveScript = page.getByRole('button', { name: 'Save as script' });
    this.saveClusterFile = page.getByRole('button', { name: 'Save cluster file' });
    this.copyJoin = page.getByRole('button', { name: 'Copy the join command' });
    this.joinSection = page.getByRole('region', { name: 'Add more machines later' });
  }

  host(name: string): Locator {
    return this.page.getByRole('region', { name, exact: true });
  }

  copyHost(name: string): Locator {
    return this.page.getByRole('button', { name: `Copy all commands for ${name}` });
  }

  async clipboard(): Promise<string> {
    return this.page.evaluate(() => navigator.clipboard.readText());
  }
}
