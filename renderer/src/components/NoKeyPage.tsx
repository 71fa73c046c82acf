import type { AccessProblem } from '../bridge/session';

const HEADINGS: Record<AccessProblem, string> = {
  none: 'This address is missing its access key',
  used: 'This address was already used',
  unknown: 'This address’s access key is not valid',
};

/** All a page without a session shows: why, and how to get an address that works. */
export function NoKeyPage({ problem }: { problem: AccessProblem }) {
  return (
    <main className="no-key-page">
      <img src="./icon.svg" alt="" width={48} height={48} />
      <h1>{HEADINGS[problem]}</h1>
      {problem === 'none' && (
        <p>
          k3s-wizard only answers the full address it printed when it started, the one that ends in{' '}
          <code>?token=…</code>. Without it, nothing here can reach your machines.
        </p>
      )}
      {problem === 'used' && (
        <p>
          The address k3s-wizard printed opens the wizard once, in the browser that opened it first: a copy, a
          bookmark or the browser’s history cannot open it again, so nobody else can use it after you. Go back
          to the tab where the wizard is open (reloading it there keeps working).
        </p>
      )}
      {problem === 'unknown' && (
        <p>
          Its key is not the one of the k3s-wizard running now: the address is from an earlier run (k3s-wizard
          was restarted since), or it lost a character on the way. Open the new address it printed.
        </p>
      )}
      <ol>
        <li>
          In the terminal where <code>k3s-wizard serve</code> runs, find the line after “Open this address in
          your browser” and open that address, with its <code>?token=…</code>.
        </li>
        <li>
          If that terminal is gone, or its address was used already, run <code>k3s-wizard serve</code> again:
          it prints a new address, and the old one stops working.
        </li>
        <li>
          Through an SSH tunnel (<code>ssh -L PORT:127.0.0.1:PORT …</code>), keep the port and the{' '}
          <code>?token=…</code> part exactly as printed.
        </li>
      </ol>
    </main>
  );
}
