import { useMemo } from 'react';
import { renderJoinCommand, joinCommand } from '../../../shared/join';
import { PHASES, planToScript, renderAction, type Plan, type PlanStep } from '../../../shared/plan';
import { firstServer, specToYaml } from '../../../shared/spec';
import { CopyButton } from '../components/CopyButton';
import { Issues } from '../components/Issues';
import { saveTextFile } from '../lib/files';
import { useAppStore } from '../store';
import { buildSpecInput } from '../store/spec';
import { usePlan } from '../store/use-plan';
import { useFactsByNode } from '../store/use-facts';
import { useSpecCheck } from '../store/use-spec';

const phaseTitle = (id: PlanStep['phase']) => PHASES.find((p) => p.id === id)?.title ?? id;

/** Every command of a step as a person would type it; secrets masked. */
function stepCommands(step: PlanStep): string {
  return step.actions.flatMap((action) => [`# ${action.what}`, ...renderAction(action)]).join('\n');
}

function hostsInOrder(plan: Plan): string[] {
  return [...new Set(plan.steps.map((s) => s.host))];
}

export function ReviewStep() {
  const result = usePlan();
  const { spec } = useSpecCheck();
  const cluster = useAppStore((s) => s.cluster);
  const hosts = useAppStore((s) => s.hosts);
  const facts = useFactsByNode();
  const join = useMemo(() => {
    const server = spec ? firstServer(spec) : undefined;
    // no machine can join a rootless server (joinCommand says why)
    if (!spec || !server || server.rootless) return null;
    return renderJoinCommand(joinCommand(spec, server, { facts: facts[server.nodeName] ?? null }));
  }, [spec, facts]);

  if (!result) return <p className="panel muted">Fix the problems on the Hosts and Cluster steps first.</p>;
  if (!result.ok) {
    return (
      <section className="panel">
        <h2>The plan cannot be made yet</h2>
        <Issues issues={result.issues} />
      </section>
    );
  }
  const { plan } = result;
  const name = cluster.name || 'cluster';

  return (
    <div className="review">
      <div className="toolbar">
        <button
          type="button"
          onClick={() => saveTextFile(`install-${name}.sh`, planToScript(plan), 'text/x-shellscript')}
        >
          Save as script
        </button>
        <button
          type="button"
          onClick={() =>
            saveTextFile(`${name}.yaml`, specToYaml(buildSpecInput(cluster, hosts)), 'application/yaml')
          }
        >
          Save cluster file
        </button>
        <p className="help">
          {plan.steps.length} steps on {hostsInOrder(plan).length} machines. Secrets are shown as •••••• and
          never saved.
        </p>
      </div>
      <Issues issues={plan.issues} />

      {hostsInOrder(plan).map((host) => {
        const steps = plan.steps.filter((s) => s.host === host);
        return (
          <section key={host} className="panel host-plan" aria-labelledby={`plan-${host}`}>
            <header>
              <h2 id={`plan-${host}`}>{host}</h2>
              <CopyButton
                label={`Copy all commands for ${host}`}
                text={steps.map(stepCommands).join('\n\n')}
              />
            </header>
            <ol className="plan-steps">
              {steps.map((step) => (
                <li key={step.id}>
                  <div className="plan-step-head">
                    <span className="phase">{phaseTitle(step.phase)}</span>
                    <strong>{step.title}</strong>
                    <CopyButton
                      label={`Copy the commands of “${step.title}” on ${host}`}
                      text={stepCommands(step)}
                    />
                  </div>
                  {step.notes.map((note) => (
                    <p key={note} className="help">
                      {note}
                    </p>
                  ))}
                  {step.alreadyDone && (
                    <p className="help">Skipped when already done (checked first on the machine).</p>
                  )}
                  <pre className="commands">{stepCommands(step)}</pre>
                </li>
              ))}
            </ol>
          </section>
        );
      })}

      {join && (
        <section className="panel" aria-labelledby="join-title">
          <h2 id="join-title">Add more machines later</h2>
          <p className="help">
            Run this on a new machine to join it as an agent. The token is filled in once the first server is
            installed.
          </p>
          <pre className="commands">{join}</pre>
          <CopyButton label="Copy the join command" text={join} />
        </section>
      )}
    </div>
  );
}
