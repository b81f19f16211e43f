/**
 * Typed NineData failures. The `name` of each class is a contract: the state machine's Retry and
 * Catch match on it, and the HTTP API maps it to a status. Never put the secret in a message.
 */

export interface NineDataErrorDetails {
  /** The request path, e.g. `/openapi/v1/comparedata/queryTaskExecInfo` (never the query string). */
  path: string;
  /** HTTP status of the last answer; null when none arrived (connection error, time-out). */
  httpStatus: number | null;
  /** NineData's `requestId`, when the answer carried one. */
  requestId: string | null;
  /** NineData's `message`, when the answer carried one. */
  upstreamMessage?: string | null;
  /** Seconds NineData asked us to wait (429 Retry-After), when it said. */
  retryAfterSeconds?: number | null;
  cause?: unknown;
}

export abstract class NineDataError extends Error {
  /** Whether trying again later may succeed. */
  abstract readonly transient: boolean;
  readonly path: string;
  readonly httpStatus: number | null;
  readonly requestId: string | null;
  readonly upstreamMessage: string | null;
  readonly retryAfterSeconds: number | null;

  constructor(message: string, details: NineDataErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.path = details.path;
    this.httpStatus = details.httpStatus;
    this.requestId = details.requestId;
    this.upstreamMessage = details.upstreamMessage ?? null;
    this.retryAfterSeconds = details.retryAfterSeconds ?? null;
  }

  /** What logs and problem details may show: no secret, no headers. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      message: this.message,
      path: this.path,
      httpStatus: this.httpStatus,
      requestId: this.requestId,
      upstreamMessage: this.upstreamMessage,
      retryAfterSeconds: this.retryAfterSeconds,
    };
  }
}

/** Transient: connection refused or dropped, 5xx, 429. Worth retrying later. */
export class NineDataUnavailable extends NineDataError {
  override readonly name = 'NineDataUnavailable';
  readonly transient = true;
}

/** Transient: no answer within the time allowed (per attempt or overall). */
export class NineDataTimeout extends NineDataError {
  override readonly name = 'NineDataTimeout';
  readonly transient = true;
}

/** NineData does not know the run or task. */
export class NineDataNotFound extends NineDataError {
  override readonly name = 'NineDataNotFound';
  readonly transient = false;
}

/** NineData rejected our credentials (AccessKey, signature or clock), even after re-reading its clock. */
export class NineDataAuthRejected extends NineDataError {
  override readonly name = 'NineDataAuthRejected';
  readonly transient = false;
}

/** Any other `success: false`, or a 4xx without an envelope: NineData's answer, with its message. */
export class NineDataRejected extends NineDataError {
  override readonly name = 'NineDataRejected';
  readonly transient = false;
}

/** The answer was not JSON, not the envelope, or lacked fields we cannot do without. */
export class NineDataInvalidResponse extends NineDataError {
  override readonly name = 'NineDataInvalidResponse';
  readonly transient = false;
}

/** Failures the client itself retries at once (within one call's deadline). */
export const TRANSIENT_ERROR_NAMES = ['NineDataUnavailable', 'NineDataTimeout'] as const;

/**
 * Failures the watch workflow retries over minutes: the transient ones, and an unreadable answer —
 * a proxy's error page with HTTP 200 passes, and one should not end a day-long watch.
 */
export const WORKFLOW_RETRIED_ERROR_NAMES = [...TRANSIENT_ERROR_NAMES, 'NineDataInvalidResponse'] as const;

/** NineData's definite answers: the watch ends as `unreachable` at once. */
export const DEFINITE_ERROR_NAMES = ['NineDataNotFound', 'NineDataAuthRejected', 'NineDataRejected'] as const;

export function isNineDataError(error: unknown): error is NineDataError {
  return error instanceof NineDataError;
}
