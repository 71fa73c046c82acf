/** All a page opened without the access key shows: how to get an address that works. */
export function NoKeyPage() {
  return (
    <main className="no-key-page">
      <img src="./icon.svg" alt="" width={48} height={48} />
      <h1>This address is missing its access key</h1>
      <p>
        k3s-wizard only answers the full address it printed when it started, the one that ends in{' '}
        <code>?token=…</code>. Without it, nothing here can reach your machines.
      </p>
      <ol>
        <li>
          In the terminal where <code>k3s-wizard serve</code> runs, find the line after “Open this address in
          your browser” and open that address, with its <code>?token=…</code>.
        </li>
        <li>
          If that terminal is gone, run <code>k3s-wizard serve</code> again: it prints a new address, and the
          old one stops working.
        </li>
        <li>
          Through an SSH tunnel (<code>ssh -L PORT:127.0.0.1:PORT …</code>), keep the port and the{' '}
          <code>?token=…</code> part exactly as printed.
        </li>
      </ol>
    </main>
  );
}
