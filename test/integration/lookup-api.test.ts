import { describe, expect, it } from 'vitest';
import { normaliseRun } from '../../functions/core/run-view';
import { lookupRoutes } from '../../functions/http/lookup-api';
import { OPENAPI_DOCUMENT } from '../../functions/http/openapi';
import { type ApiAnswer, CREDENTIALS, newTaskId, useLookupHarness } from '../support/lookup-harness';
import { upstreamRun } from '../support/runs';

const harness = useLookupHarness();

function addRun(
  overrides: { durationSeconds?: number; different?: number; finalStatus?: 'success' | 'failed' } = {},
) {
  const { sandbox } = harness();
  const taskId = newTaskId();
  const execId = sandbox.addRun({ taskId, durationSeconds: 600, sourceRows: 10_000, ...overrides });
  return { taskId, execId };
}

function expectProblem(response: ApiAnswer, status: number) {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toBe('application/problem+json');
  expect(response.body).toMatchObject({ status, title: expect.any(String), detail: expect.any(String) });
  expect(response.body.type).toMatch(/^urn:compare-watch:problem:/);
  expect(JSON.stringify(response.body)).not.toMatch(/\n\s+at |sk-test-7f3a9c1e/);
}

describe('GET /runs/{execId}', () => {
  it('fetches an unseen run live, records it, and says so', async () => {
    const { execId, taskId } = addRun();
    harness().clock.advance(65_000);

    const response = await harness().call({ path: `/runs/${execId}` });

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      execId,
      taskId,
      status: 'running',
      final: false,
      source: 'live',
      observedAt: harness().clock.now().toISOString(),
      watch: null,
      result: null,
    });
    expect(response.body.progress.percent).toBeGreaterThan(0);
    expect((await harness().store.getRun(execId))?.view.status).toBe('running');
    expect(harness().metrics.counts).toContainEqual({
      name: 'Lookups',
      dimensions: { source: 'live' },
      value: 1,
    });
  });

  it('serves a fresh observation from the store without asking NineData', async () => {
    const { execId } = addRun();
    await harness().call({ path: `/runs/${execId}` });
    harness().sandbox.clearRequests();
    harness().clock.advance(5_000);

    const response = await harness().call({ path: `/runs/${execId}` });

    expect(response.body.source).toBe('store');
    expect(harness().sandbox.requests).toHaveLength(0);
  });

  it('asks NineData again once the stored observation is older than the freshness window', async () => {
    const { execId } = addRun();
    await harness().call({ path: `/runs/${execId}` });
    harness().clock.advance(11_000);

    const response = await harness().call({ path: `/runs/${execId}` });

    expect(response.body.source).toBe('live');
  });

  it('asks NineData when refresh=true, however fresh the stored observation', async () => {
    const { execId } = addRun();
    await harness().call({ path: `/runs/${execId}` });

    const response = await harness().call({ path: `/runs/${execId}`, query: 'refresh=true' });

    expect(response.body.source).toBe('live');
  });

  it('serves a final run from the store, however old', async () => {
    const { execId } = addRun({ durationSeconds: 30, different: 4 });
    harness().clock.advance(3_600_000);
    await harness().call({ path: `/runs/${execId}` });
    harness().clock.advance(86_400_000);
    harness().sandbox.clearRequests();

    const response = await harness().call({ path: `/runs/${execId}` });

    expect(response.body).toMatchObject({ source: 'store', final: true, outcome: 'inconsistent' });
    expect(response.body.counts.different).toBe(4);
    expect(harness().sandbox.requests).toHaveLength(0);
  });

  it('answers 404 when NineData does not know the run', async () => {
    const response = await harness().call({ path: '/runs/999999999' });

    expectProblem(response, 404);
    expect(response.body.detail).toContain('exec not found');
    expect(response.body.nineDataRequestId).toEqual(expect.any(String));
  });

  it.each([
    ['letters', '/runs/abc'],
    ['21 digits', `/runs/${'1'.repeat(21)}`],
    ['a negative number', '/runs/-5'],
    ['unicode digits', '/runs/%D9%A3%D9%A4'],
  ])('answers 400 for an execId of %s', async (_label, path) => {
    const response = await harness().call({ path });

    expectProblem(response, 400);
    expect(response.body.detail).toContain('execId must be 1 to 20 digits');
  });

  it.each([
    ['refresh=yes', 'refresh must be true or false'],
    ['verbose=1', 'unknown field "verbose"'],
    ['refresh=true&refresh=false', 'more than once'],
  ])('answers 400 for the query %s', async (query, detail) => {
    const response = await harness().call({ path: '/runs/1', query });

    expectProblem(response, 400);
    expect(response.body.detail).toContain(detail);
  });

  it('answers 502 naming the secret when NineData rejects our credentials', async () => {
    const { execId } = addRun();
    harness().rewire({ credentials: { accessKeyId: CREDENTIALS.accessKeyId, secretKey: 'wrong-secret' } });

    const response = await harness().call({ path: `/runs/${execId}` });

    expectProblem(response, 502);
    expect(response.body.detail).toContain('the secret compare-watch/ninedata');
    expect(harness().metrics.counts).toContainEqual({
      name: 'UpstreamErrors',
      dimensions: { class: 'NineDataAuthRejected' },
      value: 1,
    });
  });

  it('answers 503 with Retry-After when NineData stays unavailable', async () => {
    const { execId } = addRun();
    harness().sandbox.injectFault({ kind: 'status', status: 503 });

    const response = await harness().call({ path: `/runs/${execId}` });

    expectProblem(response, 503);
    expect(Number(response.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  it('answers 503 with the Retry-After NineData asked for when it rate-limits', async () => {
    const { execId } = addRun();
    harness().sandbox.injectFault({ kind: 'rateLimit', retryAfterSeconds: 7 });

    const response = await harness().call({ path: `/runs/${execId}` });

    expectProblem(response, 503);
    expect(response.headers['retry-after']).toBe('7');
  });

  it('answers 504 when NineData does not answer in time', async () => {
    const { execId } = addRun();
    harness().rewire({ client: { attemptTimeoutMs: 100, deadlineMs: 400, maxAttempts: 2 } });
    harness().sandbox.injectFault({ kind: 'slow', delayMs: 1_000 });

    const response = await harness().call({ path: `/runs/${execId}` });

    expectProblem(response, 504);
    expect(response.headers['retry-after']).toBeDefined();
  });

  it('answers 502 when NineData answers with something unreadable', async () => {
    const { execId } = addRun();
    harness().sandbox.injectFault({ kind: 'malformed' });

    const response = await harness().call({ path: `/runs/${execId}` });

    expectProblem(response, 502);
  });

  it('keeps the run final when lookups race a recorded final observation', async () => {
    const { execId, taskId } = addRun({ durationSeconds: 600 });
    harness().clock.advance(60_000);
    await harness().call({ path: `/runs/${execId}` });
    harness().clock.advance(60_000);
    // A watch saw the run finish a second after the moment every lookup below asks NineData.
    const final = normaliseRun(
      upstreamRun({ execId, taskId, status: 'success', differenceRows: 0, onlySourceRows: 0 }),
      new Date(harness().clock.now().getTime() + 1_000),
    );

    const lookups = Array.from({ length: 20 }, (_, i) =>
      harness().call({ path: `/runs/${execId}`, query: i % 2 ? 'refresh=true' : '' }),
    );
    const [recorded, ...responses] = await Promise.all([
      harness().store.recordObservation(final),
      ...lookups,
    ]);

    expect(recorded.snapshotWritten).toBe(true);
    for (const response of responses) expect(response.status).toBe(200);
    const stored = await harness().store.getRun(execId);
    expect(stored?.view).toMatchObject({ final: true, status: 'success', observedAt: final.observedAt });
    const snapshots = await harness().call({ path: `/runs/${execId}/snapshots`, query: 'limit=100' });
    const statuses = snapshots.body.snapshots.map((s: { status: string }) => s.status);
    // Newest first: the final observation, perhaps the lookups' running one, and the first lookup's.
    expect(statuses[0]).toBe('success');
    expect(statuses.slice(1)).toEqual(statuses.length === 3 ? ['running', 'running'] : ['running']);
  });
});

describe('GET /runs/{execId}/snapshots', () => {
  it('pages through a run history newest first', async () => {
    const { execId } = addRun({ durationSeconds: 600 });
    for (let i = 0; i < 5; i += 1) {
      harness().clock.advance(60_000);
      await harness().call({ path: `/runs/${execId}` });
    }

    const first = await harness().call({ path: `/runs/${execId}/snapshots`, query: 'limit=2' });
    const second = await harness().call({
      path: `/runs/${execId}/snapshots`,
      query: `limit=2&cursor=${first.body.cursor}`,
    });

    expect(first.status).toBe(200);
    expect(first.body.snapshots).toHaveLength(2);
    expect(second.body.snapshots).toHaveLength(2);
    const times = [...first.body.snapshots, ...second.body.snapshots].map(
      (s: { observedAt: string }) => s.observedAt,
    );
    expect([...times].sort().reverse()).toEqual(times);
  });

  it('answers 404 for a run it has never seen', async () => {
    expectProblem(await harness().call({ path: '/runs/424242/snapshots' }), 404);
  });

  it.each([
    ['limit=0', 'limit must be at least 1'],
    ['limit=101', 'limit must be at most 100'],
    ['limit=ten', 'limit must be a whole number'],
    ['cursor=%7B%7D', 'cursor must be the cursor of the previous page'],
    ['cursor=eyJQSyI6IlJVTiM5In0', 'the cursor is not one this API handed out'],
  ])('answers 400 for %s', async (query, detail) => {
    const { execId } = addRun();
    await harness().call({ path: `/runs/${execId}` });

    const response = await harness().call({ path: `/runs/${execId}/snapshots`, query });

    expectProblem(response, 400);
    expect(response.body.detail).toContain(detail);
  });
});

describe('POST /runs/{execId}/watch', () => {
  it('starts a watch once and then reports the running watch', async () => {
    const { execId } = addRun();

    const first = await harness().call({ method: 'POST', path: `/runs/${execId}/watch` });
    const second = await harness().call({ method: 'POST', path: `/runs/${execId}/watch`, body: {} });

    expect(first.status).toBe(202);
    expect(first.headers.location).toBe(`/runs/${execId}`);
    expect(first.body).toMatchObject({
      request: 'started',
      execId,
      watch: { state: 'watching', attempt: 1 },
    });
    expect(second.status).toBe(200);
    expect(second.body.request).toBe('watching');
    expect(harness().watches.started).toEqual([
      {
        executionName: `run-${execId}-w1-g0`,
        state: expect.objectContaining({ execId, attempt: 1, generation: 0, polls: 0 }),
      },
    ]);
  });

  it('starts exactly one watch when many requests race', async () => {
    const { execId } = addRun();

    const responses = await Promise.all(
      Array.from({ length: 12 }, () => harness().call({ method: 'POST', path: `/runs/${execId}/watch` })),
    );

    expect(responses.filter((r) => r.status === 202)).toHaveLength(1);
    expect(responses.filter((r) => r.status === 200)).toHaveLength(11);
    expect(harness().watches.started).toHaveLength(1);
  });

  it('answers 503 and releases the claim when the watch cannot start, so a retry starts it', async () => {
    const { execId } = addRun();
    harness().watches.failNext = 1;

    const failed = await harness().call({ method: 'POST', path: `/runs/${execId}/watch` });
    const retried = await harness().call({ method: 'POST', path: `/runs/${execId}/watch` });

    expectProblem(failed, 503);
    expect(failed.headers['retry-after']).toBeDefined();
    expect(retried.status).toBe(202);
    expect(harness().watches.started.map((s) => s.executionName)).toEqual([`run-${execId}-w2-g0`]);
  });

  it('answers 404 and starts nothing when NineData does not know the run', async () => {
    const response = await harness().call({ method: 'POST', path: '/runs/777777/watch' });

    expectProblem(response, 404);
    expect(harness().watches.started).toHaveLength(0);
  });

  it.each([
    ['a body with unknown fields', { rawBody: '{"deadline":5}' }, 400],
    ['a body that is not JSON', { rawBody: '{"oops' }, 400],
    ['a body that is not an object', { rawBody: '[1,2]' }, 400],
    [
      'a non-JSON content type',
      { rawBody: 'a=b', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      415,
    ],
  ])('answers 4xx for %s', async (_label, request, status) => {
    const response = await harness().call({ method: 'POST', path: '/runs/1/watch', ...request });

    expectProblem(response, status);
  });
});

describe('tasks', () => {
  it('GET /tasks/{taskId} returns the task with its latest run', async () => {
    const { taskId, execId } = addRun();

    const response = await harness().call({ path: `/tasks/${taskId}` });

    expect(response.status).toBe(200);
    expect(response.body.task).toMatchObject({ taskId, lastExecId: execId });
    expect(response.body.latestRun).toMatchObject({ execId, taskId });
  });

  it('GET /tasks/{taskId} answers 404 for a task NineData does not know', async () => {
    const response = await harness().call({ path: '/tasks/cd-unknown0' });

    expectProblem(response, 404);
    expect(response.body.detail).toContain('task not found');
  });

  it.each(['/tasks/cd_bad', '/tasks/CD-UPPER', '/tasks/nodash', `/tasks/cd-${'a'.repeat(70)}`])(
    'answers 400 for the task id in %s',
    async (path) => {
      const response = await harness().call({ path });

      expectProblem(response, 400);
      expect(response.body.detail).toContain('taskId');
    },
  );

  it('POST /tasks/{taskId}/watch watches the latest run', async () => {
    const { taskId, execId } = addRun();

    const response = await harness().call({ method: 'POST', path: `/tasks/${taskId}/watch` });

    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({ request: 'started', execId });
  });

  it('POST /tasks/{taskId}/watch answers 409 for a task that never ran', async () => {
    const taskId = newTaskId();
    harness().sandbox.addTask({ taskId });

    const response = await harness().call({ method: 'POST', path: `/tasks/${taskId}/watch` });

    expectProblem(response, 409);
    expect(response.body.detail).toContain(`POST /tasks/${taskId}/runs`);
  });

  it('POST /tasks/{taskId}/runs starts a run with its options and watches it', async () => {
    const taskId = newTaskId();
    harness().sandbox.addTask({ taskId, template: { durationSeconds: 120, sourceRows: 500 } });

    const response = await harness().call({
      method: 'POST',
      path: `/tasks/${taskId}/runs`,
      body: {
        compareOption: { enabled: true, parallel: 4, stringTrimStrategy: 'Trim', floatPrecision: '6' },
      },
    });

    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({ request: 'started', taskId });
    const execute = harness().sandbox.requests.filter((r) => r.path.endsWith('/execute'));
    expect(execute).toHaveLength(1);
    expect(execute[0]?.body).toEqual({
      taskId,
      compareOption: { enabled: true, parallel: 4, stringTrimStrategy: 'Trim', floatPrecision: '6' },
    });
    expect(harness().watches.started[0]?.state.execId).toBe(response.body.execId);
  });

  it('POST /tasks/{taskId}/runs answers 409 with NineData’s reason when the task is already running', async () => {
    const { taskId } = addRun();

    const response = await harness().call({ method: 'POST', path: `/tasks/${taskId}/runs` });

    expectProblem(response, 409);
    expect(response.body.detail).toContain('task status invalid');
  });

  it('POST /tasks/{taskId}/runs names the started run when its watch cannot start', async () => {
    const taskId = newTaskId();
    harness().sandbox.addTask({ taskId });
    harness().watches.failNext = 1;

    const response = await harness().call({ method: 'POST', path: `/tasks/${taskId}/runs` });

    expectProblem(response, 503);
    expect(response.body.execId).toMatch(/^[0-9]+$/);
    expect(response.body.detail).toContain(`POST /runs/${response.body.execId}/watch`);
  });

  it.each([
    ['an unknown option', { compareOption: { turbo: true } }, 'unknown field "turbo"'],
    ['a numeric splitNum', { compareOption: { splitNum: 5 } }, 'splitNum'],
    ['a wrong trim strategy', { compareOption: { stringTrimStrategy: 'Both' } }, 'LTrim, RTrim or Trim'],
    ['a fractional parallel', { compareOption: { parallel: 1.5 } }, 'parallel must be a whole number'],
    ['an unknown top-level field', { options: {} }, 'unknown field "options"'],
  ])('POST /tasks/{taskId}/runs answers 400 for %s', async (_label, body, detail) => {
    const response = await harness().call({ method: 'POST', path: '/tasks/cd-abc/runs', body });

    expectProblem(response, 400);
    expect(response.body.detail).toContain(detail);
    expect(harness().sandbox.requests).toHaveLength(0);
  });

  it('POST /tasks/{taskId}/runs answers 413 for a body over 16 KB', async () => {
    const response = await harness().call({
      method: 'POST',
      path: '/tasks/cd-abc/runs',
      rawBody: JSON.stringify({ compareOption: { splitNum: '1' }, pad: 'x'.repeat(17_000) }),
    });

    expectProblem(response, 413);
  });

  it('GET /tasks/{taskId}/runs lists the runs seen here, newest first', async () => {
    const taskId = newTaskId();
    const { sandbox, clock } = harness();
    const older = sandbox.addRun({ taskId, durationSeconds: 30, sourceRows: 10 });
    clock.advance(3_600_000);
    const newer = sandbox.addRun({ taskId, durationSeconds: 30, sourceRows: 10 });
    await harness().call({ path: `/runs/${older}` });
    await harness().call({ path: `/runs/${newer}` });

    const response = await harness().call({ path: `/tasks/${taskId}/runs` });

    expect(response.status).toBe(200);
    expect(response.body.runs.map((r: { execId: string }) => r.execId)).toEqual([newer, older]);
    expect(response.body.cursor).toBeNull();
  });
});

describe('routing', () => {
  it('answers 404 for an unknown route, pointing at the API description', async () => {
    const response = await harness().call({ path: '/nothing/here' });

    expectProblem(response, 404);
    expect(response.body.detail).toContain('/openapi.json');
  });

  it.each(['/runs/1/', '//runs/1', '/runs/1/../2', '/runs/%2E%2E/1'])(
    'answers 404 for the path trick %s',
    async (path) => {
      expectProblem(await harness().call({ path }), 404);
    },
  );

  it('answers 400 for a malformed percent-encoding', async () => {
    expectProblem(await harness().call({ path: '/runs/%E0%A4%A' }), 400);
  });

  it('answers 405 with Allow for a wrong method', async () => {
    const response = await harness().call({ method: 'DELETE', path: '/runs/1' });

    expectProblem(response, 405);
    expect(response.headers.allow).toBe('GET');
  });

  it('serves an OpenAPI 3.1 description listing exactly the routes it serves', async () => {
    const response = await harness().call({ path: '/openapi.json' });
    const served = lookupRoutes({} as never)
      .map((r) => `${r.method} ${r.path}`)
      .sort();
    const described = Object.entries(OPENAPI_DOCUMENT.paths)
      .flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`))
      .sort();

    expect(response.status).toBe(200);
    expect(response.body.openapi).toBe('3.1.0');
    expect(described).toEqual(served);
  });
});
