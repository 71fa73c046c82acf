/**
 * What a day-two run leaves for the next one, per cluster on this computer: the nodes it
 * cordoned and has not uncordoned yet (so a resumed upgrade uncordons them, and never a node
 * someone else cordoned), and a token rotation under way (when it was rotated and the nodes
 * restarted with the new token since; never a token). dataDir/clusters/<name>/day-two.json, 0600.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';

const Rotation = z.object({
  startedAt: z.string().max(64),
  /** The nodes restarted with the new token. */
  restarted: z.array(z.string().max(253)).max(5000),
});
const State = z.object({
  cordonedByUs: z.array(z.string().max(253)).max(5000),
  rotation: Rotation.nullable().optional(),
});
export type DayTwoState = z.infer<typeof State>;

export function statePath(dataDir: string, cluster: string): string {
  return join(dataDir, 'clusters', cluster.replace(/[^A-Za-z0-9._-]/g, '-'), 'day-two.json');
}

export function readState(path: string): DayTwoState {
  try {
    const parsed = State.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    return parsed.success ? parsed.data : { cordonedByUs: [] };
  } catch {
    return { cordonedByUs: [] };
  }
}

export function writeState(path: string, state: DayTwoState): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(`${path}.tmp`, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
}

/** Keeps the file in step with each cordon and uncordon, as they happen. */
export class CordonLedger {
  private readonly state: DayTwoState;
  constructor(private readonly path: string) {
    this.state = readState(path);
  }
  get nodes(): readonly string[] {
    return this.state.cordonedByUs;
  }
  cordoned(node: string): void {
    if (!this.state.cordonedByUs.includes(node)) this.state.cordonedByUs.push(node);
    writeState(this.path, { ...readState(this.path), cordonedByUs: this.state.cordonedByUs });
  }
  uncordoned(node: string): void {
    this.state.cordonedByUs = this.state.cordonedByUs.filter((n) => n !== node);
    writeState(this.path, { ...readState(this.path), cordonedByUs: this.state.cordonedByUs });
  }
}

/** A token rotation under way: kept in step as it goes, so the next run continues it. */
export class RotationLedger {
  constructor(private readonly path: string) {}
  private get state(): DayTwoState {
    return readState(this.path);
  }
  get current(): z.infer<typeof Rotation> | null {
    return this.state.rotation ?? null;
  }
  started(at: Date): void {
    writeState(this.path, { ...this.state, rotation: { startedAt: at.toISOString(), restarted: [] } });
  }
  restarted(node: string): void {
    const state = this.state;
    const rotation = state.rotation ?? { startedAt: new Date().toISOString(), restarted: [] };
    if (!rotation.restarted.includes(node)) rotation.restarted.push(node);
    writeState(this.path, { ...state, rotation });
  }
  finished(): void {
    writeState(this.path, { ...this.state, rotation: null });
  }
}
