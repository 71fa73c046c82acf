/**
 * The main window's size, position and maximized state, kept in `dataDir/window-state.json`.
 * A saved position is used only while it is still on a connected display: a window restored
 * onto an unplugged monitor would be invisible. Plain Node; the window and displays are injected.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { writeFileAtomic } from './files';

export interface Rectangle {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface DisplayLike {
  /** The part of the display windows may use (without task bars and docks). */
  workArea: Rectangle;
}

const Int = z.number().int().min(-100_000).max(100_000);
const WindowStateSchema = z.object({
  bounds: z.object({ x: Int, y: Int, width: Int.min(1), height: Int.min(1) }),
  maximized: z.boolean(),
});
export type WindowState = z.infer<typeof WindowStateSchema>;

/** What to open the window with: a position only when it is safe to reuse. */
export interface InitialWindowState {
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized: boolean;
}

// The title bar must show enough to grab it: this much of the window's top strip on a display.
const TITLE_STRIP = 32;
const GRAB_WIDTH = 100;
const GRAB_HEIGHT = 16;

function overlap(a: Rectangle, b: Rectangle): { width: number; height: number } {
  return {
    width: Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x),
    height: Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y),
  };
}

/** The display whose work area shows enough of the window's title bar to drag it, if any. */
export function displayShowing(bounds: Rectangle, displays: readonly DisplayLike[]): DisplayLike | undefined {
  const strip = { ...bounds, height: Math.min(TITLE_STRIP, bounds.height) };
  return displays.find((display) => {
    const seen = overlap(strip, display.workArea);
    return (
      seen.width >= Math.min(GRAB_WIDTH, bounds.width) && seen.height >= Math.min(GRAB_HEIGHT, strip.height)
    );
  });
}

export function readWindowState(file: string): WindowState | null {
  try {
    const parsed = WindowStateSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null; // first start, or a damaged file: the defaults will do
  }
}

export function writeWindowState(file: string, state: WindowState): void {
  writeFileAtomic(file, `${JSON.stringify(state)}\n`, { mode: 0o600 });
}

/**
 * How to open the window: the saved bounds when still on a display (shrunk to fit it), else the
 * saved size on the primary display, centred by Electron; the defaults the first time.
 */
export function initialWindowState({
  saved,
  displays,
  defaults,
  minimum,
}: {
  saved: WindowState | null;
  /** Connected displays, the primary first. */
  displays: readonly DisplayLike[];
  defaults: { width: number; height: number };
  minimum: { width: number; height: number };
}): InitialWindowState {
  if (!saved) return { ...defaults, maximized: false };
  const { bounds, maximized } = saved;
  const display = displayShowing(bounds, displays);
  const area = (display ?? displays[0])?.workArea;
  const fit = (size: number, min: number, max: number | undefined) =>
    Math.max(min, max === undefined ? size : Math.min(size, max));
  const width = fit(bounds.width, minimum.width, area?.width);
  const height = fit(bounds.height, minimum.height, area?.height);
  return display ? { x: bounds.x, y: bounds.y, width, height, maximized } : { width, height, maximized };
}

export interface TrackedWindow {
  /** The bounds when neither maximized nor minimized: what to restore next time. */
  getNormalBounds(): Rectangle;
  isMaximized(): boolean;
  on(event: 'resize' | 'move' | 'maximize' | 'unmaximize' | 'close', listener: () => void): unknown;
}

/**
 * Saves the window's state a moment after it is moved or resized (so a crash loses little) and
 * at once when it closes. Returns a function that stops tracking.
 */
export function trackWindowState({
  window,
  file,
  delayMs = 500,
  onError,
}: {
  window: TrackedWindow;
  file: string;
  delayMs?: number;
  onError?: (error: unknown) => void;
}): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const save = (): void => {
    clearTimeout(timer);
    timer = undefined;
    if (stopped) return;
    try {
      writeWindowState(file, { bounds: window.getNormalBounds(), maximized: window.isMaximized() });
    } catch (error) {
      onError?.(error); // a window that does not remember its place is no reason to fail
    }
  };
  const later = (): void => {
    clearTimeout(timer);
    timer = setTimeout(save, delayMs);
  };
  for (const event of ['resize', 'move', 'maximize', 'unmaximize'] as const) window.on(event, later);
  window.on('close', save);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
