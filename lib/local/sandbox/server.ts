/**
 * The NineData sandbox: a loopback HTTP server speaking the documented protocol (NINEDATA.md), for
 * tests and local mode. Runs unfold on an injectable clock, faults are injected per request, and
 * every request is recorded.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { type Clock, systemClock } from '../../../functions/core/ports';
import type { Credentials } from '../../../functions/ninedata/signing';
import { authProblem } from './auth';
import { type Fault, FaultBook, type FaultScope } from './faults';
import { type RunScenario, type RunState, tableRowsOf } from './scenarios';
import {
  type Answer,
  type SandboxRun,
  type SandboxSnapshot,
  SandboxState,
  type SandboxTask,
  type SandboxTaskInput,
} from './state';
import { wireId, wireRun, wireTable, wireTask } from './wire';

export interface SandboxOptions {
  credentials: Credentials;
  /** @default systemClock */
  clock?: Clock;
  /** @default '127.0.0.1' */
  host?: string;
  /** @default 0 (any free port) */
  port?: number;
  /** NineData's clock runs this far ahead of `clock` (negative: behind). @default 0 */
  serverSkewMs?: number;
  /** @default 400001 */
  firstExecId?: number;
  /** Serve under a path prefix, as behind a reverse proxy that strips it (`/ninedata`). @default '' */
  basePath?: string;
  /**
   * Keep tasks and runs in this JSON file: loaded at start when it exists, rewritten on every change.
   * Local mode uses it so demo runs (and their ids) survive a restart. @default in memory only
   */
  stateFile?: string;
  /** Recorded requests kept, oldest dropped first (local mode runs for days). @default 10000 */
  maxRecordedRequests?: number;
}

export interface RecordedRequest {
  method: string;
  /** The API path: no prefix, no query string. */
  path: string;
  query: Record<string, string>;
  /** Lower-case names. */
  headers: Record<string, string>;
  /** Parsed JSON, the raw text when it is not JSON, null when empty. */
  body: unknown;
  authOk: boolean;
  /** The sandbox clock (without skew) when the request arrived, ISO 8601. */
  at: string;
  fault: Fault | null;
}

export interface Sandbox {
  /** `http://127.0.0.1:<port>` plus the base path, if any. */
  readonly url: string;
  close(): Promise<void>;
  addTask(task: SandboxTaskInput): void;
  /** Adds a run (registering its task if unknown, and making it the task's last run); returns its execId. */
  addRun(scenario: RunScenario): string;
  injectFault(fault: Fault, scope?: FaultScope): void;
  clearFaults(): void;
  setServerSkew(ms: number): void;
  readonly requests: readonly RecordedRequest[];
  clearRequests(): void;
  /** The run as the sandbox would report it now; null when unknown. */
  runState(execId: string): RunState | null;
  run(execId: string): SandboxRun | null;
  task(taskId: string): SandboxTask | null;
}

// Written out again rather than imported from the client: the sandbox stands for NineData's
// documentation, so a wrong path in the client fails against it instead of agreeing with itself.
const PATHS = {
  now: '/openapi/now',
  run: '/openapi/v1/comparedata/queryTaskExecInfo',
  task: '/openapi/v1/comparedata/queryTaskById',
  execute: '/openapi/v1/comparedata/execute',
  stop: '/openapi/v1/comparedata/stop',
  tableSummary: '/openapi/v1/comparedata/result/tableSummary',
} as const;

const ROUTES: ReadonlyMap<string, 'GET' | 'POST'> = new Map([
  [PATHS.now, 'GET'],
  [PATHS.run, 'GET'],
  [PATHS.task, 'GET'],
  [PATHS.execute, 'POST'],
  [PATHS.stop, 'POST'],
  [PATHS.tableSummary, 'GET'],
]);

const MAX_BODY_BYTES = 1024 * 1024;
const DEFAULT_PAGE_SIZE = 30;
const MAX_PAGE_SIZE = 100;

interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

interface Incoming {
  /** The path does not start with the base path: nothing is served there. */
  outsideBase: boolean;
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: unknown;
}

export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const clock = options.clock ?? systemClock;
  const basePath = (options.basePath ?? '').replace(/\/+$/, '');
  const state = new SandboxState(clock, options.firstExecId ?? 400_001);
  if (options.stateFile) persistState(state, options.stateFile);
  const maxRecorded = options.maxRecordedRequests ?? 10_000;
  const faults = new FaultBook();
  const recorded: RecordedRequest[] = [];
  const pending = new AbortController();
  let skewMs = options.serverSkewMs ?? 0;
  let requestSeq = 0;
  let runAnswers = 0;

  const serverNow = (): Date => new Date(clock.now().getTime() + skewMs);

  function envelope(success: boolean, extra: { data?: unknown; message?: string }): Record<string, unknown> {
    requestSeq += 1;
    return { success, requestId: `sandbox-${String(requestSeq).padStart(6, '0')}`, ...extra };
  }

  const ok = (data: unknown): Reply => ({ status: 200, body: envelope(true, { data }) });
  const refuse = (message: string): Reply => ({ status: 200, body: envelope(false, { message }) });
  const answer = <T>(result: Answer<T>, toData: (data: T) => unknown): Reply =>
    result.ok ? ok(toData(result.data)) : refuse(result.message);

  /** What NineData answers, doing what the request asks. */
  function handle(request: Incoming): Reply {
    const route = request.outsideBase ? undefined : ROUTES.get(request.path);
    if (route === undefined) return springError(404, 'Not Found', request.path, serverNow());
    if (route !== request.method) return springError(405, 'Method Not Allowed', request.path, serverNow());
    // The clock endpoint skips the window: it is how a client with a wrong clock learns the right one.
    const problem = authProblem({
      path: request.path,
      headers: request.headers,
      credentials: options.credentials,
      serverNow: serverNow(),
      checkWindow: request.path !== PATHS.now,
    });
    if (problem !== null) return refuse(problem);

    const { query } = request;
    const body = isObject(request.body) ? request.body : {};
    switch (request.path) {
      case PATHS.now:
        return ok(serverNow().getTime());
      case PATHS.run: {
        if (!query.execId) return refuse('execId is required');
        return answer(state.getRun(query.execId), (run) => {
          runAnswers += 1;
          return wireRun(run, runAnswers);
        });
      }
      case PATHS.task:
        if (!query.taskId) return refuse('taskId is required');
        return answer(state.getTask(query.taskId), ({ task, lastRun }) => wireTask({ ...task, lastRun }));
      case PATHS.execute: {
        if (typeof body.taskId !== 'string' || body.taskId === '') return refuse('taskId is required');
        if (body.compareOption !== undefined && !validCompareOption(body.compareOption)) {
          return refuse('compareOption invalid');
        }
        return answer(state.execute(body.taskId, body.compareOption), (execId) => wireId(execId));
      }
      case PATHS.stop:
        if (typeof body.taskId !== 'string' || body.taskId === '') return refuse('taskId is required');
        return answer(state.stop(body.taskId), () => null);
      default:
        return tableSummary(query);
    }
  }

  function tableSummary(query: Record<string, string>): Reply {
    if (!query.taskId || !query.execId) return refuse('taskId and execId are required');
    const pageSize = pageParameter(query.pageSize, DEFAULT_PAGE_SIZE);
    const pageNumber = pageParameter(query.pageNumber, 1);
    if (pageSize === null || pageSize > MAX_PAGE_SIZE) return refuse(`pageSize must be 1–${MAX_PAGE_SIZE}`);
    if (pageNumber === null) return refuse('pageNumber must be a positive integer');
    const run = state.runOfTask(query.taskId, query.execId);
    if (!run.ok) return refuse(run.message);
    const rows = tableRowsOf(run.data.scenario, run.data.state);
    const like = query.tableNameLike ? likePattern(query.tableNameLike) : null;
    const selected = rows.filter(
      (row) =>
        (!query.schemaName || row.schemaName === query.schemaName) &&
        (like === null || like.test(row.tableName)),
    );
    const page = selected.slice((pageNumber - 1) * pageSize, pageNumber * pageSize);
    return ok({
      taskId: query.taskId,
      execId: wireId(query.execId),
      totalTableCount: selected.length,
      diffTableCount: selected.filter(
        (row) => row.differenceRows + row.onlySourceRows + row.onlyTargetRows > 0,
      ).length,
      pageNumber,
      pageSize,
      tableSummaries: page.map(wireTable),
    });
  }

  /** A fault's answer, or null when the request goes on to be handled. */
  async function applyFault(fault: Fault | null): Promise<Reply | null> {
    switch (fault?.kind) {
      case undefined:
      case 'drop':
        return null;
      case 'slow':
        await delay(fault.delayMs, undefined, { signal: pending.signal });
        return null;
      case 'status':
        return fault.status === 500
          ? { status: 500, body: envelope(false, { message: 'internal server error' }) }
          : {
              status: fault.status,
              body: `<html><body><h1>${fault.status} Service Unavailable</h1></body></html>`,
            };
      case 'rateLimit':
        return {
          status: 429,
          headers: { 'retry-after': String(fault.retryAfterSeconds) },
          body: envelope(false, { message: 'too many requests' }),
        };
      case 'malformed':
        return { status: 200, body: '<html><body>upstream connect error</body></html>' };
      case 'rejected':
        return refuse(fault.message);
      case 'authFailure':
        return { status: 401, body: envelope(false, { message: 'unauthorized' }) };
      case 'reply':
        return { status: fault.httpStatus, body: fault.body };
    }
  }

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    if (raw === null) {
      send(res, { status: 413, body: envelope(false, { message: 'request too large' }) }, serverNow());
      return;
    }
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const apiPath = stripBase(url.pathname, basePath);
    const path = apiPath ?? url.pathname;
    const incoming: Incoming = {
      outsideBase: apiPath === null,
      method: req.method ?? 'GET',
      path,
      query: Object.fromEntries(url.searchParams),
      headers: flattenHeaders(req.headers),
      body: parseBody(raw),
    };
    const body = isObject(incoming.body) ? incoming.body : {};
    const fault = faults.take({
      path,
      execId: incoming.query.execId ?? stringOrNull(body.execId),
      taskId: incoming.query.taskId ?? stringOrNull(body.taskId),
    });
    const { outsideBase: _outsideBase, ...request } = incoming;
    recorded.push({
      ...request,
      authOk:
        apiPath !== null &&
        ROUTES.has(path) &&
        authProblem({
          path,
          headers: incoming.headers,
          credentials: options.credentials,
          serverNow: serverNow(),
          checkWindow: path !== PATHS.now,
        }) === null,
      at: clock.now().toISOString(),
      fault,
    });
    if (recorded.length > maxRecorded) recorded.splice(0, recorded.length - maxRecorded);

    const reply = (await applyFault(fault)) ?? handle(incoming);
    if (fault?.kind === 'drop') {
      res.socket?.destroy();
      return;
    }
    if (res.destroyed) return;
    send(res, reply, serverNow());
  }

  const server = createServer((req, res) => {
    serve(req, res).catch((error: unknown) => {
      if (pending.signal.aborted || res.headersSent || res.destroyed) {
        res.destroy();
        return;
      }
      const message = error instanceof Error ? error.message : String(error);
      send(
        res,
        { status: 500, body: envelope(false, { message: `sandbox error: ${message}` }) },
        serverNow(),
      );
    });
  });
  const port = await listen(server, options.host ?? '127.0.0.1', options.port ?? 0);
  const host = options.host ?? '127.0.0.1';

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}${basePath}`,
    async close() {
      pending.abort();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
    addTask: (task) => state.addTask(task),
    addRun: (scenario) => state.addRun(scenario),
    injectFault: (fault, scope) => faults.inject(fault, scope),
    clearFaults: () => faults.clear(),
    setServerSkew(ms) {
      skewMs = ms;
    },
    get requests() {
      return recorded;
    },
    clearRequests() {
      recorded.length = 0;
    },
    runState: (execId) => state.run(execId)?.state ?? null,
    run: (execId) => state.run(execId),
    task: (taskId) => state.task(taskId),
  };
}

// ---------------------------------------------------------------- persistence

/** Loads the state file if there is one, then rewrites it (atomically) after every change. */
function persistState(state: SandboxState, file: string): void {
  if (existsSync(file)) state.restore(JSON.parse(readFileSync(file, 'utf8')) as SandboxSnapshot);
  state.onChange = () => {
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(state.snapshot()));
    renameSync(temporary, file);
  };
}

// ---------------------------------------------------------------- HTTP plumbing

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

async function readBody(req: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, reply: Reply, serverNow: Date): void {
  const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
  const contentType = typeof reply.body === 'string' ? 'text/html; charset=utf-8' : 'application/json';
  // The Date header follows NineData's clock, skew included, as a real server's would.
  res.writeHead(reply.status, {
    'content-type': contentType,
    'content-length': String(Buffer.byteLength(text)),
    date: serverNow.toUTCString(),
    ...reply.headers,
  });
  res.end(text);
}

/* Spring's error body: JSON, but not NineData's envelope. */
function springError(status: number, error: string, path: string, now: Date): Reply {
  return { status, body: { timestamp: now.toISOString(), status, error, path } };
}

/** The API path under the base path; null when the path is outside it. */
function stripBase(pathname: string, basePath: string): string | null {
  if (basePath === '') return pathname;
  if (pathname === basePath || pathname.startsWith(`${basePath}/`))
    return pathname.slice(basePath.length) || '/';
  return null;
}

function flattenHeaders(headers: IncomingMessage['headers']): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

function parseBody(raw: string): unknown {
  if (raw === '') return null;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringOrNull(value: unknown): string | null {
  if (typeof value === 'string') return value;
  return typeof value === 'number' ? String(value) : null;
}

function pageParameter(value: string | undefined, fallback: number): number | null {
  if (value === undefined || value === '') return fallback;
  return /^\d+$/.test(value) && Number(value) >= 1 ? Number(value) : null;
}

/* SQL LIKE (`%`, `_`); without a wildcard, a substring match. */
function likePattern(like: string): RegExp {
  const source = like.includes('%') || like.includes('_') ? like : `%${like}%`;
  const escaped = source
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replace(/%/g, '.*')
    .replace(/_/g, '.');
  return new RegExp(`^${escaped}$`, 'i');
}

const TRIM_STRATEGIES = new Set(['LTrim', 'RTrim', 'Trim']);

function validCompareOption(option: unknown): boolean {
  if (!isObject(option)) return false;
  if (option.enabled !== undefined && typeof option.enabled !== 'boolean') return false;
  if (option.parallel !== undefined && typeof option.parallel !== 'number') return false;
  if (option.stringTrimStrategy !== undefined && !TRIM_STRATEGIES.has(String(option.stringTrimStrategy)))
    return false;
  // NINEDATA.md: numeric strings. Sizes are whole numbers; precisions may be decimals ("0.0001").
  const numeric = (key: string, pattern: RegExp) =>
    option[key] === undefined || (typeof option[key] === 'string' && pattern.test(option[key] as string));
  return (
    ['splitNum', 'differSize'].every((key) => numeric(key, /^\d+$/)) &&
    ['floatPrecision', 'doublePrecision'].every((key) => numeric(key, /^\d+(\.\d+)?$/))
  );
}
