import { useEffect, useRef } from 'react';
import { ClassroomScreen } from './classroom/ClassroomScreen';
import { AboutDialog } from './components/AboutDialog';
import { ClusterMain } from './components/ClusterPage';
import { ErrorBoundary } from './components/ErrorBoundary';
import { LogPanel } from './components/LogPanel';
import { SavedClusters } from './components/SavedClusters';
import { StepList } from './components/StepList';
import { StatusBar } from './components/StatusBar';
import { ChecksStep } from './steps/ChecksStep';
import { ClusterStep } from './steps/ClusterStep';
import { DoneStep } from './steps/DoneStep';
import { FirewallStep } from './steps/FirewallStep';
import { HostsStep } from './steps/HostsStep';
import { InstallStep } from './steps/InstallStep';
import { ReviewStep } from './steps/ReviewStep';
import { STEPS, stepIndex, type StepId } from './steps/steps';
import { useAppStore } from './store';
import { nextBlockedBecause } from './store/next-blocked';
import { useWizardIssues } from './store/use-issues';
import { installState } from './steps/done-state';

function StepBody({ step }: { step: StepId }) {
  switch (step) {
    case 'hosts':
      return <HostsStep />;
    case 'checks':
      return <ChecksStep />;
    case 'cluster':
      return <ClusterStep />;
    case 'firewall':
      return <FirewallStep />;
    case 'review':
      return <ReviewStep />;
    case 'install':
      return <InstallStep />;
    case 'done':
      return <DoneStep />;
  }
}

export function App() {
  const step = useAppStore((s) => s.step);
  const next = useAppStore((s) => s.next);
  const back = useAppStore((s) => s.back);
  const heading = useRef<HTMLHeadingElement>(null);
  const dialogOpen = useAppStore((s) => s.dialogOpen);
  const setDialogOpen = useAppStore((s) => s.setDialogOpen);
  const savedSlug = useAppStore((s) => s.savedSlug);
  const classroomOpen = useAppStore((s) => s.classroomOpen);
  const setClassroomOpen = useAppStore((s) => s.setClassroomOpen);
  const saveError = useAppStore((s) => s.saveError);
  const clusterName = useAppStore((s) => s.cluster.name);
  const hosts = useAppStore((s) => s.hosts);
  const issues = useWizardIssues();
  const index = stepIndex(step);
  // Installed also when only the flow test after the install failed: Done says what is blocked.
  const installed = useAppStore((s) => installState(s.run).installed);
  const blocked = nextBlockedBecause(step, { hosts, issues, installed });
  const current = STEPS[index]!;
  const page = useAppStore((s) => s.page);

  // Move focus to the new step's heading so keyboard and screen-reader users follow along
  // (not on first load: focus then stays where the browser put it).
  const firstRender = useRef(true);
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    heading.current?.focus();
  }, [step]);

  return (
    <div className="app">
      <header className="app-header">
        <img src="./icon.svg" alt="" width={28} height={28} />
        <span className="app-name">k3s-wizard</span>
        <span className="save-state" role="status">
          {saveError ?? (savedSlug ? `Saved as ${clusterName}` : '')}
        </span>
        <button type="button" onClick={() => setDialogOpen('saved')}>
          Saved clusters
        </button>
        <button type="button" aria-pressed={classroomOpen} onClick={() => setClassroomOpen(!classroomOpen)}>
          Classroom
        </button>
        <SavedClusters open={dialogOpen === 'saved'} onClose={() => setDialogOpen(null)} />
        <AboutDialog open={dialogOpen === 'about'} onClose={() => setDialogOpen(null)} />
      </header>
      <nav className="app-steps" aria-label="Wizard steps" hidden={page === 'cluster'}>
        <StepList />
      </nav>
      {classroomOpen && (
        <main className="app-main">
          <h1>Classroom</h1>
          <p className="step-summary">
            Many machines into several clusters: import the roster, then arrange them.
          </p>
          <ErrorBoundary what="the Classroom screen" reloadLabel="Reload the Classroom screen">
            <ClassroomScreen />
          </ErrorBoundary>
        </main>
      )}
      {!classroomOpen && page === 'cluster' && <ClusterMain />}
      <main className="app-main" hidden={page === 'cluster' || classroomOpen}>
        <h1 ref={heading} tabIndex={-1}>
          {current.title}
        </h1>
        <p className="step-summary">{current.summary}</p>
        {/* A crash in one step leaves the frame (steps, Back, Next) and the user's work in place. */}
        <ErrorBoundary key={step} what={`the ${current.title} step`} reloadLabel="Reload this step">
          <StepBody step={step} />
        </ErrorBoundary>
        <div className="step-actions">
          <button type="button" onClick={back} disabled={index === 0}>
            Back
          </button>
          {blocked && (
            <p id="next-blocked" className="help">
              {blocked}
            </p>
          )}
          <button
            type="button"
            className="primary"
            onClick={next}
            disabled={index === STEPS.length - 1 || blocked !== null}
            aria-describedby={blocked ? 'next-blocked' : undefined}
          >
            Next
          </button>
        </div>
      </main>
      <ErrorBoundary what="the log" reloadLabel="Reload the log">
        <LogPanel />
      </ErrorBoundary>
      <StatusBar />
    </div>
  );
}
