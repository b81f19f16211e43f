/**
 * Bad requests to every route of the lookup API, hand-written and generated (fast-check, fixed
 * seeds): each must be refused with a 4xx problem+json answer that says what is wrong, without
 * asking NineData, without a 5xx, a stack trace or the secret.
 *
 * Whether a generated input is bad is decided here, from the API's documented rules (ids, query
 * parameters, JSON bodies of at most 16 KB), so a generator that happens to produce a valid
 * request skips it instead of sending NineData a call the test does not expect.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { startRunBodySchema, watchBodySchema } from '../../functions/http/requests';
import { type ApiRequest, apiEvent } from '../support/api-events';
import { CREDENTIALS, useLookupHarness } from '../support/lookup-harness';

const harness = useLookupHarness();

const SEED = 20_260_508;
const VALID_EXEC_ID = '315337';
const VALID_TASK_ID = 'cd-tepmjmnj6o';
const REFUSALS = [400, 404, 405, 409, 413, 415];
const MAX_BODY_BYTES = 16 * 1024;

type RouteName =
  | 'GET /runs/{execId}'
  | 'GET /runs/{execId}/snapshots'
  | 'POST /runs/{execId}/watch'
  | 'GET /tasks/{taskId}'
  | 'POST /tasks/{taskId}/watch'
  | 'POST /tasks/{taskId}/runs'
  | 'GET /tasks/{taskId}/runs'
  | 'GET /openapi.json';

interface Route {
  name: RouteName;
  method: 'GET' | 'POST';
  /** The path with a valid id in it. */
  path: string;
  param: 'execId' | 'taskId' | null;
  /** Query parameters the route takes. */
  query: 'run' | 'page' | 'none';
  body: 'watch' | 'run' | null;
  pathFor(id: string): string;
}

function route(name: RouteName, query: Route['query'], body: Route['body']): Route {
  const [method, template] = name.split(' ') as ['GET' | 'POST', string];
  const param = template.includes('{execId}') ? 'execId' : template.includes('{taskId}') ? 'taskId' : null;
  const pathFor = (id: string) => template.replace(/\{[a-zA-Z]+\}/, id);
  const valid = param === 'execId' ? VALID_EXEC_ID : VALID_TASK_ID;
  return { name, method, path: pathFor(valid), param, query, body, pathFor };
}

const ROUTES: Route[] = [
  route('GET /runs/{execId}', 'run', null),
  route('GET /runs/{execId}/snapshots', 'page', null),
  route('POST /runs/{execId}/watch', 'none', 'watch'),
  route('GET /tasks/{taskId}', 'none', null),
  route('POST /tasks/{taskId}/watch', 'none', 'watch'),
  route('POST /tasks/{taskId}/runs', 'none', 'run'),
  route('GET /tasks/{taskId}/runs', 'page', null),
  route('GET /openapi.json', 'none', null),
];
const routesWith = (predicate: (r: Route) => boolean) => ROUTES.filter(predicate);
function routeNamed(name: RouteName): Route {
  const found = ROUTES.find((r) => r.name === name);
  if (!found) throw new Error(`no route ${name}`);
  return found;
}

// ---------------------------------------------------------------- the API's rules, as documented

const validExecId = (id: string) => /^[0-9]{1,20}$/.test(id);
const validTaskId = (id: string) => id.length <= 64 && /^[A-Za-z]+-[a-z0-9]+$/.test(id);

/** Whether a query string would be accepted by the route: every parameter known, once, valid. */
function queryAccepted(r: Route, query: string): boolean {
  const pairs = [...new URLSearchParams(query)];
  const keys = pairs.map(([key]) => key);
  if (new Set(keys).size !== keys.length) return false;
  return pairs.every(([key, value]) => {
    if (r.query === 'run') return key === 'refresh' && (value === 'true' || value === 'false');
    if (r.query !== 'page') return false;
    if (key === 'limit') return /^[0-9]{1,3}$/.test(value) && Number(value) >= 1 && Number(value) <= 100;
    if (key !== 'cursor') return false;
    // A cursor of the right alphabet is refused unless it decodes to a key of this listing, which a
    // generated one cannot: count it as accepted only if it decodes to any JSON object at all.
    if (value.length > 2048 || !/^[A-Za-z0-9_-]+$/.test(value)) return false;
    try {
      const key = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
      return typeof key === 'object' && key !== null;
    } catch {
      return false;
    }
  });
}

