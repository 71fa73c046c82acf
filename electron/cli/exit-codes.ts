/** Exit codes scripts can rely on; documented in `k3s-wizard --help` and the README. */
export const EXIT = {
  OK: 0,
  /** The operation ran and failed (a check failed, a host could not be installed…). */
  FAILED: 1,
  /** The command line itself was wrong: unknown option, missing argument, invalid file. */
  USAGE: 2,
  /** Interrupted (Ctrl-C). */
  INTERRUPTED: 130,
} as const;
