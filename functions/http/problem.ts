/**
 * RFC 9457 problem details: every error answer of the API. A detail says what to fix or when to
 * retry; nothing here ever carries a stack trace or a secret.
 */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

export interface ProblemInit {
  status: number;
  title: string;
  detail: string;
  /** Extension members, e.g. NineData's requestId, the invalid fields, a started run's execId. */
  extensions?: Record<string, unknown>;
  retryAfterSeconds?: number;
  headers?: Record<string, string>;
}

/** An error a route handler throws to answer with a given problem. */
export class HttpProblem extends Error {
  override readonly name = 'HttpProblem';
  constructor(readonly init: ProblemInit) {
    super(init.detail);
  }
}

export function problemResponse(init: ProblemInit, instance?: string): APIGatewayProxyStructuredResultV2 {
  const slug = init.title.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  const body = {
    type: `urn:compare-watch:problem:${slug}`,
    title: init.title,
    status: init.status,
    detail: init.detail,
    ...(instance ? { instance } : {}),
    ...init.extensions,
  };
  const headers: Record<string, string> = {
    'content-type': 'application/problem+json',
    'cache-control': 'no-store',
    ...init.headers,
  };
  if (init.retryAfterSeconds !== undefined)
    headers['retry-after'] = String(Math.max(1, Math.ceil(init.retryAfterSeconds)));
  return { statusCode: init.status, headers, body: JSON.stringify(body) };
}
