/**
 * The NineData client: implements the `NineDataApi` port over HTTP (NINEDATA.md).
 *
 * Per call: sign every attempt, give each attempt its own time-out inside one overall deadline,
 * retry transient failures of reads with full-jitter backoff (honouring 429 Retry-After), never
 * retry a start that may have reached NineData, and on an authentication rejection re-read
 * NineData's clock once and try again.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import {
  type Clock,
  type CompareOption,
  type NineDataApi,
  systemClock,
  type TableSummaryQuery,
} from '../core/ports';
import {
  NineDataAuthRejected,
  type NineDataError,
  type NineDataErrorDetails,
  NineDataInvalidResponse,
  NineDataNotFound,
  NineDataRejected,
  NineDataTimeout,
  NineDataUnavailable,
} from './errors';
import { refusalKind } from './refusals';
import {
  type Envelope,
  type Parsed,
  parseEnvelope,
  parseExecId,
  parseJsonBody,
  parseRun,
  parseServerTime,
  parseTableSummaryPage,
  parseTask,
} from './schemas';
import { authHeaders, type Credentials } from './signing';
import { type HttpResponse, sendHttp, TransportFailure } from './transport';

export const NINEDATA_PATHS = {
  now: '/openapi/now',
  run: '/openapi/v1/comparedata/queryTaskExecInfo',
  task: '/openapi/v1/comparedata/queryTaskById',
  execute: '/openapi/v1/comparedata/execute',
  stop: '/openapi/v1/comparedata/stop',
  tableSummary: '/openapi/v1/comparedata/result/tableSummary',
} as const;

/** One HTTP attempt, reported to `onAttempt` (metrics). */
export interface NineDataAttempt {
  /** The API path, without prefix or query string. */
  path: string;
  method: string;
  /** Null when no answer arrived. */
  httpStatus: number | null;
  durationMs: number;
  /** The `NineDataError` name this attempt failed with; null when it succeeded. */
  errorName: string | null;
  requestId: string | null;
}

export interface NineDataClientOptions {
  /** Base URL, http or https; may carry a path prefix (`https://corp.example/ninedata`). */
  endpoint: string;
  /** Called for every request; the caller caches. */
  credentials: () => Promise<Credentials>;
  /** @default systemClock */
  clock?: Clock;
  /** Time allowed to one attempt, answer body included. @default 5000 */
  attemptTimeoutMs?: number;
  /** Time allowed to one call, every attempt and backoff included. @default 20000 */
  deadlineMs?: number;
  /** Attempts of a read (and of a start that provably was not processed). @default 4 */
  maxAttempts?: number;
  /** @default 200 */
  baseDelayMs?: number;
  /** @default 5000 */
  maxDelayMs?: number;
  /** Jitter source in [0, 1). @default Math.random */
  random?: () => number;
  /** @default a real timer */
  sleep?: (ms: number) => Promise<void>;
  onAttempt?: (attempt: NineDataAttempt) => void;
}

export interface NineDataClient extends NineDataApi {
  /** Reads NineData's clock via `GET /openapi/now`; returns and keeps the offset (server − local, ms). */
  learnClockOffset(): Promise<number>;
  /** The offset added to the local clock when signing; 0 until learned. */
  clockOffsetMs(): number;
}

/**
 * `read`: retried on any transient failure. `once`: not idempotent, retried only when NineData
 * provably did not process it (no connection made, 429, authentication rejected).
 */
type RetryMode = 'read' | 'once';

interface Call {
  method: 'GET' | 'POST';
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  mode: RetryMode;
}

interface Success {
  ok: true;
  data: unknown;
  httpStatus: number;
  requestId: string | null;
  /** Local clock (without offset) when the attempt was sent and answered. */
  sentAtMs: number;
  receivedAtMs: number;
}

interface Failure {
  ok: false;
  error: NineDataError;
  /** Whether NineData may have acted on the request. */
  mayHaveProcessed: boolean;
  /** The HTTP `Date` header, when an answer arrived. */
  serverDate: string | null;
  sentAtMs: number;
  receivedAtMs: number;
}

type Outcome = Success | Failure;

