/**
 * Remembers the last result of `fn` for the same arguments (by identity). Several components
 * read the same derived value (the checked spec, the plan) from the same store state: with
 * this they share one computation and one result, instead of one per component.
 */
export function memoizeLast<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
  let last: { args: A; result: R } | null = null;
  return (...args: A) => {
    if (last && last.args.length === args.length && last.args.every((arg, i) => Object.is(arg, args[i]))) {
      return last.result;
    }
    const result = fn(...args);
    last = { args, result };
    return result;
  };
}
