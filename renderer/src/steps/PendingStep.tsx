/** Shown for the steps whose screens have not landed yet; says so plainly. */
export function PendingStep() {
  return (
    <section className="panel muted">
      <p>This step is not built yet in this version of k3s-wizard.</p>
    </section>
  );
}
