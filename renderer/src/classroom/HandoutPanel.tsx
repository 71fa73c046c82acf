/**
 * Access for the students once the clusters are built: a kubeconfig per student (its own
 * namespace, a role that reaches nothing else) or one per group, and a join command for one more
 * machine, all with tokens that expire after the lesson. Each is a file written 0600 by the back
 * end and saved from here; a QR code of each where it fits in one a phone reads from paper (a
 * kubeconfig, with its CA and token, rarely does: it is handed out as the file; the join command
 * always fits). "Print" prints the sheet.
 */
import { useState } from 'react';
import type { HandoutPer } from '../../../shared/fleet/handout';
import { parsePreset } from '../../../shared/fleet/preset';
import { RadioChoice } from '../components/FormFields';
import { useAppStore } from '../store';

/** Prints the hand-out alone (the rest of the page hidden), one cluster a page. */
function printSheet() {
  document.body.classList.add('print-handout');
  window.addEventListener('afterprint', () => document.body.classList.remove('print-handout'), {
    once: true,
  });
  window.print();
}

function Qr({ svg, note }: { svg: string | null; note: string }) {
  return (
    <figure className="handout-qr">
      {svg && (
        <img
          src={`data:image/svg+xml;utf8,${encodeURIComponent(svg)}`}
          alt={`QR code: ${note}`}
          width={180}
          height={180}
        />
      )}
      <figcaption>{note}</figcaption>
    </figure>
  );
}

export function HandoutPanel() {
  const handout = useAppStore((s) => s.fleetHandout);
  const error = useAppStore((s) => s.fleetHandoutError);
  const busy = useAppStore((s) => s.fleetBusy);
  const running = useAppStore((s) => s.fleetDashboard?.running ?? false);
  const presetText = useAppStore((s) => s.presetText);
  const handOut = useAppStore((s) => s.handOutFleet);
  const download = useAppStore((s) => s.downloadHandout);
  const preset = parsePreset(presetText).preset;
  const [per, setPer] = useState<HandoutPer>('student');
  const [ttl, setTtl] = useState('');
  return (
    <section className="fleet-handout" aria-label="Hand out access">
      <h2>Hand out access</h2>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void handOut({ per, ...(ttl.trim() ? { ttl: ttl.trim() } : {}) });
        }}
      >
        <RadioChoice
          legend="A kubeconfig"
          name="handout-per"
          value={per}
          onChange={setPer}
          options={[
            {
              value: 'student',
              label: `per student (${preset?.handout.studentsPerCluster ?? '?'} per cluster, each in its own namespace)`,
            },
            { value: 'group', label: 'per group (one namespace the group shares)' },
          ]}
        />
        <label htmlFor="handout-ttl">
          Tokens expire after (empty: the preset’s {preset?.handout.ttl ?? ''})
        </label>
        <input id="handout-ttl" placeholder="45m, 2h" value={ttl} onChange={(e) => setTtl(e.target.value)} />
        <button type="submit" className="primary" disabled={busy !== null || running}>
          Hand out access
        </button>
      </form>
      {error && (
        <p role="alert" className="field-problem" aria-label="Hand-out problem">
          {error}
        </p>
      )}
      {handout && (
        <div className="handout-sheet">
          <p role="status" aria-label="Hand-out">
            Access for {handout.clusters.length} clusters, expiring in {handout.expiresIn}; the files
            (readable only by you) are in {handout.dir}.
          </p>
          <button type="button" onClick={printSheet}>
            Print the QR codes
          </button>
          {handout.clusters.map((c) => (
            <section key={c.cluster} aria-label={`Access to ${c.cluster}`} className="handout-cluster">
              <h3>{c.cluster}</h3>
              <ul aria-label={`Kubeconfigs of ${c.cluster}`}>
                {c.kubeconfigs.map((k) => (
                  <li key={k.file}>
                    <strong>{k.namespace}</strong>{' '}
                    <button type="button" onClick={() => void download(c.cluster, k.file)}>
                      Save {c.cluster} {k.file}
                    </button>
                    <Qr {...k.qr} />
                  </li>
                ))}
              </ul>
              <p>
                One more machine joins as <strong>{c.join.node}</strong>{' '}
                <button type="button" onClick={() => void download(c.cluster, c.join.file)}>
                  Save {c.cluster} {c.join.file}
                </button>
              </p>
              <Qr {...c.join.qr} />
            </section>
          ))}
        </div>
      )}
    </section>
  );
}