export function createNineDataClient(options: NineDataClientOptions): NineDataClient {
  const { origin, basePath } = parseEndpoint(options.endpoint);
  const clock = options.clock ?? systemClock;
  const attemptTimeoutMs = options.attemptTimeoutMs ?? 5_000;
  const deadlineMs = options.deadlineMs ?? 20_000;
  const maxAttempts = options.maxAttempts ?? 4;
  const baseDelayMs = options.baseDelayMs ?? 200;
  const maxDelayMs = options.maxDelayMs ?? 5_000;
  for (const [name, value] of Object.entries({ attemptTimeoutMs, deadlineMs, baseDelayMs, maxDelayMs })) {
    if (!Number.isFinite(value) || value <= 0) {
      throw new RangeError(`NineData client option ${name} must be a positive number, not ${value}`);
    }
  }
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new RangeError(
      `NineData client option maxAttempts must be a whole number of at least 1, not ${maxAttempts}`,
    );
  }
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? ((ms: number) => delay(ms));
  let offsetMs = 0;

  function report(attempt: NineDataAttempt): void {
    try {
      options.onAttempt?.(attempt);
    } catch {
      // A metrics hook must never change the outcome of a call.
    }
  }

  async function attemptOnce(call: Call, timeoutMs: number): Promise<Outcome> {
    const credentials = await options.credentials();
    const sentAtMs = clock.now().getTime();
    const startedAt = performance.now();
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...authHeaders(call.path, credentials, new Date(sentAtMs + offsetMs)),
    };
    let body: string | undefined;
    if (call.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(call.body);
    }
    const redact = (text: string): string => redactSecret(text, credentials.secretKey);
    let outcome: Outcome;
    try {
      const response = await sendHttp({
        origin,
        path: `${basePath}${call.path}${queryString(call.query)}`,
        method: call.method,
        headers,
        body,
        // AbortSignal.timeout takes whole milliseconds only.
        signal: AbortSignal.timeout(Math.max(1, Math.ceil(timeoutMs))),
      });
      outcome = classifyResponse(call, response, redact, sentAtMs, clock.now().getTime());
    } catch (error) {
      if (!(error instanceof TransportFailure)) throw error;
      outcome = classifyTransportFailure(call, error, timeoutMs, sentAtMs, clock.now().getTime());
    }
    report({
      path: call.path,
      method: call.method,
      httpStatus: outcome.ok ? outcome.httpStatus : outcome.error.httpStatus,
      durationMs: performance.now() - startedAt,
      errorName: outcome.ok ? null : outcome.error.name,
      requestId: outcome.ok ? outcome.requestId : outcome.error.requestId,
    });
    return outcome;
  }

  /** Attempts a call until it succeeds, fails for good, or runs out of attempts or time. */
  async function exchange(call: Call, deadlineAt: number, refreshClockOnAuth: boolean): Promise<Outcome> {
    let attempts = 0;
    let clockRefreshed = !refreshClockOnAuth;
    let last: Failure | null = null;
    for (;;) {
      const remaining = deadlineAt - performance.now();
      if (remaining <= 0) return last ?? deadlineFailure(call);
      attempts += 1;
      const outcome = await attemptOnce(call, Math.min(attemptTimeoutMs, remaining));
      if (outcome.ok) return outcome;
      last = outcome;
      const { error } = outcome;

      if (error instanceof NineDataAuthRejected && !clockRefreshed) {
        clockRefreshed = true;
        attempts -= 1;
        if (await refreshClock(deadlineAt)) continue;
        return outcome;
      }
      const retryable = error.transient && (call.mode === 'read' || !outcome.mayHaveProcessed);
      if (!retryable || attempts >= maxAttempts) return outcome;

      const waitMs =
        error.retryAfterSeconds !== null
          ? error.retryAfterSeconds * 1000
          : random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (attempts - 1));
      // Sleeping into the deadline would leave no time for the attempt the sleep is for.
      if (waitMs >= deadlineAt - performance.now()) return outcome;
      await sleep(waitMs);
    }
  }

  /** Learns the clock offset after an authentication rejection; false when the clock could not be read. */
  async function refreshClock(deadlineAt: number): Promise<boolean> {
    try {
      offsetMs = await readServerOffset(deadlineAt);
      return true;
    } catch {
      return false;
    }
  }

  async function readServerOffset(deadlineAt: number): Promise<number> {
    const outcome = await exchange(
      { method: 'GET', path: NINEDATA_PATHS.now, mode: 'read' },
      deadlineAt,
      false,
    );
    const localMs = (outcome.sentAtMs + outcome.receivedAtMs) / 2;
    if (outcome.ok) {
      const serverMs = parseServerTime(outcome.data);
      if (serverMs === null) {
        throw invalid({ method: 'GET', path: NINEDATA_PATHS.now }, outcome, 'the server time is not a time');
      }
      return Math.round(serverMs - localMs);
    }
    // If the clock endpoint wants a fresh timestamp too, the HTTP Date header still tells the time.
    const dateMs = outcome.serverDate === null ? Number.NaN : Date.parse(outcome.serverDate);
    if (outcome.error instanceof NineDataAuthRejected && !Number.isNaN(dateMs)) {
      return Math.round(dateMs - localMs);
    }
    throw outcome.error;
  }

  async function perform(call: Call): Promise<Success> {
    const outcome = await exchange(call, performance.now() + deadlineMs, true);
    if (!outcome.ok) throw outcome.error;
    return outcome;
  }

  function accept<T>(call: Call, answer: Success, parsed: Parsed<T>): T {
    if (parsed.ok) return parsed.value;
    throw invalid(call, answer, parsed.problem);
  }

  return {
    async getRun(execId) {
      const call: Call = { method: 'GET', path: NINEDATA_PATHS.run, query: { execId }, mode: 'read' };
      const answer = await perform(call);
      return accept(call, answer, parseRun(answer.data, execId));
    },

    async getTask(taskId) {
      const call: Call = { method: 'GET', path: NINEDATA_PATHS.task, query: { taskId }, mode: 'read' };
      const answer = await perform(call);
      return accept(call, answer, parseTask(answer.data, taskId));
    },

    async startRun(taskId: string, compareOption?: CompareOption) {
      const body = compareOption === undefined ? { taskId } : { taskId, compareOption };
      const call: Call = { method: 'POST', path: NINEDATA_PATHS.execute, body, mode: 'once' };
      const answer = await perform(call);
      return { execId: accept(call, answer, parseExecId(answer.data)) };
    },

    // Stopping is idempotent in effect (the task ends up not running), so a stop is retried like a
    // read. A retry after a lost answer may be told `task status invalid`: the first stop worked.
    async stopTask(taskId) {
      await perform({ method: 'POST', path: NINEDATA_PATHS.stop, body: { taskId }, mode: 'read' });
    },

    async getTableSummary(query: TableSummaryQuery) {
      const call: Call = {
        method: 'GET',
        path: NINEDATA_PATHS.tableSummary,
        query: {
          taskId: query.taskId,
          execId: query.execId,
          schemaName: query.schemaName,
          tableNameLike: query.tableNameLike,
          pageSize: query.pageSize,
          pageNumber: query.pageNumber,
        },
        mode: 'read',
      };
      const answer = await perform(call);
      return accept(call, answer, parseTableSummaryPage(answer.data, query));
    },

    async learnClockOffset() {
      offsetMs = await readServerOffset(performance.now() + deadlineMs);
      return offsetMs;
    },

    clockOffsetMs() {
      return offsetMs;
    },
  };
}

