import { homedir } from 'node:os';
import { join } from 'node:path';

export const APP_NAME = 'k3s-wizard';

/**
 * Where the app keeps its data (known hosts, saved clusters, run logs): the same folder
 * Electron's `app.getPath('userData')` gives, so all three fronts share it.
 * `K3S_WIZARD_DATA_DIR` overrides it (tests, portable installs).
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.K3S_WIZARD_DATA_DIR) return env.K3S_WIZARD_DATA_DIR;
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), APP_NAME);
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', APP_NAME);
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), APP_NAME);
}
