export interface Counts {
  passed: number;
  failed: number;
  notes: string[];
}
export function vitestCounts(report: unknown, status: number | null): Counts;
export function playwrightCounts(report: unknown, status: number | null): Counts;
export function stepCounts(status: number | null): Counts;
