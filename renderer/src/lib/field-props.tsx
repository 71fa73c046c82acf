/**
 * The accessible wiring of a form field and its problem line: the input's id, aria-invalid and
 * aria-describedby pointing at the problem shown under it.
 */
export function fieldProps<K extends string>(id: string, problems: Partial<Record<K, string>>) {
  const field = (name: K) => ({
    id: `${id}-${name}`,
    'aria-invalid': problems[name] ? true : undefined,
    'aria-describedby': problems[name] ? `${id}-${name}-problem` : undefined,
  });
  const problem = (name: K) =>
    problems[name] ? (
      <p className="field-problem" id={`${id}-${name}-problem`}>
        {problems[name]}
      </p>
    ) : null;
  return { field, problem };
}
