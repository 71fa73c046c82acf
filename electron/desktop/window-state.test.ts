import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  displayShowing,
  initialWindowState,
  readWindowState,
  trackWindowState,
  type Rectangle,
  type TrackedWindow,
} from './window-state';

const laptop = { workArea: { x: 0, y: 0, width: 1440, height: 870 } };
const monitorOnTheLeft = { workArea: { x: -2560, y: 0, width: 2560, height: 1400 } };
const defaults = { width: 1200, height: 800 };
const minimum = { width: 900, height: 600 };
const stateFile = () => join(mkdtempSync(join(tmpdir(), 'k3sw-window-')), 'window-state.json');

/** A window whose bounds the test sets, firing the events Electron would. */
class FakeWindow implements TrackedWindow {
  bounds: Rectangle = { x: 10, y: 20, width: 1000, height: 700 };
  maximized = false;
  private readonly listeners = new Map<string, (() => void)[]>();
  getNormalBounds(): Rectangle {
    return { ...this.bounds };
  }
  isMaximized(): boolean {
    return this.maximized;
  }
  on(event: string, listener: () => void): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }
  emit(event: string): void {
    for (const listener of this.listeners.get(event) ?? []) listener();
  }
}

describe('window state', () => {
  it('opens with the defaults the first time', () => {
    expect(initialWindowState({ saved: null, displays: [laptop], defaults, minimum })).toEqual({
      width: 1200,
      height: 800,
      maximized: false,
    });
  });

  it('restores the saved place on a display that is still connected, even left of the primary', () => {
    const saved = { bounds: { x: -2000, y: 100, width: 1300, height: 900 }, maximized: true };
    expect(initialWindowState({ saved, displays: [laptop, monitorOnTheLeft], defaults, minimum })).toEqual({
      x: -2000,
      y: 100,
      width: 1300,
      height: 900,
      maximized: true,
    });
  });

  it('forgets the position when that display is gone, keeping a size that fits the primary one', () => {
    const saved = { bounds: { x: -2000, y: 100, width: 2000, height: 1300 }, maximized: false };
    expect(initialWindowState({ saved, displays: [laptop], defaults, minimum })).toEqual({
      width: 1440,
      height: 870,
      maximized: false,
    });
  });

  it('never opens smaller than the minimum', () => {
    const saved = { bounds: { x: 0, y: 0, width: 300, height: 200 }, maximized: false };
    expect(initialWindowState({ saved, displays: [laptop], defaults, minimum })).toMatchObject({
      width: 900,
      height: 600,
    });
  });

  it('needs the title bar on a display, not just a corner of the window', () => {
    const size = { width: 1000, height: 700 };
    expect(displayShowing({ x: 100, y: 100, ...size }, [laptop])).toBe(laptop);
    // Only the bottom of the window is on screen: the title bar is above the display.
    expect(displayShowing({ x: 100, y: -650, ...size }, [laptop])).toBeUndefined();
    // Only a 50 px sliver on the right edge.
    expect(displayShowing({ x: 1390, y: 100, ...size }, [laptop])).toBeUndefined();
    expect(displayShowing({ x: 1300, y: 100, ...size }, [laptop])).toBe(laptop);
  });

  it('reads nothing from a missing or damaged file', () => {
    const file = stateFile();
    expect(readWindowState(file)).toBeNull();
    writeFileSync(file, '{"bounds":{"x":"left"}}');
    expect(readWindowState(file)).toBeNull();
    writeFileSync(file, 'not json');
    expect(readWindowState(file)).toBeNull();
  });

  describe('tracking', () => {
    beforeEach(() => {
      vi.useFakeTimers();
    });
    afterEach(() => {
      vi.useRealTimers();
    });

    it('saves a moment after the window moves, and at once when it closes', () => {
      const file = stateFile();
      const window = new FakeWindow();
      trackWindowState({ window, file, delayMs: 500 });
      window.emit('move');
      window.emit('resize');
      expect(readWindowState(file)).toBeNull();
      vi.advanceTimersByTime(500);
      expect(readWindowState(file)).toEqual({ bounds: window.bounds, maximized: false });
      expect(statSync(file).mode & 0o777).toBe(0o600);

      window.maximized = true;
      window.emit('maximize');
      window.bounds = { x: 50, y: 60, width: 1100, height: 750 };
      window.emit('close');
      expect(readWindowState(file)).toEqual({
        bounds: { x: 50, y: 60, width: 1100, height: 750 },
        maximized: true,
      });
    });

    it('stops saving once stopped', () => {
      const file = stateFile();
      const window = new FakeWindow();
      const stop = trackWindowState({ window, file });
      window.emit('resize');
      stop();
      vi.advanceTimersByTime(10_000);
      window.emit('close');
      expect(readWindowState(file)).toBeNull();
    });

    it('reports a failed save instead of throwing into the window', () => {
      const errors: unknown[] = [];
      const window = new FakeWindow();
      trackWindowState({
        window,
        file: join(stateFile(), 'missing-dir', 'x.json'),
        onError: (e) => errors.push(e),
      });
      expect(() => window.emit('close')).not.toThrow();
      expect(errors).toHaveLength(1);
    });
  });
});
