import { useState } from 'react';
import type { InvokeOutput } from '../../../shared/contract';
import type { K3sArch } from '../../../shared/facts';
import { BINARY_BY_ARCH, imagesName } from '../../../shared/plan';
import { useAppStore } from '../store';

type Inventory = InvokeOutput<'airgap:scan'>;

const ARCHES: { arch: K3sArch; label: string }[] = [
  { arch: 'amd64', label: 'x86_64 (amd64)' },
  { arch: 'arm64', label: '64-bit ARM (arm64)' },
  { arch: 'arm', label: '32-bit ARM (armhf)' },
];

/** What the air-gap folder holds for each architecture, and which machines need it. */
export function AirgapFolder({ folder }: { folder: string }) {
  const scan = useAppStore((s) => s.scanAirgap);
  const hosts = useAppStore((s) => s.hosts);
  const facts = useAppStore((s) => s.facts);
  const [result, setResult] = useState<{ folder: string; inventory: Inventory } | { error: string } | null>(
    null,
  );
  const needs = (arch: K3sArch) => hosts.filter((h) => facts[h.id]?.k3sArch === arch).map((h) => h.nodeName);

  return (
    <div className="airgap-scan">
      <button
        type="button"
        disabled={!folder.trim()}
        onClick={() =>
          void scan(folder).then((answer) =>
            setResult('error' in answer ? answer : { folder, inventory: answer.inventory }),
          )
        }
      >
        Check the folder
      </button>
      {result && 'error' in result && <p className="field-problem">{result.error}</p>}
      {result && 'inventory' in result && (
        <table className="flows-table" aria-label="Air-gap files">
          <thead>
            <tr>
              <th scope="col">Architecture</th>
              <th scope="col">K3s binary</th>
              <th scope="col">Checksum</th>
              <th scope="col">Images</th>
              <th scope="col">Needed by</th>
            </tr>
          </thead>
          <tbody>
            {ARCHES.map(({ arch, label }) => {
              const binary = BINARY_BY_ARCH[arch];
              const found = result.inventory.files.includes(binary);
              const images = imagesName(arch, result.inventory);
              const needed = needs(arch);
              return (
                <tr key={arch}>
                  <td>{label}</td>
                  <td className={found ? 'flow-open' : needed.length ? 'flow-blocked' : 'flow-unknown'}>
                    {binary}: {found ? 'found' : 'missing'}
                  </td>
                  <td>{result.inventory.sha256[binary] ? 'listed' : 'not listed'}</td>
                  <td>{images ?? 'none'}</td>
                  <td>{needed.length ? needed.join(', ') : '—'}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {result && 'inventory' in result && (
        <p className="help">
          install.sh: {result.inventory.files.includes('install.sh') ? 'found' : 'missing (needed)'}.
        </p>
      )}
    </div>
  );
}
