/**
 * Failures the sandbox can be told to produce, and which request each one hits.
 */

export type Fault =
  /** Answers this status before doing anything (a gateway or an overloaded server). */
  | { kind: 'status'; status: 500 | 502 | 503 }
  /** HTTP 429 with `Retry-After`, before doing anything. */
  | { kind: 'rateLimit'; retryAfterSeconds: number }
  /** Waits, then handles the request normally. */
  | { kind: 'slow'; delayMs: number }
  /** Handles the request (a start does start a run), then destroys the socket unanswered: a lost answer. */
  | { kind: 'drop' }
  /** HTTP 200 with a body that is not JSON. */
  | { kind: 'malformed' }
  /** `success: false` with this message, before doing anything. */
  | { kind: 'rejected'; message: string }
  /** HTTP 401 `unauthorized`, before doing anything. */
  | { kind: 'authFailure' }
  /** Any canned answer, before doing anything: for shapes the other faults do not cover. */
  | { kind: 'reply'; httpStatus: number; body: unknown };

export interface FaultScope {
  /** Only requests about this run (`execId` in the query or body). */
  execId?: string;
  /** Only requests about this task (`taskId` in the query or body). */
  taskId?: string;
  /** Only this API path, e.g. `/openapi/v1/comparedata/execute`. */
  path?: string;
  /** How many requests it hits. @default Infinity */
  times?: number;
}

/** What a request is about, as far as scoping goes. */
export interface FaultTarget {
  path: string;
  execId: string | null;
  taskId: string | null;
}

interface ArmedFault {
  fault: Fault;
  scope: FaultScope;
  remaining: number;
}

/** Injected faults, first injected first served; each hit uses one of its `times`. */
export class FaultBook {
  #armed: ArmedFault[] = [];

  inject(fault: Fault, scope: FaultScope = {}): void {
    const times = scope.times ?? Number.POSITIVE_INFINITY;
    if (!(times > 0)) throw new RangeError(`A fault must hit at least once, not ${times} times`);
    this.#armed.push({ fault, scope, remaining: times });
  }

  clear(): void {
    this.#armed = [];
  }

  /** The fault for this request, if any; uses it up. */
  take(target: FaultTarget): Fault | null {
    const armed = this.#armed.find(
      (candidate) => candidate.remaining > 0 && matches(candidate.scope, target),
    );
    if (armed === undefined) return null;
    armed.remaining -= 1;
    this.#armed = this.#armed.filter((candidate) => candidate.remaining > 0);
    return armed.fault;
  }
}

function matches(scope: FaultScope, target: FaultTarget): boolean {
  if (scope.path !== undefined && scope.path !== target.path) return false;
  if (scope.execId !== undefined && scope.execId !== target.execId) return false;
  if (scope.taskId !== undefined && scope.taskId !== target.taskId) return false;
  return true;
}
