/**
 * A classroom of machines as the wizard would hold them after probing: one amd64 server and
 * Raspberry Pis that all call themselves "raspberrypi", every sixth without the memory cgroup.
 * Put in a tab's saved draft (as a reload restores it), so no machine is dialled.
 */
import type { Page } from '@playwright/test';
import type { HostFacts } from '../shared/facts';
import { makeFacts } from '../test-support/shared/spec';

export function classroom(machines: number) {
  const hosts = [];
  const facts: Record<string, HostFacts> = {};
  for (let i = 0; i < machines; i++) {
    const address = `10.1.${Math.floor((i + 1) / 250)}.${((i + 1) % 250) + 1}`;
    const pi = i > 0;
    const id = `pi@${address}:22`;
    hosts.push({
      id,
      address,
      port: 22,
      user: 'pi',
      auth: 'agent',
      keyPath: '',
      role: pi ? 'agent' : 'server',
      nodeName: pi ? `raspberrypi-${i}` : 'control',
    });
    facts[id] = pi
      ? makeFacts(
          address,
          {
            hostname: 'raspberrypi',
            raspberryPi: { model: 'Raspberry Pi 4 Model B', cmdlinePath: '/boot/firmware/cmdline.txt' },
            cgroup: { version: 2, memory: i % 6 !== 3 },
          },
          'arm64',
        )
      : makeFacts(address, { hostname: 'control' });
  }
  return { hosts, facts };
}

/** Replaces the tab's draft with the classroom and reloads; the wizard opens on Hosts. */
export async function seedClassroom(
  page: Page,
  machines: number,
  addFirst: () => Promise<void>,
): Promise<void> {
  // A first host makes the tab save its draft; the classroom then replaces it.
  await addFirst();
  await page.waitForFunction(() => sessionStorage.getItem('k3s-wizard-draft') !== null, undefined, {
    timeout: 10_000,
  });
  await page.evaluate((room) => {
    const draft = JSON.parse(sessionStorage.getItem('k3s-wizard-draft') ?? '{}') as { state: object };
    draft.state = { ...draft.state, ...room, step: 'hosts', reached: ['hosts'] };
    sessionStorage.setItem('k3s-wizard-draft', JSON.stringify(draft));
  }, classroom(machines));
  await page.reload();
}