/** The status a body must be refused with on a POST route, or null when it would be accepted. */
function bodyRefusal(r: Route, event: APIGatewayProxyEventV2): number | null {
  if (event.body === undefined || event.body === '') return null;
  const raw = Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
  if (raw.byteLength > MAX_BODY_BYTES) return 413;
  const contentType = (event.headers['content-type'] ?? '').trim();
  if (!/^application\/json\s*(;\s*charset=utf-8\s*)?$/i.test(contentType)) return 415;
  const text = raw.toString('utf8');
  if (text.trim() === '') return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 400;
  }
  const schema = r.body === 'run' ? startRunBodySchema : watchBodySchema;
  return schema.safeParse(value).success ? null : 400;
}

// ---------------------------------------------------------------- sending and assessing

interface BadRequest {
  route: RouteName | 'unrouted';
  event: APIGatewayProxyEventV2;
  /** The statuses this request may be refused with. */
  expected: readonly number[];
}

const ledger = { cases: 0, byRoute: new Map<string, number>() };

function badRequest(
  r: Route | null,
  request: ApiRequest,
  expected: readonly number[],
  tweak?: (event: APIGatewayProxyEventV2) => void,
): BadRequest {
  const event = apiEvent(request);
  tweak?.(event);
  return { route: r?.name ?? 'unrouted', event, expected };
}

/** Sends one bad request and asserts the refusal; counts it. */
async function expectRefused(bad: BadRequest): Promise<void> {
  const response = await harness().handler(bad.event);
  const status = response.statusCode ?? 0;
  const text = response.body ?? '';
  const headers = (response.headers ?? {}) as Record<string, string>;
  const input = JSON.stringify(bad.event);
  const described = `${bad.event.requestContext.http.method} ${bad.event.rawPath}?${bad.event.rawQueryString}`;

  expect(REFUSALS, described).toContain(status);
  expect(bad.expected, described).toContain(status);
  expect(headers['content-type'], described).toBe('application/problem+json');
  const body = JSON.parse(text);
  expect(body, described).toMatchObject({
    type: expect.stringMatching(/^urn:compare-watch:problem:[a-z0-9-]+$/),
    title: expect.any(String),
    status,
    detail: expect.any(String),
  });
  expect(body.detail.length, described).toBeGreaterThan(0);
  if (status === 405) expect(headers.allow, described).toMatch(/^(GET|POST)(, (GET|POST))?$/);
  expect(text, described).not.toMatch(/\n\s+at |\.ts:\d+:\d+/);
  expect(text, described).not.toContain(CREDENTIALS.secretKey);
  expect(text, described).not.toContain('[object Object]');
  if (!input.includes('undefined')) expect(text, described).not.toContain('undefined');
  ledger.cases += 1;
  ledger.byRoute.set(bad.route, (ledger.byRoute.get(bad.route) ?? 0) + 1);
}

/** Runs a generated property with a fixed seed; returns how many requests it sent. */
async function fuzz<T>(
  arbitrary: fc.Arbitrary<T>,
  toRequest: (value: T) => BadRequest | null,
  numRuns: number,
): Promise<number> {
  let sent = 0;
  await fc.assert(
    fc.asyncProperty(arbitrary, async (value) => {
      const bad = toRequest(value);
      if (bad === null) return;
      await expectRefused(bad);
      sent += 1;
    }),
    { seed: SEED, numRuns },
  );
  return sent;
}

/** Percent-encodes a path segment as a client would; raw when it cannot be encoded. */
function segment(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return value;
  }
}

