/**
 * #18 Classroom screen, in the browser front: a roster pasted as CSV (a bad line named by its
 * number first), split by its group column; machines moved by the "Move to" choice, from the
 * keyboard (Alt+Right / Alt+Left) and by drag and drop; a cluster that loses its server gets its
 * next machine as server. A plain range splits into N clusters.
 */
import { expect, test } from './fixtures';
import { ClassroomPage } from './pages/classroom';

test('roster import and moves between clusters', async ({ wizard }) => {
  const page = wizard.page;
  const room = new ClassroomPage(page);
  await room.open.click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Classroom');

  await room.roster.fill('address,group\n10.9.0.1,red\n10.9.0.2,red\n10.9.0.3\n10.9.0.4,blue\n');
  await room.importButton.click();
  await expect(room.problems).toContainText('Line 4: expected address,group[,name[,role]], found 1 field.');

  await room.roster.fill('address,group\n10.9.0.1,red\n10.9.0.2,red\n10.9.0.3,red\n10.9.0.4,blue\n');
  await room.importButton.click();
  await expect(room.problems).toBeHidden();
  await expect(room.machines('red')).toHaveText([/pi-red-1 10\.9\.0\.1 \(server\)/, /pi-red-2/, /pi-red-3/]);
  await expect(room.machines('blue')).toHaveCount(1);

  // the choice
  await room.moveSelect('pi-red-3').selectOption('blue');
  await expect(room.machines('red')).toHaveCount(2);
  await expect(room.machines('blue')).toHaveText([
    /10\.9\.0\.4 \(server\)/,
    /pi-blue-2 10\.9\.0\.3 \(agent\)/,
  ]);

  // the keyboard: the machine moves, and focus goes with it
  await room.machine('10.9.0.2').focus();
  await page.keyboard.press('Alt+ArrowRight');
  await expect(room.machines('blue')).toHaveCount(3);
  await expect(room.machine('10.9.0.2')).toBeFocused();
  await page.keyboard.press('Alt+ArrowLeft');
  await expect(room.machines('red')).toHaveText([/10\.9\.0\.1 \(server\)/, /10\.9\.0\.2 \(agent\)/]);

  // drag and drop: the server leaves red, its other machine becomes red's server
  await room.machine('10.9.0.1').dragTo(room.cluster('blue'));
  await expect(room.machines('red')).toHaveText([/pi-red-1 10\.9\.0\.2 \(server\)/]);
  await expect(room.machines('blue')).toHaveCount(3);
  await expect(room.machines('blue').last()).toHaveAccessibleName(/10\.9\.0\.1$/);
});

test('a range without groups splits into N clusters; too wide a range is refused', async ({ wizard }) => {
  const room = new ClassroomPage(wizard.page);
  await room.open.click();
  await room.roster.fill('10.9.1.10-200');
  await room.importButton.click();
  await expect(room.problems).toContainText('at most 64 at once');
  await room.roster.fill('10.9.1.10-15');
  await room.clusterCount.fill('3');
  await room.importButton.click();
  for (const group of ['a', 'b', 'c']) await expect(room.machines(group)).toHaveCount(2);
  await expect(room.machines('c').first()).toHaveAccessibleName('pi-c-1 10.9.1.14 (server)');
});
