/** The K3s documentation's firewall advice, word for word, beside what the app does instead. */
import { useId } from 'react';
import { firewallAdvice } from '../../../shared/firewall';
import type { ClusterSpec } from '../../../shared/spec';

export function FirewallAdvicePanel({ spec }: { spec: ClusterSpec }) {
  const id = useId();
  const advice = firewallAdvice(spec);
  return (
    <section className="panel" aria-labelledby={`${id}-advice`}>
      <h2 id={`${id}-advice`}>The K3s documentation’s advice, and what this app does instead</h2>
      <div className="field-row">
        <div className="field grow">
          <h3 id={`${id}-docs`}>The documented minimum</h3>
          <p className="help">Keeping firewalld:</p>
          <pre className="commands" aria-label="Documented minimum for firewalld">
            {advice.firewalld.join('\n')}
          </pre>
          <p className="help">Keeping ufw:</p>
          <pre className="commands" aria-label="Documented minimum for ufw">
            {advice.ufw.join('\n')}
          </pre>
          <p className="help">
            Or turn it off: <code>{advice.disable.firewalld}</code> (ufw: <code>{advice.disable.ufw}</code>).{' '}
            {advice.disable.risk}
          </p>
        </div>
        <div className="field grow">
          <h3>What this app does instead (“Open exactly what K3s needs”)</h3>
          <ul aria-label="What this app does instead">
            {advice.instead.map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
          <p className="help">Why it is stricter: {advice.why}</p>
        </div>
      </div>
    </section>
  );
}