const unicode = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 24 });
const junkText = fc.oneof(
  unicode,
  fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 40 }),
  fc.constantFrom('..', '.', '/', '\\', '%', '%2F', '%00', ' ', '\t', '\u0000', '\u202e1', '😀', 'ǅ'),
);

// ---------------------------------------------------------------- generators

const badExecId = fc.oneof(
  fc.stringMatching(/^[1-9][0-9]{20,29}$/),
  fc.stringMatching(/^-[0-9]{1,19}$/),
  fc.stringMatching(/^[0-9]{1,10}[.,eE+x][0-9]{0,5}$/),
  fc.stringMatching(/^[ \t+0]{1,3}[0-9]{1,5}[ \t]{0,2}$/),
  fc.stringMatching(/^[0-9]{1,5}[a-zA-Z_\-/.][0-9a-z]{0,5}$/),
  fc.stringMatching(/^[\u0660-\u0669\uff10-\uff19\u0966-\u096f]{1,8}$/),
  fc.integer({ min: 21, max: 5_000 }).map((n) => '9'.repeat(n)),
  junkText,
);

const badTaskId = fc.oneof(
  fc.stringMatching(/^[A-Za-z]{1,8}-[a-z0-9]{0,6}[A-Z_.~!$ ][a-z0-9]{0,6}$/),
  fc.stringMatching(/^[a-z0-9]{1,20}$/),
  fc.stringMatching(/^[0-9_]{1,4}-[a-z0-9]{1,8}$/),
  fc.stringMatching(/^[a-z]{1,4}-{2,3}[a-z0-9]{1,8}$/),
  fc.integer({ min: 65, max: 3_000 }).map((n) => `cd-${'a'.repeat(n - 3)}`),
  junkText,
);

/** A query parameter: a known name with a bad value, an unknown name, or junk. */
const queryPair = fc.oneof(
  fc.tuple(fc.constant('refresh'), fc.oneof(junkText, fc.constantFrom('', 'TRUE', 'yes', '1', 'true '))),
  fc.tuple(
    fc.constant('limit'),
    fc.oneof(
      junkText,
      fc.integer({ min: -1_000_000, max: 0 }).map(String),
      fc.integer({ min: 101, max: 1_000_000 }).map(String),
      fc.constantFrom('', '1.5', '1e2', '0x10', ' 5', '٣', '0', '101', '1000'),
    ),
  ),
  fc.tuple(
    fc.constant('cursor'),
    fc.oneof(
      junkText,
      fc.stringMatching(/^[A-Za-z0-9_-]{1,60}$/),
      fc.integer({ min: 2_049, max: 6_000 }).map((n) => 'A'.repeat(n)),
      fc.constantFrom('{}', 'e30', 'W10', 'bnVsbA', 'eyJQSyI6IlJVTiM5In0'),
    ),
  ),
  fc.tuple(
    fc.oneof(junkText, fc.constantFrom('', 'verbose', 'execId', '__proto__', 'constructor')),
    junkText,
  ),
);

const queryString = fc
  .array(queryPair, { minLength: 1, maxLength: 4 })
  .map((pairs) => pairs.map(([key, value]) => `${segment(key)}=${segment(value)}`).join('&'));

const compareOptionValue = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.double(),
  fc.integer({ min: -5_000, max: 5_000 }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 2 }),
);

const wrongCompareOption = fc
  .dictionary(
    fc.oneof(
      fc.constantFrom(
        'enabled',
        'parallel',
        'splitNum',
        'differSize',
        'floatPrecision',
        'doublePrecision',
        'stringTrimStrategy',
      ),
      fc.string({ minLength: 1, maxLength: 10 }),
    ),
    compareOptionValue,
    { minKeys: 1, maxKeys: 4 },
  )
  .map((compareOption) => ({ compareOption }));

const CONTENT_TYPES = [
  'text/plain',
  'application/xml',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json; charset=latin1',
  'application/jsonp',
  'application/problem+json',
  'json',
  '',
  '*/*',
];

