/**
 * Adopt from the app, against real lab machines through the browser front as a user clicks: a
 * cluster made by hand with the install script (a server and an agent) is not installed over.
 * The Checks step offers to open it; with its API down the offer says what to do, and once K3s
 * runs again the same click reads it, saves it as an installed cluster and shows its page (both
 * nodes, their version, Ready, and what was assumed).
 */
import { expect, test } from './fixtures';
import { exec, mirror, type LabHost } from './lab/index';
import { labHosts } from './lab-hosts';

const TOKEN = 'made-by-hand-token-4d2c19';
let server: LabHost;
let agent: LabHost;

test.describe.configure({ mode: 'serial', timeout: 600_000 });

labHosts(
  [
    { name: 'h2as', firewall: 'none' },
    { name: 'h2aa', firewall: 'none' },
  ],
  {
    setUp: async (up) => {
      [server, agent] = up as [LabHost, LabHost];
      const m = mirror();
      const env = `INSTALL_K3S_VERSION=${m.versions[0]} GITHUB_URL=${m.githubUrl} INSTALL_K3S_CHANNEL_URL=${m.channelUrl}`;
      const byHand = async (name: string, script: string) => {
        const r = await exec(name, ['sh', '-c', script]);
        if (r.code !== 0) {
          const journal = await exec(name, ['journalctl', '-u', 'k3s*', '-n', '40', '--no-pager']);
          throw new Error(`install by hand on ${name} failed: ${r.stderr}\n--- journal:\n${journal.stdout}`);
        }
      };
      await byHand('h2as', `curl -sfL ${m.installScriptUrl} | ${env} K3S_TOKEN=${TOKEN} sh -s - server`);
      await byHand(
        'h2aa',
        `curl -sfL ${m.installScriptUrl} | ${env} K3S_URL=https://${server.address}:6443 K3S_TOKEN=${TOKEN} sh -s - agent`,
      );
      await expect(async () => {
        const r = await exec('h2as', ['k3s', 'kubectl', 'get', 'nodes']);
        expect(r.stdout).toMatch(/h2aa\s+Ready/);
      }).toPass({ timeout: 180_000 });
    },
  },
);

test('opens a cluster made by hand from the Checks step, after its API came back', async ({ wizard }) => {
  const { page } = wizard;
  await wizard.hosts.addTrusted(server);
  await wizard.nextButton.click();
  await expect(wizard.heading).toHaveText('Checks');
  const existing = page
    .getByRole('list', { name: `Checks of ${server.hostname}` })
    .getByRole('listitem')
    .filter({ hasText: 'Existing K3s' });
  await expect(existing).toContainText('Warning');
  await existing.getByText('Existing K3s').click();
  const open = existing.getByRole('button', { name: `Open the cluster running on ${server.hostname}` });

  // its API down: the reason and what to do, nothing saved
  await exec('h2as', ['systemctl', 'stop', 'k3s']);
  await open.click();
  await expect(existing.getByRole('alert')).toContainText('sudo systemctl start k3s', { timeout: 60_000 });
  await expect(wizard.heading).toHaveText('Checks');

  // started again, the same click opens it
  await exec('h2as', ['systemctl', 'start', 'k3s']);
  await expect(async () => {
    expect((await exec('h2as', ['k3s', 'kubectl', 'get', 'nodes'])).code).toBe(0);
  }).toPass({ timeout: 120_000 });
  await open.click();
  await expect(wizard.heading).toHaveText(`Cluster ${server.hostname}`, { timeout: 120_000 });
  const nodes = page.getByRole('table', { name: 'Nodes' });
  const version = mirror().versions[0]!;
  const row = (name: string) =>
    nodes.getByRole('row').filter({ has: page.getByRole('cell', { name, exact: true }) });
  await expect(row('h2as')).toContainText(version, { timeout: 60_000 });
  await expect(row('h2as')).toContainText('control-plane');
  await expect(row('h2aa')).toContainText('Ready');
  await expect(row('h2aa')).toContainText(version);
  const notes = page.getByRole('region', { name: 'Adopted: what the saved cluster assumed' });
  await expect(notes).toContainText(`h2aa: reached over SSH at its node address ${agent.address}`);
  await expect(notes).not.toContainText('node-port range'); // the default one is not news

  // saved as an installed cluster, with both machines and no secret
  await page.getByRole('button', { name: 'Saved clusters' }).click();
  const dialog = page.getByRole('dialog', { name: 'Saved clusters' });
  await expect(dialog.getByRole('listitem').filter({ hasText: server.hostname })).toContainText(
    '2 machines · installed',
  );
  await expect(dialog.getByRole('button', { name: `Cluster page of ${server.hostname}` })).toBeVisible();
  await page.keyboard.press('Escape');
  expect(JSON.stringify(await page.evaluate(() => document.body.innerText))).not.toContain(TOKEN);
});
