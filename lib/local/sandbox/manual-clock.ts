/**
 * A clock that moves only when told: the sandbox's runs, the client's timestamps and the watch
 * loop all read it, so a test or a local demo can play hours of a run in no time.
 */
import type { Clock } from '../../../functions/core/ports';

export class ManualClock implements Clock {
  #nowMs: number;

  /** @param start when the clock starts; @default 2026-05-08T08:00:00Z */
  constructor(start: Date | string = '2026-05-08T08:00:00Z') {
    this.#nowMs = toMs(start);
  }

  now(): Date {
    return new Date(this.#nowMs);
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`A clock only moves forward, not by ${ms} ms`);
    this.#nowMs += ms;
  }

  set(at: Date | string): void {
    this.#nowMs = toMs(at);
  }
}

function toMs(at: Date | string): number {
  const ms = typeof at === 'string' ? Date.parse(at) : at.getTime();
  if (Number.isNaN(ms)) throw new RangeError(`Not a time: ${String(at)}`);
  return ms;
}
