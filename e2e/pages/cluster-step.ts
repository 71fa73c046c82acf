import type { Locator, Page } from '@playwright/test';

export class ClusterStepPage {
  readonly name: Locator;
  readonly exactVersion: Locator;
  readonly versionInput: Locator;
  readonly airgap: Locator;
  readonly airgapFolder: Locator;
  readonly backend: Locator;
  readonly clusterCidr: Locator;
  readonly serviceCidr: Locator;
  readonly apiPort: Locator;
  readonly problems: Locator;

  constructor(readonly page: Page) {
    this.name = page.getByLabel('Name', { exact: true });
    this.exactVersion = page.getByRole('radio', { name: 'An exact version' });
    this.versionInput = page.getByLabel('Version', { exact: true });
    this.airgap = page.getByRole('radio', { name: /^Air-gap/ });
    this.airgapFolder = page.getByLabel('Folder with install.sh and the K3s binaries');
    this.backend = page.getByLabel('Pod network (flannel backend)');
    this.clusterCidr = page.getByLabel('Pod addresses (cluster CIDR)');
    this.serviceCidr = page.getByLabel('Service addresses (service CIDR)');
    this.apiPort = page.getByLabel('API port');
    this.problems = page.locator('.issue-error');
  }

  /** The API listener panel's fields (the endpoint, per machine, and how nodes are named). */
  get endpoint(): Locator {
    return this.page.getByLabel('API endpoint', { exact: true });
  }

  listenerField(
    what:
      'Bind address' | 'Advertise address' | 'Listen port' | 'Advertise port' | 'TLS names' | 'External IP',
    machine: string,
  ): Locator {
    return this.page.getByLabel(`${what} of ${machine}`, { exact: true });
  }

  nodeNaming(text: RegExp): Locator {
    return this.page.getByRole('radiogroup', { name: 'Node names' }).getByRole('radio', { name: text });
  }

  component(text: RegExp): Locator {
    return this.page.getByRole('checkbox', { name: text });
  }

  /** Installs from a mirror of get.k3s.io and the release pages (the lab serves one). */
  async useMirror(mirror: {
    installScriptUrl: string;
    githubUrl: string;
    channelUrl: string;
  }): Promise<void> {
    await this.page.getByRole('radio', { name: /^A mirror/ }).check();
    await this.page.getByLabel('Install script address').fill(mirror.installScriptUrl);
    await this.page.getByLabel('Releases address (GITHUB_URL)').fill(mirror.githubUrl);
    await this.page.getByLabel('Channels address (INSTALL_K3S_CHANNEL_URL)').fill(mirror.channelUrl);
  }
}
