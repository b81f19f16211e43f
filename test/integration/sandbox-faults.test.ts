import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock, type Sandbox, startSandbox } from '../../lib/local/sandbox';
import { callSandbox, SANDBOX_CREDENTIALS } from '../support/sandbox-http';

const RUN_PATH = '/openapi/v1/comparedata/queryTaskExecInfo';
const EXECUTE_PATH = '/openapi/v1/comparedata/execute';

describe('sandbox faults and recording', () => {
  const clock = new ManualClock('2026-05-08T08:00:00Z');
  let sandbox: Sandbox;
  let execId: string;
  let otherExecId: string;

  beforeAll(async () => {
    sandbox = await startSandbox({ credentials: SANDBOX_CREDENTIALS, clock });
    execId = sandbox.addRun({ taskId: 'cd-faults', durationSeconds: 60, sourceRows: 100 });
    otherExecId = sandbox.addRun({ taskId: 'cd-other', durationSeconds: 60, sourceRows: 100 });
  });

  beforeEach(() => {
    sandbox.clearFaults();
    sandbox.clearRequests();
  });

  afterAll(async () => {
    await sandbox.close();
  });

  const getRun = (id = execId) =>
    callSandbox(sandbox, { path: RUN_PATH, query: { execId: id }, at: clock.now() });

  it.each([
    [{ kind: 'status', status: 500 } as const, 500, true],
    [{ kind: 'status', status: 502 } as const, 502, false],
    [{ kind: 'status', status: 503 } as const, 503, false],
    [{ kind: 'authFailure' } as const, 401, true],
  ])('answers the fault %j with HTTP %i', async (fault, status, isJson) => {
    sandbox.injectFault(fault);

    const answer = await getRun();

    expect(answer.status).toBe(status);
    expect(answer.json !== undefined).toBe(isJson);
  });

  it('answers a rate limit with 429 and Retry-After', async () => {
    sandbox.injectFault({ kind: 'rateLimit', retryAfterSeconds: 7 });

    const answer = await getRun();

    expect(answer.status).toBe(429);
    expect(answer.headers.get('retry-after')).toBe('7');
  });

  it('answers a malformed body that is not JSON, with HTTP 200', async () => {
    sandbox.injectFault({ kind: 'malformed' });

    const answer = await getRun();

    expect(answer.status).toBe(200);
    expect(answer.json).toBeUndefined();
    expect(answer.text.length).toBeGreaterThan(0);
  });

  it('answers a rejection with success false and the given message', async () => {
    sandbox.injectFault({ kind: 'rejected', message: 'task status invalid' });

    const answer = await getRun();

    expect(answer.json).toMatchObject({ success: false, message: 'task status invalid' });
  });

  it('answers a canned reply verbatim', async () => {
    sandbox.injectFault({ kind: 'reply', httpStatus: 418, body: { teapot: true } });

    const answer = await getRun();

    expect(answer).toMatchObject({ status: 418, json: { teapot: true } });
  });

  it('delays a slow answer, then answers normally', async () => {
    sandbox.injectFault({ kind: 'slow', delayMs: 120 });
    const started = performance.now();

    const answer = await getRun();

    expect(performance.now() - started).toBeGreaterThanOrEqual(100);
    expect(answer.json).toMatchObject({ success: true });
  });

  it('drops the connection unanswered, yet starts the run for an execute', async () => {
    sandbox.addTask({ taskId: 'cd-drop', template: { durationSeconds: 10, sourceRows: 10 } });
    sandbox.injectFault({ kind: 'drop' }, { path: EXECUTE_PATH });

    const call = callSandbox(sandbox, { path: EXECUTE_PATH, body: { taskId: 'cd-drop' }, at: clock.now() });

    await expect(call).rejects.toThrow();
    expect(sandbox.task('cd-drop')?.execIds).toHaveLength(1);
  });

  it('hits only the requests in scope, as many times as told', async () => {
    sandbox.injectFault({ kind: 'status', status: 503 }, { execId, times: 2 });

    const statuses = [];
    for (const id of [otherExecId, execId, execId, execId]) statuses.push((await getRun(id)).status);

    expect(statuses).toEqual([200, 503, 503, 200]);
  });

  it.each([
    [{ taskId: 'cd-faults' }, 503],
    [{ taskId: 'cd-other' }, 200],
    [{ path: RUN_PATH }, 503],
    [{ path: EXECUTE_PATH }, 200],
  ])('scopes a fault by %j', async (scope, status) => {
    sandbox.addTask({ taskId: 'cd-faults' });
    sandbox.injectFault({ kind: 'status', status: 503 }, scope);

    const byTask = await callSandbox(sandbox, {
      path: '/openapi/v1/comparedata/queryTaskById',
      query: { taskId: 'cd-faults' },
      at: clock.now(),
    });
    const byPath = await getRun();

    expect('taskId' in scope ? byTask.status : byPath.status).toBe(status);
  });

  it('stops faulting after clearFaults', async () => {
    sandbox.injectFault({ kind: 'status', status: 503 });
    sandbox.clearFaults();

    const answer = await getRun();

    expect(answer.status).toBe(200);
  });

  it('records each request with its query, lower-case headers, body, time, auth result and fault', async () => {
    sandbox.injectFault({ kind: 'rejected', message: 'no' }, { path: EXECUTE_PATH, times: 1 });

    await getRun();
    await callSandbox(sandbox, { path: EXECUTE_PATH, body: { taskId: 'cd-faults' }, at: clock.now() });

    expect(sandbox.requests).toEqual([
      expect.objectContaining({
        method: 'GET',
        path: RUN_PATH,
        query: { execId },
        body: null,
        authOk: true,
        at: '2026-05-08T08:00:00.000Z',
        fault: null,
        headers: expect.objectContaining({
          'access-key-id': 'AK-sandbox',
          timestamp: '2026-05-08T08:00:00Z',
        }),
      }),
      expect.objectContaining({
        method: 'POST',
        path: EXECUTE_PATH,
        body: { taskId: 'cd-faults' },
        fault: { kind: 'rejected', message: 'no' },
        headers: expect.objectContaining({ 'content-type': 'application/json' }),
      }),
    ]);
  });
});

describe('a sandbox under a base path', () => {
  it('serves the API under the prefix only, checking the signature of the path without it', async () => {
    const clock = new ManualClock('2026-05-08T08:00:00Z');
    const sandbox = await startSandbox({ credentials: SANDBOX_CREDENTIALS, clock, basePath: '/ninedata/' });
    try {
      const under = await callSandbox(sandbox, { path: '/openapi/now', at: clock.now() });
      const outside = await fetch(`${new URL(sandbox.url).origin}/openapi/now`);

      expect(sandbox.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/ninedata$/);
      expect(under.json).toMatchObject({ success: true });
      expect(outside.status).toBe(404);
      expect(sandbox.requests[0]?.path).toBe('/openapi/now');
    } finally {
      await sandbox.close();
    }
  });
});
