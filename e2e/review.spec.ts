import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { expect, screenshotDir, test } from './fixtures';

test.use({ permissions: ['clipboard-read', 'clipboard-write'] });

test.beforeEach(async ({ wizard }) => {
  await wizard.hosts.add({ address: '192.168.1.10', user: 'pi' });
  await wizard.hosts.add({ address: '192.168.1.11', user: 'pi' });
  await wizard.page.getByLabel('Node name of 192.168.1.10').fill('control');
  await wizard.page.getByLabel('Node name of 192.168.1.11').fill('worker');
  await wizard.goForwardTo('Review');
});

test('lists every command per machine in order, secrets masked', async ({ wizard }) => {
  const { review } = wizard;
  await expect(review.host('control')).toContainText('Start the first server');
  await expect(review.host('control')).toContainText('/etc/rancher/k3s/config.yaml');
  await expect(review.host('worker')).toContainText('server: https://192.168.1.10:6443');
  await expect(review.host('worker')).toContainText('token: ••••••');
  await wizard.page.screenshot({ path: join(screenshotDir, 'review.png'), fullPage: true });
});

test('copies the commands of a machine and the join command, token masked', async ({ wizard }) => {
  const { review } = wizard;
  await review.copyHost('worker').click();
  await expect(review.copyHost('worker')).toHaveText('Copied');
  const commands = await review.clipboard();
  expect(commands).toContain('/etc/rancher/k3s/config.yaml');
  expect(commands).toContain('INSTALL_K3S_EXEC=agent');
  await review.copyJoin.click();
  const joinLine = await review.clipboard();
  expect(joinLine).toMatch(/K3S_URL=https:\/\/192\.168\.1\.10:6443/);
  expect(joinLine).toContain('••••••');
  await expect(review.joinSection).toContainText(joinLine.split('\n')[0]!);
});

test('saves the plan as a script and the cluster as a file the command line can use', async ({ wizard }) => {
  const { review, page } = wizard;
  const [script] = await Promise.all([page.waitForEvent('download'), review.saveScript.click()]);
  expect(script.suggestedFilename()).toBe('install-homelab.sh');
  const text = readFileSync(await script.path(), 'utf8');
  expect(text.startsWith('#!/bin/sh')).toBe(true);
  expect(text).toContain('on control: Install K3s server');
  const [file] = await Promise.all([page.waitForEvent('download'), review.saveClusterFile.click()]);
  expect(file.suggestedFilename()).toBe('homelab.yaml');
  const spec = parse(readFileSync(await file.path(), 'utf8')) as {
    nodes: { nodeName: string; role: string }[];
  };
  expect(spec.nodes.map((n) => [n.nodeName, n.role])).toEqual([
    ['control', 'server'],
    ['worker', 'agent'],
  ]);
});
