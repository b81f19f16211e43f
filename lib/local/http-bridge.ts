/**
 * Serves an API Gateway HTTP API (payload v2) handler over Node's HTTP server: the same lookup
 * handler that runs in Lambda answers local requests.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

type Handler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/** Bodies beyond this are not read at all; the handler's own limit (16 KB) is the one callers meet. */
const READ_LIMIT_BYTES = 1024 * 1024;

export function toApiEvent(req: IncomingMessage, body: Buffer): APIGatewayProxyEventV2 {
  const url = new URL(req.url ?? '/', 'http://local');
  const rawQueryString = (req.url ?? '').includes('?')
    ? (req.url ?? '').slice((req.url ?? '').indexOf('?') + 1)
    : '';
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const method = req.method ?? 'GET';
  const now = new Date();
  return {
    version: '2.0',
    routeKey: '$default',
    // The path as sent, still percent-encoded, as API Gateway passes it.
    rawPath: (req.url ?? '/').split('?')[0] ?? '/',
    rawQueryString,
    headers,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'local',
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length > 0 ? { body: body.toString('base64') } : {}),
    isBase64Encoded: body.length > 0,
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > READ_LIMIT_BYTES) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, result: APIGatewayProxyStructuredResultV2): void {
  const body = result.isBase64Encoded
    ? Buffer.from(result.body ?? '', 'base64')
    : Buffer.from(result.body ?? '', 'utf8');
  res.writeHead(result.statusCode ?? 200, {
    ...(result.headers as Record<string, string>),
    'content-length': body.length,
  });
  res.end(body);
}

export interface ApiServer {
  server: Server;
  url: string;
  /** Stops accepting connections and waits for requests in flight to be answered. */
  close(): Promise<void>;
}

export async function serveApi(handler: Handler, host: string, port: number): Promise<ApiServer> {
  const inFlight = new Set<Promise<void>>();
  const server = createServer((req, res) => {
    const work = (async () => {
      const body = await readBody(req);
      if (body === null) {
        send(res, {
          statusCode: 413,
          headers: { 'content-type': 'application/problem+json' },
          body: JSON.stringify({
            type: 'urn:compare-watch:problem:content-too-large',
            title: 'Content Too Large',
            status: 413,
            detail: 'send at most 16384 bytes of JSON',
          }),
        });
        req.socket.destroy();
        return;
      }
      send(res, await handler(toApiEvent(req, body)));
    })().catch(() => {
      if (!res.headersSent) send(res, { statusCode: 500, body: '' });
      else res.destroy();
    });
    const tracked = work.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  const shownHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return {
    server,
    url: `http://${shownHost}:${boundPort}`,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await Promise.allSettled([...inFlight]);
      server.closeAllConnections();
      await closed;
    },
  };
}
