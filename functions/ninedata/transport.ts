/**
 * HTTP for the NineData client, on undici: one keep-alive pool per origin, shared by every client
 * in the process (a Lambda reuses its connections across invocations). Knows nothing of NineData:
 * it sends bytes and says how a failed exchange failed.
 */
import { Pool } from 'undici';

export interface HttpRequest {
  /** `https://host:port`, no path. */
  origin: string;
  /** Path and query string, from the first `/`. */
  path: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  /** Aborts the exchange, body included: the per-attempt time-out. */
  signal: AbortSignal;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * How an exchange failed. `connect`: no connection was made, so the server cannot have seen the
 * request. `exchange`: the connection failed after it was made (the request may have arrived).
 * `timeout`: the signal fired (the request may have arrived).
 */
export type TransportFailureKind = 'connect' | 'exchange' | 'timeout';

export class TransportFailure extends Error {
  override readonly name = 'TransportFailure';
  readonly kind: TransportFailureKind;
  /** The system or undici error code, e.g. `ECONNREFUSED`, `UND_ERR_SOCKET`. */
  readonly code: string | null;

  constructor(kind: TransportFailureKind, code: string | null, cause: unknown) {
    super(`${kind} failure${code === null ? '' : ` (${code})`}`, { cause });
    this.kind = kind;
    this.code = code;
  }
}

/* Failures that happen before a connection exists: nothing can have reached the server. */
const CONNECT_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

const pools = new Map<string, Pool>();

function poolFor(origin: string): Pool {
  let pool = pools.get(origin);
  if (pool === undefined) {
    pool = new Pool(origin, { connections: 8, keepAliveTimeout: 4_000, keepAliveMaxTimeout: 60_000 });
    pools.set(origin, pool);
  }
  return pool;
}

/** Sends one request and reads the whole answer; throws `TransportFailure` when no answer arrived. */
export async function sendHttp(request: HttpRequest): Promise<HttpResponse> {
  try {
    const answer = await poolFor(request.origin).request({
      path: request.path,
      method: request.method,
      headers: request.headers,
      body: request.body ?? null,
      signal: request.signal,
    });
    const body = await answer.body.text();
    return { status: answer.statusCode, headers: answer.headers, body };
  } catch (error) {
    throw failureOf(error, request.signal);
  }
}

function failureOf(error: unknown, signal: AbortSignal): TransportFailure {
  const code = codeOf(error);
  if (signal.aborted) return new TransportFailure('timeout', code, error);
  if (code !== null && CONNECT_CODES.has(code)) return new TransportFailure('connect', code, error);
  return new TransportFailure('exchange', code, error);
}

function codeOf(error: unknown): string | null {
  if (typeof error !== 'object' || error === null) return null;
  const { code, errors } = error as { code?: unknown; errors?: unknown };
  if (typeof code === 'string') return code;
  // Happy-eyeballs connects report an AggregateError of the per-address failures.
  if (Array.isArray(errors)) return codeOf(errors[0]);
  return null;
}

/** Closes every pooled connection (local-mode shutdown, test teardown). Later requests reconnect. */
export async function closeNineDataTransports(): Promise<void> {
  const open = [...pools.values()];
  pools.clear();
  await Promise.all(open.map((pool) => pool.destroy()));
}
