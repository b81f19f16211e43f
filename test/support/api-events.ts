/** API Gateway HTTP API (payload v2) events, as API Gateway would hand them to the lookup Lambda. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

export interface ApiRequest {
  method?: string;
  path: string;
  query?: string;
  body?: unknown;
  /** Sent as is; a non-string body is JSON-encoded. */
  rawBody?: string;
  headers?: Record<string, string>;
}

export function apiEvent(request: ApiRequest): APIGatewayProxyEventV2 {
  const method = request.method ?? 'GET';
  const body = request.rawBody ?? (request.body === undefined ? undefined : JSON.stringify(request.body));
  const headers: Record<string, string> = {
    host: 'abc123.execute-api.us-east-1.amazonaws.com',
    ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    ...request.headers,
  };
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: request.path,
    rawQueryString: request.query ?? '',
    headers,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      domainName: headers.host as string,
      domainPrefix: 'abc123',
      http: { method, path: request.path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'vitest' },
      requestId: 'req-1',
      routeKey: '$default',
      stage: '$default',
      time: '08/May/2026:08:35:40 +0000',
      timeEpoch: 1778229340000,
    },
    ...(body !== undefined ? { body } : {}),
    isBase64Encoded: false,
  };
}
