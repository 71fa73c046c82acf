import type { Locator, Page } from '@playwright/test';

/** The Classroom screen: the roster, the import, and the clusters with their machines. */
export class ClassroomPage {
  readonly open: Locator;
  readonly roster: Locator;
  readonly clusterCount: Locator;
  readonly importButton: Locator;
  readonly problems: Locator;

  constructor(readonly page: Page) {
    this.open = page.getByRole('button', { name: 'Classroom', exact: true });
    this.roster = page.getByLabel('Roster', { exact: true });
    this.clusterCount = page.getByLabel('Clusters (when the roster has no group column)');
    this.importButton = page.getByRole('button', { name: 'Import the roster' });
    this.problems = page.getByRole('alert', { name: 'Roster problems' });
  }

  /** Opens the Classroom screen and imports a roster typed (or pasted) into it. */
  async importRoster(text: string): Promise<void> {
    await this.open.click();
    await this.roster.fill(text);
    await this.importButton.click();
  }

  cluster(group: string): Locator {
    return this.page.getByRole('region', { name: `Cluster ${group}` });
  }

  /** The machines of a cluster, by their accessible names, in order. */
  machines(group: string): Locator {
    return this.page.getByRole('list', { name: `Machines of cluster ${group}` }).getByRole('listitem');
  }

  machine(address: string): Locator {
    return this.page.locator(`[data-machine="${address}"]`);
  }

  moveSelect(name: string): Locator {
    return this.page.getByRole('combobox', { name: `Move ${name} to` });
  }

  // The build: preset, login, and the dashboard.
  get preset(): Locator {
    return this.page.getByLabel('Preset (class.yaml)');
  }

  get buildForm(): Locator {
    return this.page.getByRole('form', { name: 'Build the clusters' });
  }

  get buildButton(): Locator {
    return this.page.getByRole('button', { name: 'Build all clusters' });
  }

  /** The dashboard's one-line summary. */
  get summary(): Locator {
    return this.page.getByRole('status', { name: 'Classroom build' });
  }

  /** The dashboard's rows, in the order shown (failures first). */
  get rows(): Locator {
    return this.page.getByRole('region', { name: /^Build of .+-/ });
  }

  row(cluster: string): Locator {
    return this.page.getByRole('region', { name: `Build of ${cluster}` });
  }

  /** A row's machine cells, in the order shown (failures first). */
  cells(cluster: string): Locator {
    return this.page.getByRole('list', { name: `Machines of ${cluster}` }).getByRole('listitem');
  }

  cell(cluster: string, host: string): Locator {
    return this.cells(cluster).filter({ has: this.page.getByText(host, { exact: true }) });
  }
}