// ---------------------------------------------------------------- classification

function classifyResponse(
  call: Call,
  response: HttpResponse,
  redact: (text: string) => string,
  sentAtMs: number,
  receivedAtMs: number,
): Outcome {
  const { status } = response;
  let json: unknown;
  let isJson = true;
  try {
    json = parseJsonBody(response.body);
  } catch {
    isJson = false;
  }
  const envelope = isJson ? parseEnvelope(json) : null;
  const upstreamMessage = envelope?.message == null ? null : redact(envelope.message);
  const details: NineDataErrorDetails = {
    path: call.path,
    httpStatus: status,
    requestId: envelope?.requestId ?? null,
    upstreamMessage,
  };
  const serverDate = headerValue(response.headers, 'date');
  const fail = (error: NineDataError, mayHaveProcessed: boolean): Failure => ({
    ok: false,
    error,
    mayHaveProcessed,
    serverDate,
    sentAtMs,
    receivedAtMs,
  });
  const where = describeWhere(call, details);
  const said = upstreamMessage === null ? '' : `: ${upstreamMessage}`;

  if (status === 429) {
    const retryAfterSeconds = parseRetryAfter(headerValue(response.headers, 'retry-after'), receivedAtMs);
    const wait = retryAfterSeconds === null ? '' : `, retry after ${retryAfterSeconds} s`;
    return fail(
      new NineDataUnavailable(`NineData is limiting requests${wait} ${where}${said}`, {
        ...details,
        retryAfterSeconds,
      }),
      false,
    );
  }
  if (status >= 500) {
    return fail(new NineDataUnavailable(`NineData is unavailable ${where}${said}`, details), true);
  }
  if (status === 401 || status === 403) {
    return fail(
      new NineDataAuthRejected(`NineData rejected the credentials ${where}${said}`, details),
      false,
    );
  }
  if (status >= 400) {
    if (envelope !== null && !envelope.success)
      return fail(...classifyRefusal(envelope, details, where, said));
    return fail(new NineDataRejected(`NineData refused the request ${where}${said}`, details), false);
  }
  if (status < 200 || status >= 300) {
    return fail(
      new NineDataInvalidResponse(`NineData answered an unexpected status ${where}`, details),
      false,
    );
  }
  if (!isJson) {
    return fail(
      new NineDataInvalidResponse(`NineData answered with a body that is not JSON ${where}`, details),
      false,
    );
  }
  if (envelope === null) {
    return fail(
      new NineDataInvalidResponse(`NineData answered without the envelope ${where}`, details),
      false,
    );
  }
  if (!envelope.success) return fail(...classifyRefusal(envelope, details, where, said));
  return {
    ok: true,
    data: envelope.data,
    httpStatus: status,
    requestId: details.requestId,
    sentAtMs,
    receivedAtMs,
  };
}

