/**
 * A small router over API Gateway HTTP API (payload v2) events, matching the raw path so it behaves
 * the same behind API Gateway and behind local mode's HTTP server.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type * as z from 'zod';
import { HttpProblem } from './problem';
import { describeIssues } from './requests';

export type HttpMethod = 'GET' | 'POST';

export interface RouteRequest<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  event: APIGatewayProxyEventV2;
}

export interface RouteResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface Route {
  method: HttpMethod;
  /** A path template such as `/runs/{execId}/snapshots`. */
  path: string;
  handle(event: APIGatewayProxyEventV2, rawParams: Record<string, string>): Promise<RouteResponse>;
}

export const MAX_BODY_BYTES = 16 * 1024;

interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  params: P;
  query: Q;
  /** A schema for the JSON body; routes without one ignore any body. */
  body?: B;
  handle(request: RouteRequest<z.output<P>, z.output<Q>, z.output<B>>): Promise<RouteResponse>;
}

/** Declares a route whose path parameters, query and body are validated before `handle` runs. */
export function route<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType = z.ZodUndefined>(
  method: HttpMethod,
  path: string,
  spec: RouteSpec<P, Q, B>,
): Route {
  return {
    method,
    path,
    async handle(event, rawParams) {
      const params = validate(spec.params, rawParams, 'path');
      const query = validate(spec.query, queryOf(event), 'query');
      const body = spec.body === undefined ? undefined : validate(spec.body, bodyOf(event), 'body');
      return spec.handle({ params, query, body: body as z.output<B>, event });
    },
  };
}

export type RouteMatch = { route: Route; params: Record<string, string> };

/** Finds the route for a request, or throws the 404, 405 or 400 problem a caller should see. */
export function matchRoute(routes: readonly Route[], method: string, rawPath: string): RouteMatch {
  const segments = pathSegments(rawPath);
  const candidates = routes
    .map((candidate) => ({ route: candidate, params: matchTemplate(candidate.path, segments) }))
    .filter((m): m is RouteMatch => m.params !== null);
  if (candidates.length === 0) {
    throw new HttpProblem({
      status: 404,
      title: 'Not Found',
      detail: `no route matches ${truncate(rawPath)}; the routes are listed at GET /openapi.json`,
    });
  }
  const found = candidates.find((m) => m.route.method === method);
  if (!found) {
    const allowed = [...new Set(candidates.map((m) => m.route.method))].join(', ');
    throw new HttpProblem({
      status: 405,
      title: 'Method Not Allowed',
      detail: `${truncate(rawPath)} accepts ${allowed}, not ${truncate(method, 20)}`,
      headers: { allow: allowed },
    });
  }
  return found;
}

function pathSegments(rawPath: string): string[] {
  const parts = rawPath.split('/');
  // A leading slash gives one empty first part; any other empty part (`//`, a trailing `/`) is kept
  // so it cannot match a template.
  if (parts[0] === '') parts.shift();
  return parts.map((part) => {
    try {
      return decodeURIComponent(part);
    } catch {
      throw new HttpProblem({
        status: 400,
        title: 'Bad Request',
        detail: 'the path holds a malformed percent-encoding; encode path segments with UTF-8',
      });
    }
  });
}

function matchTemplate(template: string, segments: string[]): Record<string, string> | null {
  const parts = template.split('/').slice(1);
  if (parts.length !== segments.length) return null;
  const params: Record<string, string> = {};
  for (const [i, part] of parts.entries()) {
    const segment = segments[i] as string;
    if (part.startsWith('{') && part.endsWith('}')) params[part.slice(1, -1)] = segment;
    else if (part !== segment) return null;
  }
  return params;
}

function validate<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const { detail, invalid } = describeIssues(result.error, where);
  throw new HttpProblem({ status: 400, title: 'Bad Request', detail, extensions: { invalid } });
}

function queryOf(event: APIGatewayProxyEventV2): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(event.rawQueryString ?? '')) {
    if (key in query) {
      throw new HttpProblem({
        status: 400,
        title: 'Bad Request',
        detail: `query parameter ${JSON.stringify(truncate(key, 40))} is given more than once; give it once`,
      });
    }
    query[key] = value;
  }
  return query;
}

function headerOf(event: APIGatewayProxyEventV2, name: string): string | undefined {
  const entry = Object.entries(event.headers ?? {}).find(([key]) => key.toLowerCase() === name);
  return entry?.[1];
}

/** The JSON body, checked for size and content type; `{}` when there is none. */
function bodyOf(event: APIGatewayProxyEventV2): unknown {
  if (event.body === undefined || event.body === null || event.body === '') return {};
  const raw = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
  if (raw.byteLength > MAX_BODY_BYTES) {
    throw new HttpProblem({
      status: 413,
      title: 'Content Too Large',
      detail: `the body is ${raw.byteLength} bytes; send at most ${MAX_BODY_BYTES} bytes of JSON`,
    });
  }
  const contentType = headerOf(event, 'content-type') ?? '';
  if (!/^application\/json\s*(;\s*charset=utf-8\s*)?$/i.test(contentType.trim())) {
    throw new HttpProblem({
      status: 415,
      title: 'Unsupported Media Type',
      detail: `send the body as JSON with Content-Type: application/json (got ${JSON.stringify(truncate(contentType, 60)) || 'none'})`,
      headers: { 'accept-post': 'application/json' },
    });
  }
  const text = raw.toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch (error) {
    const where = error instanceof SyntaxError ? `: ${truncate(error.message, 120)}` : '';
    throw new HttpProblem({
      status: 400,
      title: 'Bad Request',
      detail: `the body is not valid JSON${where}`,
    });
  }
}

function truncate(text: string, max = 200): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}
