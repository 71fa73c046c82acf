import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'shared/**/*.test.ts',
            'electron/**/*.test.ts',
            'renderer/src/**/*.test.ts',
            'scripts/**/*.test.ts',
          ],
          exclude: ['**/*.lab.test.ts'],
          environment: 'node',
          // Several tests log in to a real SSH server in this process (key exchange, signatures):
          // on a loaded machine (CI beside other work) one took over the default 5 s.
          testTimeout: 30_000,
        },
      },
      {
        // Tests against the lab's simulated hosts: real SSH, sudo, systemd, firewalls. Root only.
        test: {
          name: 'lab',
          include: ['e2e/lab/**/*.test.ts', '**/*.lab.test.ts'],
          exclude: ['node_modules/**'],
          environment: 'node',
          testTimeout: 300_000,
          hookTimeout: 900_000,
          fileParallelism: true,
          maxWorkers: 2,
        },
      },
    ],
  },
});