function classifyRefusal(
  envelope: Envelope,
  details: NineDataErrorDetails,
  where: string,
  said: string,
): [NineDataError, boolean] {
  switch (refusalKind(envelope.message)) {
    case 'auth':
      return [new NineDataAuthRejected(`NineData rejected the credentials ${where}${said}`, details), false];
    case 'notFound':
      return [new NineDataNotFound(`NineData does not know it ${where}${said}`, details), false];
    case 'rejected':
      return [new NineDataRejected(`NineData refused the request ${where}${said}`, details), false];
  }
}

function classifyTransportFailure(
  call: Call,
  failure: TransportFailure,
  timeoutMs: number,
  sentAtMs: number,
  receivedAtMs: number,
): Failure {
  const details: NineDataErrorDetails = {
    path: call.path,
    httpStatus: null,
    requestId: null,
    cause: failure,
  };
  const where = describeWhere(call, details);
  const error =
    failure.kind === 'timeout'
      ? new NineDataTimeout(`NineData did not answer within ${Math.round(timeoutMs)} ms ${where}`, details)
      : new NineDataUnavailable(
          `NineData could not be reached (${failure.code ?? failure.kind}) ${where}`,
          details,
        );
  return {
    ok: false,
    error,
    mayHaveProcessed: failure.kind !== 'connect',
    serverDate: null,
    sentAtMs,
    receivedAtMs,
  };
}

function deadlineFailure(call: Call): Failure {
  const details: NineDataErrorDetails = { path: call.path, httpStatus: null, requestId: null };
  const now = Date.now();
  return {
    ok: false,
    error: new NineDataTimeout(
      `NineData did not answer before the deadline ${describeWhere(call, details)}`,
      details,
    ),
    mayHaveProcessed: false,
    serverDate: null,
    sentAtMs: now,
    receivedAtMs: now,
  };
}

function invalid(
  call: Pick<Call, 'method' | 'path'>,
  answer: Success,
  problem: string,
): NineDataInvalidResponse {
  const details: NineDataErrorDetails = {
    path: call.path,
    httpStatus: answer.httpStatus,
    requestId: answer.requestId,
  };
  const where = describeWhere(call, details);
  return new NineDataInvalidResponse(
    `NineData sent an answer that cannot be used: ${problem} ${where}`,
    details,
  );
}

function describeWhere(call: Pick<Call, 'method' | 'path'>, details: NineDataErrorDetails): string {
  const status = details.httpStatus === null ? 'no answer' : `HTTP ${details.httpStatus}`;
  const request = details.requestId === null ? '' : `, requestId ${details.requestId}`;
  return `(${call.method} ${call.path}, ${status}${request})`;
}

// ---------------------------------------------------------------- wire helpers

function parseEndpoint(endpoint: string): { origin: string; basePath: string } {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new Error(`The NineData endpoint is not a URL: ${endpoint}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`The NineData endpoint must be http or https: ${endpoint}`);
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new Error(
      `The NineData endpoint must be a base URL without query, fragment or user: ${url.origin}`,
    );
  }
  return { origin: url.origin, basePath: url.pathname.replace(/\/+$/, '') };
}

function queryString(query: Call['query']): string {
  if (query === undefined) return '';
  const pairs = Object.entries(query)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`);
  return pairs.length === 0 ? '' : `?${pairs.join('&')}`;
}

function headerValue(headers: HttpResponse['headers'], name: string): string | null {
  const value = headers[name];
  if (Array.isArray(value)) return value[0] ?? null;
  return value ?? null;
}

/** Retry-After as seconds: delta-seconds or an HTTP date. */
function parseRetryAfter(value: string | null, nowMs: number): number | null {
  if (value === null) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - nowMs) / 1000));
}

/* NineData never needs to echo the secret, but an error message is no place to find out it did. */
function redactSecret(text: string, secret: string): string {
  return secret === '' ? text : text.split(secret).join('[redacted]');
}
