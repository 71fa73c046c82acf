import type { Locator, Page } from '@playwright/test';

/** The Checks step's summaries: machines × checks, the connection matrix, bulk actions, filters. */
export class ChecksStepPage {
  readonly matrix: Locator;
  readonly onlyProblems: Locator;
  readonly checkAllAgain: Locator;

  constructor(readonly page: Page) {
    this.matrix = page.getByRole('table', { name: 'Checks by machine' });
    this.onlyProblems = page.getByRole('checkbox', { name: 'Only problems' });
    this.checkAllAgain = page.getByRole('button', { name: 'Check all machines again' });
  }

  /** A machine × check cell ("raspberrypi-3", "Memory cgroup"), whatever its result. */
  cell(machine: string, check: string): Locator {
    return this.matrix.getByRole('button', { name: new RegExp(`^${machine}: ${check}: `) });
  }

  /** What a clicked cell explains: the reason and the fix. */
  detail(machine: string, check: string): Locator {
    return this.page.getByRole('region', { name: `${machine}: ${check}` });
  }

  fixAllPis(count: number): Locator {
    return this.page.getByRole('button', {
      name: `Fix the memory cgroup on all ${count} Pis and reboot them`,
    });
  }
}
