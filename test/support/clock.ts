import type { Clock } from '../../functions/core/ports';

/** A clock that moves only when told to. */
export class TestClock implements Clock {
  #ms: number;
  constructor(start: string | Date = '2026-05-08T08:35:40.000Z') {
    this.#ms = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.#ms);
  }
  advance(ms: number): void {
    this.#ms += ms;
  }
}
