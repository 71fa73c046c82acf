import { expect, type Locator, type Page } from '@playwright/test';
import { ClusterStepPage } from './cluster-step';
import { HostsStepPage } from './hosts-step';
import { ReviewStepPage } from './review-step';

/** The wizard's frame: step list, heading, navigation buttons, status bar and log. */
export class WizardPage {
  readonly stepNav: Locator;
  readonly stepButtons: Locator;
  readonly heading: Locator;
  readonly nextButton: Locator;
  readonly backButton: Locator;
  readonly status: Locator;
  readonly version: Locator;
  readonly logToggle: Locator;
  readonly log: Locator;
  readonly hosts: HostsStepPage;
  readonly cluster: ClusterStepPage;
  readonly review: ReviewStepPage;
  readonly nextBlocked: Locator;
  /** The Install step's button that starts this cluster's install. */
  readonly installButton: Locator;
  /** The Install step's line that says how the run is going or how it ended. */
  readonly runStatus: Locator;

  constructor(readonly page: Page) {
    this.stepNav = page.getByRole('navigation', { name: 'Wizard steps' });
    this.stepButtons = this.stepNav.getByRole('button');
    this.heading = page.getByRole('heading', { level: 1 });
    this.nextButton = page.getByRole('button', { name: 'Next', exact: true });
    this.backButton = page.getByRole('button', { name: 'Back', exact: true });
    this.status = page.getByRole('contentinfo').getByRole('status');
    this.version = page.getByRole('contentinfo').getByTestId('app-version');
    this.logToggle = page.getByRole('button', { name: /^(Show|Hide) log$/ });
    this.log = page.getByRole('region', { name: 'Back-end log' });
    this.hosts = new HostsStepPage(page);
    this.cluster = new ClusterStepPage(page);
    this.review = new ReviewStepPage(page);
    this.nextBlocked = page.locator('#next-blocked');
    this.installButton = page.getByRole('main').getByRole('button', { name: 'Install', exact: true });
    this.runStatus = page
      .getByRole('status')
      .filter({ hasText: /Installing|Finished|failed|Cancelled|already/ });
  }

  step(title: string): Locator {
    return this.stepNav.getByRole('button', { name: title });
  }

  /**
   * Opens the page of the saved cluster `name` from "Saved clusters" (asked again until the
   * list shows it: the save after an install lands a moment later).
   */
  async openClusterPage(name: string): Promise<void> {
    const dialog = this.page.getByRole('dialog', { name: 'Saved clusters' });
    const button = dialog.getByRole('button', { name: `Cluster page of ${name}` });
    await expect(async () => {
      if (await dialog.isVisible()) await this.page.keyboard.press('Escape');
      await this.page.getByRole('button', { name: 'Saved clusters' }).click();
      await expect(button).toBeVisible({ timeout: 2000 });
    }).toPass({ timeout: 30_000 });
    await button.click();
  }

  /**
   * How most lab specs reach the Install step: each machine (by the node name it gets) added with
   * its key trusted and named, the cluster named (when `name` is given) and installed from
   * `mirror`.
   */
  async toInstallStep(
    nodes: Record<string, Parameters<HostsStepPage['addTrusted']>[0]>,
    mirror: Parameters<ClusterStepPage['useMirror']>[0],
    options: { name?: string } = {},
  ): Promise<void> {
    for (const host of Object.values(nodes)) await this.hosts.addTrusted(host);
    for (const [nodeName, host] of Object.entries(nodes))
      await this.page.getByLabel(`Node name of ${host.address}`).fill(nodeName);
    await this.goForwardTo('Cluster');
    if (options.name !== undefined) await this.cluster.name.fill(options.name);
    await this.cluster.useMirror(mirror);
    await this.goForwardTo('Install');
  }

  /** Starts the install on the Install step and waits until the run ended (however it ended). */
  async install(): Promise<void> {
    await this.installButton.click();
    await expect(this.runStatus).not.toHaveText(/Installing/, { timeout: 480_000 });
  }

  /** The install, required to finish, then on to the Done step. */
  async installToDone(): Promise<void> {
    await this.install();
    // a failure fails here at once, with its message
    await expect(this.runStatus).toHaveText(/Finished in/, { timeout: 1000 });
    await this.nextButton.click();
    await expect(this.heading).toHaveText('Done');
  }

  /** Clicks Next until the step with this heading shows. */
  async goForwardTo(title: string): Promise<void> {
    for (let i = 0; i < 7 && (await this.heading.textContent()) !== title; i++) await this.nextButton.click();
  }

  /** What an error boundary shows when the part it holds crashed ("the Checks step", "k3s-wizard"). */
  crash(what: string): Locator {
    return this.page.getByRole('alert', { name: `${what} stopped working` });
  }

  currentStep(): Locator {
    return this.stepNav.locator('[aria-current="step"]');
  }
}