/** A POST body: its text, content type and encoding, on one of the routes that take a body. */
const postBody = fc.record({
  route: fc.constantFrom(...routesWith((r) => r.body !== null)),
  value: fc.oneof(
    fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
    wrongCompareOption.map((v) => JSON.stringify(v)),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }),
    fc.constantFrom('{"oops', '{}}', '[1,2', 'nul', '{"a":1,}', "{'a':1}", '\u0000', '{"compareOption":'),
    fc
      .integer({ min: MAX_BODY_BYTES - 20, max: 3 * MAX_BODY_BYTES })
      .map((n) => `{"pad":"${'x'.repeat(n)}"}`),
  ),
  contentType: fc.oneof(
    { weight: 4, arbitrary: fc.constant('application/json') },
    { weight: 1, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 30 }) },
  ),
  base64: fc.boolean(),
});

const OTHER_METHODS = ['PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'TRACE', 'CONNECT', 'get', 'Post', 'FOO'];

/** Path segments that look like the API's own, and tricks. */
const pathSegment = fc.oneof(
  fc.constantFrom(
    'runs',
    'tasks',
    'watch',
    'snapshots',
    'openapi.json',
    VALID_EXEC_ID,
    VALID_TASK_ID,
    '',
    '..',
    '.',
    '%2E%2E',
    '%2F',
    '%00',
    'RUNS',
    'runs%2F1',
    '%E0%A4%A',
    '%',
    '%zz',
  ),
  fc.webSegment(),
  unicode.map(segment),
);

const randomPath = fc
  .array(pathSegment, { minLength: 0, maxLength: 6 })
  .chain((parts) => fc.constantFrom(`/${parts.join('/')}`, `//${parts.join('/')}`, `/${parts.join('/')}/`));

// ---------------------------------------------------------------- a router of our own, for paths

/** Whether a GET of this path reaches a GET route with valid parameters. */
function reachesAValidRoute(path: string): boolean {
  const parts = path.split('/');
  if (parts[0] === '') parts.shift();
  let segments: string[];
  try {
    segments = parts.map((p) => decodeURIComponent(p));
  } catch {
    return false;
  }
  return routesWith((r) => r.method === 'GET').some((r) => {
    const template = r
      .pathFor(r.param === null ? '' : `{${r.param}}`)
      .split('/')
      .slice(1);
    if (template.length !== segments.length) return false;
    return template.every((part, i) => {
      const value = segments[i] as string;
      if (part === '{execId}') return validExecId(value);
      if (part === '{taskId}') return validTaskId(value);
      return part === value;
    });
  });
}

// ---------------------------------------------------------------- the tests

describe('the lookup API under bad input', () => {
  it('refuses bad execIds on every run route with 400 (generated)', async () => {
    const sent = await fuzz(
      fc.tuple(fc.constantFrom(...routesWith((r) => r.param === 'execId')), badExecId),
      ([r, id]) =>
        validExecId(id) ? null : badRequest(r, { method: r.method, path: r.pathFor(segment(id)) }, [400]),
      240,
    );

    expect(sent).toBeGreaterThanOrEqual(230);
    expect(harness().sandbox.requests).toHaveLength(0);
  });

  it('refuses bad taskIds on every task route with 400 (generated)', async () => {
    const sent = await fuzz(
      fc.tuple(fc.constantFrom(...routesWith((r) => r.param === 'taskId')), badTaskId),
      ([r, id]) =>
        validTaskId(id) ? null : badRequest(r, { method: r.method, path: r.pathFor(segment(id)) }, [400]),
      240,
    );

    expect(sent).toBeGreaterThanOrEqual(230);
    expect(harness().sandbox.requests).toHaveLength(0);
  });

  it.each([
    ['21 digits', `/runs/${'1'.repeat(21)}`],
    ['30 digits', `/runs/${'9'.repeat(30)}`],
    ['a negative number', '/runs/-1'],
    ['an empty id', '/runs/'],
    ['an empty id before /snapshots', '/runs//snapshots'],
    ['a decimal', '/runs/1.0'],
    ['an exponent', '/runs/1e3'],
    ['a leading plus', '/runs/%2B1'],
    ['an encoded slash', '/runs/1%2F2'],
    ['an encoded ..', '/runs/%2E%2E/watch'],
    ['a NUL byte', '/runs/1%00'],
    ['Arabic-Indic digits', '/runs/%D9%A3%D9%A4'],
    ['fullwidth digits', '/runs/%EF%BC%91%EF%BC%92'],
    ['a raw lone surrogate', '/runs/\uD800'],
    ['a raw space', '/runs/1 2'],
    ['a task id with an upper-case tail', '/tasks/cd-ABC'],
    ['a task id with an underscore', '/tasks/cd_abc/runs'],
    ['a task id with a dot', '/tasks/cd-abc.json'],
    ['a task id of 65 characters', `/tasks/cd-${'a'.repeat(62)}/watch`],
    ['a task id with an encoded newline', '/tasks/cd-abc%0A'],
  ])('refuses a path with %s with 400', async (_label, path) => {
    const method = path.endsWith('/watch') ? 'POST' : 'GET';

    await expectRefused(badRequest(null, { method, path }, [400]));

    expect(harness().sandbox.requests).toHaveLength(0);
  });

  it('refuses bad, unknown and repeated query parameters on every route with 400 (generated)', async () => {
    const sent = await fuzz(
      fc.tuple(fc.constantFrom(...ROUTES), queryString),
      ([r, query]) =>
        queryAccepted(r, query) ? null : badRequest(r, { method: r.method, path: r.path, query }, [400]),
      240,
    );

    expect(sent).toBeGreaterThanOrEqual(200);
    expect(harness().sandbox.requests).toHaveLength(0);
  });

  it.each([
    ['/runs/315337', 'refresh=true&refresh=true'],
    ['/runs/315337', 'refresh=true&refresh=false'],
    ['/runs/315337', 'refresh'],
    ['/runs/315337', 'refresh=%E0%A4%A'],
    ['/runs/315337/snapshots', 'limit=5&limit=6'],
    ['/runs/315337/snapshots', 'limit=1&cursor=a&cursor=b'],
    ['/runs/315337/snapshots', `cursor=${'A'.repeat(3_000)}`],
    ['/runs/315337/snapshots', 'cursor=eyJQSyI6IlJVTiM5In0'],
    ['/tasks/cd-abc/runs', 'cursor=eyJHU0kxUEsiOiJUQVNLI2NkLW90aGVyIn0'],
    ['/tasks/cd-abc', '='],
    ['/openapi.json', 'v=1'],
  ])('refuses %s?%s with 400', async (path, query) => {
    await expectRefused(badRequest(null, { path, query }, [400]));

    expect(harness().sandbox.requests).toHaveLength(0);
  });

  it('refuses bad bodies on every POST route with 400, 413 or 415 (generated)', async () => {
    const sent = await fuzz(
      postBody,
      ({ route: r, value, contentType, base64 }) => {
        const body = base64 ? Buffer.from(value, 'utf8').toString('base64') : value;
        const event = apiEvent({ method: r.method, path: r.path, rawBody: body });
        event.headers['content-type'] = contentType;
        if (contentType === '') delete event.headers['content-type'];
        event.isBase64Encoded = base64;
        const status = bodyRefusal(r, event);
        return status === null ? null : { route: r.name, event, expected: [status] };
      },
      300,
    );

    expect(sent).toBeGreaterThanOrEqual(250);
    expect(harness().sandbox.requests).toHaveLength(0);
  });

  it.each([
    ['JSON null', 'null', 400],
    ['a JSON array', '[]', 400],
    ['a JSON string', '"{}"', 400],
    ['a number', '42', 400],
    ['deep nesting', `${'['.repeat(5_000)}${']'.repeat(5_000)}`, 400],
    ['a prototype key', '{"__proto__":{"polluted":true}}', 400],
    ['a constructor key', '{"constructor":{"prototype":{}}}', 400],
    ['a UTF-8 BOM', '\uFEFF{}', 400],
    ['an unknown field', '{"deadline":5}', 400],
    ['a body of 16 KB and one byte', `"${'x'.repeat(MAX_BODY_BYTES - 1)}"`, 413],
  ])('refuses %s as the body of POST /tasks/{taskId}/runs', async (_label, rawBody, status) => {
    await expectRefused(
      badRequest(
        routeNamed('POST /tasks/{taskId}/runs'),
        { method: 'POST', path: '/tasks/cd-abc/runs', rawBody },
        [status],
      ),
    );

    expect(harness().sandbox.requests).toHaveLength(0);
  });

  it('refuses base64 bodies that are not JSON, and invalid base64, on POST /runs/{execId}/watch', async () => {
    const r = routeNamed('POST /runs/{execId}/watch');
    const bodies = [
      '////',
      'eyJvb3Bz',
      Buffer.from('{"a":1}').toString('base64'),
      Buffer.from([0xff, 0xfe, 0x00, 0x7b]).toString('base64'),
    ];

    for (const body of bodies) {
      await expectRefused(
        badRequest(r, { method: 'POST', path: r.path, rawBody: body }, [400], (event) => {
          event.isBase64Encoded = true;
        }),
      );
    }

    expect(harness().sandbox.requests).toHaveLength(0);
  });

  it('refuses every other method on every route with 405 and Allow', async () => {
    let sent = 0;

    for (const r of ROUTES) {
      const allowed = new Set(routesWith((o) => o.pathFor('x') === r.pathFor('x')).map((o) => o.method));
      const methods = [...OTHER_METHODS, 'GET', 'POST', 'x'.repeat(300)].filter(
        (m) => !allowed.has(m as 'GET' | 'POST'),
      );
      for (const method of methods) {
        await expectRefused(badRequest(r, { method, path: r.path, body: {} }, [405]));
        sent += 1;
      }
    }

    expect(sent).toBeGreaterThanOrEqual(80);
    expect(harness().sandbox.requests).toHaveLength(0);
  });

  it('refuses paths that reach no route with valid parameters with 400, 404 or 405 (generated)', async () => {
    const sent = await fuzz(
      randomPath,
      (path) => (reachesAValidRoute(path) ? null : badRequest(null, { path }, [400, 404, 405])),
      300,
    );

    expect(sent).toBeGreaterThanOrEqual(150);
    expect(harness().sandbox.requests).toHaveLength(0);
  });

  it.each([
    '',
    '/',
    '//runs/1',
    '/runs/1/',
    '/runs/1/../2',
    '/runs/1/./snapshots',
    '/runs',
    '/RUNS/1',
    '/runs/1/SNAPSHOTS',
    '/runs/1/snapshots/extra',
    '/openapi.json/',
    '/openapi.JSON',
    '/openapi',
    '/tasks',
    '/tasks/cd-abc/runs/1',
    '\\runs\\1',
    '/runs%2F1',
    `/${'a/'.repeat(5_000)}`,
    `/runs/1/${'x'.repeat(10_000)}`,
    '/%E0%A4%A',
  ])('refuses the path %j with 400 or 404', async (path) => {
    await expectRefused(badRequest(null, { path }, [400, 404]));

    expect(harness().sandbox.requests).toHaveLength(0);
  });

  // Runs last (vitest runs a file's tests in order): the tally of every test above.
  it('has sent at least 1,000 bad requests, spread over all eight routes', () => {
    expect(ledger.cases).toBeGreaterThanOrEqual(1_000);
    const routed = [...ledger.byRoute.entries()].filter(([name]) => name !== 'unrouted');
    expect(routed.map(([name]) => name).sort()).toEqual(ROUTES.map((r) => r.name).sort());
    for (const [, count] of routed) expect(count).toBeGreaterThanOrEqual(20);
  });
});
