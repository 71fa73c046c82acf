import { STEPS } from '../steps/steps';
import { useAppStore } from '../store';

export function StepList() {
  const step = useAppStore((s) => s.step);
  const reached = useAppStore((s) => s.reached);
  const goTo = useAppStore((s) => s.goTo);
  return (
    <ol className="step-list">
      {STEPS.map((item, index) => {
        const isCurrent = item.id === step;
        const isReached = reached.includes(item.id);
        return (
          <li key={item.id}>
            <button
              type="button"
              className={isCurrent ? 'current' : isReached ? 'reached' : undefined}
              aria-current={isCurrent ? 'step' : undefined}
              disabled={!isReached}
              onClick={() => goTo(item.id)}
            >
              <span className="step-number" aria-hidden="true">
                {index + 1}
              </span>
              {item.title}
            </button>
          </li>
        );
      })}
    </ol>
  );
}
