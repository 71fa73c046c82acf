/** What to show for a failure: an error's own message (AppError keeps its code elsewhere). */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
