import { createServer } from 'node:net';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createNineDataClient,
  NINEDATA_PATHS,
  type NineDataAttempt,
  type NineDataClientOptions,
} from '../../functions/ninedata/client';
import { isNineDataError, type NineDataError } from '../../functions/ninedata/errors';
import { type Credentials, sign } from '../../functions/ninedata/signing';
import { closeNineDataTransports } from '../../functions/ninedata/transport';
import {
  type Fault,
  type FaultScope,
  ManualClock,
  type Sandbox,
  startSandbox,
} from '../../lib/local/sandbox';

const SECRET = 'SECRET-do-not-leak-7f3a9c';
const CREDENTIALS: Credentials = { accessKeyId: 'AK-client', secretKey: SECRET };
const START = '2026-05-08T08:00:00Z';
const MINUTE = 60_000;

let clock: ManualClock;
let sandbox: Sandbox;
let sleeps: number[];
let attempts: NineDataAttempt[];

beforeEach(async () => {
  clock = new ManualClock(START);
  sandbox = await startSandbox({ credentials: CREDENTIALS, clock });
  sleeps = [];
  attempts = [];
});

afterEach(async () => {
  await sandbox.close();
});

afterAll(async () => {
  await closeNineDataTransports();
});

function client(overrides: Partial<NineDataClientOptions> = {}) {
  return createNineDataClient({
    endpoint: sandbox.url,
    credentials: async () => CREDENTIALS,
    clock,
    random: () => 0.5,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    onAttempt: (attempt) => attempts.push(attempt),
    ...overrides,
  });
}

/** A run half-way: 5 s starting, then 50 of 100 s running. */
function runningRun(taskId = 'cd-client'): string {
  const execId = sandbox.addRun({
    taskId,
    startingSeconds: 5,
    durationSeconds: 100,
    tables: 4,
    sourceRows: 1000,
    different: 40,
  });
  clock.advance(55_000);
  return execId;
}

const requestsTo = (path: string) => sandbox.requests.filter((request) => request.path === path);

async function failureOf(promise: Promise<unknown>): Promise<NineDataError> {
  const error = await promise.then(
    () => null,
    (thrown: unknown) => thrown,
  );
  if (!isNineDataError(error)) throw new Error(`expected a NineDataError, got ${String(error)}`);
  return error;
}

function inject(fault: Fault, scope?: FaultScope): void {
  sandbox.injectFault(fault, scope);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('NineData client operations', () => {
  it('returns a running run as an upstream run, counts as numbers whatever their wire form', async () => {
    const execId = runningRun();
    const nineData = client();

    const first = await nineData.getRun(execId);
    const second = await nineData.getRun(execId);

    expect(first).toEqual({
      execId,
      taskId: 'cd-client',
      status: 'running',
      createdAt: '2026-05-08T08:00:00.000Z',
      updatedAt: '2026-05-08T08:00:55.000Z',
      errorMessage: null,
      execType: 'manual',
      tableCount: 4,
      skipTableCount: 0,
      sourceTotalRows: 1000,
      targetTotalRows: 1000,
      sourceCompletedRows: 500,
      targetCompletedRows: 500,
      sameRows: 480,
      differenceRows: 20,
      onlySourceRows: 0,
      onlyTargetRows: 0,
    });
    expect(second).toEqual(first);
  });

  it('returns a failed run with its error message', async () => {
    const execId = sandbox.addRun({
      taskId: 'cd-fails',
      durationSeconds: 10,
      sourceRows: 10,
      finalStatus: 'failed',
      errorMessage: 'link failure',
    });
    clock.advance(MINUTE);

    const run = await client().getRun(execId);

    expect(run).toMatchObject({
      status: 'failed',
      errorMessage: 'link failure',
      updatedAt: '2026-05-08T08:00:10.000Z',
    });
  });

  it('returns a task with its last run id as a decimal string', async () => {
    const execId = runningRun('cd-task');

    const task = await client().getTask('cd-task');

    expect(task).toEqual({
      taskId: 'cd-task',
      name: 'cd-task',
      status: 'running',
      lastExecId: execId,
      isDeleted: false,
      errorMessage: null,
      createdAt: '2026-05-08T08:00:00.000Z',
      type: 'DATA_COMPARE',
      sourceDsId: 'ds-sandbox-source',
      targetDsId: 'ds-sandbox-target',
    });
  });

  it('starts a run with its compare options and returns the new execId as a string', async () => {
    sandbox.addTask({ taskId: 'cd-start', template: { durationSeconds: 30, sourceRows: 10 } });
    const compareOption = { enabled: true, parallel: 8, splitNum: '4', stringTrimStrategy: 'RTrim' as const };

    const { execId } = await client().startRun('cd-start', compareOption);

    expect(execId).toMatch(/^\d+$/);
    expect(sandbox.run(execId)?.compareOption).toEqual(compareOption);
    expect(requestsTo(NINEDATA_PATHS.execute)[0]?.body).toEqual({ taskId: 'cd-start', compareOption });
  });

  it('starts a run without compare options by sending the task id alone', async () => {
    sandbox.addTask({ taskId: 'cd-start' });

    await client().startRun('cd-start');

    expect(requestsTo(NINEDATA_PATHS.execute)[0]?.body).toEqual({ taskId: 'cd-start' });
  });

  it('stops a task', async () => {
    const execId = runningRun('cd-stop');

    await client().stopTask('cd-stop');

    expect(sandbox.runState(execId)?.status).toBe('stopped');
    expect(requestsTo(NINEDATA_PATHS.stop)[0]?.body).toEqual({ taskId: 'cd-stop' });
  });

  it('reads a table summary page, sending every parameter url-encoded', async () => {
    const execId = runningRun('cd-tables');
    const odd = 'a b&c=d/é%';

    const empty = await client().getTableSummary({
      taskId: 'cd-tables',
      execId,
      schemaName: odd,
      pageSize: 10,
    });
    const page = await client().getTableSummary({
      taskId: 'cd-tables',
      execId,
      tableNameLike: 'order',
      pageSize: 100,
      pageNumber: 1,
    });

    expect(requestsTo(NINEDATA_PATHS.tableSummary)[0]?.query).toEqual({
      taskId: 'cd-tables',
      execId,
      schemaName: odd,
      pageSize: '10',
    });
    expect(empty).toMatchObject({ totalTableCount: 0, tables: [] });
    expect(page).toMatchObject({
      taskId: 'cd-tables',
      execId,
      totalTableCount: 2,
      pageSize: 100,
      pageNumber: 1,
    });
    expect(page.tables.map((table) => table.tableName)).toEqual(['orders', 'order_items']);
    expect(page.tables[0]?.extra).toMatchObject({ status: 'running', sourceTotalRows: expect.any(Number) });
  });

  it('signs the path alone with the clock time and reads credentials for every request', async () => {
    const execId = runningRun();
    let credentialReads = 0;
    const nineData = client({
      credentials: async () => {
        credentialReads += 1;
        return CREDENTIALS;
      },
    });

    await nineData.getRun(execId);
    await nineData.getRun(execId);

    const headers = sandbox.requests[0]?.headers ?? {};
    expect(headers.timestamp).toBe('2026-05-08T08:00:55Z');
    expect(headers.signature).toBe(sign(NINEDATA_PATHS.run, SECRET, '2026-05-08T08:00:55Z'));
    expect(headers['access-key-id']).toBe('AK-client');
    expect(credentialReads).toBe(2);
  });

  it('works under an endpoint with a path prefix', async () => {
    const prefixed = await startSandbox({ credentials: CREDENTIALS, clock, basePath: '/ninedata' });
    try {
      const execId = prefixed.addRun({ taskId: 'cd-prefix', durationSeconds: 10, sourceRows: 1 });

      const run = await client({ endpoint: `${prefixed.url}/` }).getRun(execId);

      expect(run.execId).toBe(execId);
      expect(prefixed.requests[0]?.authOk).toBe(true);
    } finally {
      await prefixed.close();
    }
  });

  it.each([
    { attemptTimeoutMs: 0 },
    { deadlineMs: Number.NaN },
    { maxAttempts: 0 },
    { maxAttempts: 1.5 },
    { baseDelayMs: -1 },
  ])('refuses the option %j at construction', (option) => {
    expect(() => client(option)).toThrow(RangeError);
  });

  it.each(['ftp://ninedata.example', 'not a url', 'https://ninedata.example/?region=cn'])(
    'refuses the endpoint %s at construction',
    (endpoint) => {
      expect(() => client({ endpoint })).toThrow(/endpoint/);
    },
  );
});

describe('NineData client errors', () => {
  it('throws NineDataNotFound for an unknown run, with path, status and requestId, without retrying', async () => {
    const error = await failureOf(client().getRun('999999'));

    expect(error.name).toBe('NineDataNotFound');
    expect(error).toMatchObject({
      path: NINEDATA_PATHS.run,
      httpStatus: 200,
      requestId: expect.stringMatching(/^sandbox-\d{6}$/),
      upstreamMessage: 'exec not found',
      transient: false,
    });
    expect(error.message).toContain(error.requestId);
    expect(sandbox.requests).toHaveLength(1);
  });

  it.each([
    ['getTask', (nineData: ReturnType<typeof client>) => nineData.getTask('cd-none')],
    ['startRun', (nineData: ReturnType<typeof client>) => nineData.startRun('cd-none')],
    ['stopTask', (nineData: ReturnType<typeof client>) => nineData.stopTask('cd-none')],
  ])('throws NineDataNotFound from %s for an unknown task', async (_operation, act) => {
    const error = await failureOf(act(client()));

    expect(error.name).toBe('NineDataNotFound');
    expect(error.upstreamMessage).toBe('task not found');
  });

  it('throws NineDataNotFound for a 404 that carries the envelope', async () => {
    inject({
      kind: 'reply',
      httpStatus: 404,
      body: { success: false, requestId: 'r-404', message: 'exec not found' },
    });

    const error = await failureOf(client().getRun('1'));

    expect(error).toMatchObject({ name: 'NineDataNotFound', httpStatus: 404, requestId: 'r-404' });
  });

  it('throws NineDataRejected for any other success false, without retrying', async () => {
    const execId = runningRun('cd-busy');
    sandbox.addTask({ taskId: 'cd-busy' });

    const error = await failureOf(client().startRun('cd-busy'));

    expect(error).toMatchObject({
      name: 'NineDataRejected',
      upstreamMessage: 'task status invalid',
      httpStatus: 200,
    });
    expect(requestsTo(NINEDATA_PATHS.execute)).toHaveLength(1);
    expect(sandbox.task('cd-busy')?.execIds).toEqual([execId]);
  });

  it.each([
    ['a 400 without the envelope', { kind: 'reply', httpStatus: 400, body: 'Bad Request' } as const, 400],
    [
      'a 404 from a wrong path',
      { kind: 'reply', httpStatus: 404, body: { status: 404, error: 'Not Found' } } as const,
      404,
    ],
    [
      'a 409 with a failure envelope',
      { kind: 'reply', httpStatus: 409, body: { success: false, message: 'busy' } } as const,
      409,
    ],
  ])('throws NineDataRejected for %s, without retrying', async (_case, fault, status) => {
    inject(fault);

    const error = await failureOf(client().getRun('1'));

    expect(error).toMatchObject({ name: 'NineDataRejected', httpStatus: status });
    expect(sandbox.requests).toHaveLength(1);
  });

  it('throws NineDataRejected when the endpoint prefix is wrong (the sandbox answers 404)', async () => {
    const error = await failureOf(client({ endpoint: `${sandbox.url}/wrong` }).getRun('1'));

    expect(error).toMatchObject({ name: 'NineDataRejected', httpStatus: 404, path: NINEDATA_PATHS.run });
  });

  it.each([
    ['a body that is not JSON', { kind: 'malformed' } as const],
    ['JSON that is not the envelope', { kind: 'reply', httpStatus: 200, body: { ok: true } } as const],
    [
      'a run without status',
      { kind: 'reply', httpStatus: 200, body: { success: true, data: { id: 1 } } } as const,
    ],
    [
      'another run',
      {
        kind: 'reply',
        httpStatus: 200,
        body: { success: true, data: { id: 2, status: 'running' } },
      } as const,
    ],
    ['no run at all', { kind: 'reply', httpStatus: 200, body: { success: true, data: null } } as const],
    ['a redirect', { kind: 'reply', httpStatus: 302, body: '' } as const],
  ])('throws NineDataInvalidResponse for %s, without retrying', async (_case, fault) => {
    inject(fault);

    const error = await failureOf(client().getRun('1'));

    expect(error).toMatchObject({
      name: 'NineDataInvalidResponse',
      path: NINEDATA_PATHS.run,
      transient: false,
    });
    expect(sandbox.requests).toHaveLength(1);
  });

  it('throws NineDataInvalidResponse when execute answers no run id', async () => {
    inject({ kind: 'reply', httpStatus: 200, body: { success: true, requestId: 'r-x', data: null } });

    const error = await failureOf(client().startRun('cd-any'));

    expect(error).toMatchObject({
      name: 'NineDataInvalidResponse',
      path: NINEDATA_PATHS.execute,
      requestId: 'r-x',
    });
    expect(error.message).toContain('POST');
  });

  it('throws NineDataAuthRejected for a wrong secret, after one clock re-read and one retry', async () => {
    const execId = runningRun();

    const error = await failureOf(
      client({ credentials: async () => ({ ...CREDENTIALS, secretKey: 'wrong' }) }).getRun(execId),
    );

    expect(error).toMatchObject({
      name: 'NineDataAuthRejected',
      upstreamMessage: 'signature mismatch',
      httpStatus: 200,
    });
    expect(sandbox.requests.map((request) => request.path)).toEqual([
      NINEDATA_PATHS.run,
      NINEDATA_PATHS.now,
      NINEDATA_PATHS.run,
    ]);
  });

  it('throws NineDataAuthRejected, not NineDataNotFound, for an unknown access key', async () => {
    const execId = runningRun();

    const error = await failureOf(
      client({ credentials: async () => ({ ...CREDENTIALS, accessKeyId: 'AK-x' }) }).getRun(execId),
    );

    expect(error).toMatchObject({ name: 'NineDataAuthRejected', upstreamMessage: 'access key not found' });
  });

  it.each([401, 403])(
    'throws NineDataAuthRejected for HTTP %i once the clock re-read did not help',
    async (status) => {
      inject(
        { kind: 'reply', httpStatus: status, body: { success: false, message: 'denied' } },
        { path: NINEDATA_PATHS.run },
      );

      const error = await failureOf(client().getRun('1'));

      expect(error).toMatchObject({ name: 'NineDataAuthRejected', httpStatus: status });
      expect(requestsTo(NINEDATA_PATHS.run)).toHaveLength(2);
      expect(requestsTo(NINEDATA_PATHS.now)).toHaveLength(1);
    },
  );

  it('throws NineDataUnavailable with no HTTP status when nothing listens', async () => {
    const port = await freePort();

    const error = await failureOf(client({ endpoint: `http://127.0.0.1:${port}` }).getRun('1'));

    expect(error).toMatchObject({
      name: 'NineDataUnavailable',
      httpStatus: null,
      requestId: null,
      transient: true,
    });
    expect(error.message).toContain('ECONNREFUSED');
    expect(attempts).toHaveLength(4);
  });

  it('throws NineDataTimeout when every attempt is too slow', async () => {
    inject({ kind: 'slow', delayMs: 2_000 });

    const error = await failureOf(client({ attemptTimeoutMs: 100, maxAttempts: 2 }).getRun('1'));

    expect(error).toMatchObject({ name: 'NineDataTimeout', httpStatus: null, path: NINEDATA_PATHS.run });
    expect(sandbox.requests).toHaveLength(2);
  });

  it('never shows the secret key in any error, even when NineData echoes it', async () => {
    const execId = runningRun();
    const cases: [Fault | null, Partial<NineDataClientOptions>][] = [
      [{ kind: 'rejected', message: `bad request for key ${SECRET}` }, {}],
      [
        { kind: 'reply', httpStatus: 503, body: { success: false, message: `down ${SECRET}` } },
        { maxAttempts: 1 },
      ],
      [null, { credentials: async () => ({ accessKeyId: 'AK-client', secretKey: `${SECRET}-wrong` }) }],
      [
        { kind: 'slow', delayMs: 1_000 },
        { attemptTimeoutMs: 50, maxAttempts: 1 },
      ],
      [{ kind: 'malformed' }, {}],
    ];

    const errors: NineDataError[] = [];
    for (const [fault, options] of cases) {
      sandbox.clearFaults();
      if (fault !== null) inject(fault);
      errors.push(await failureOf(client(options).getRun(execId)));
    }

    expect(errors.map((error) => error.name)).toEqual([
      'NineDataRejected',
      'NineDataUnavailable',
      'NineDataAuthRejected',
      'NineDataTimeout',
      'NineDataInvalidResponse',
    ]);
    expect(errors[0]?.upstreamMessage).toBe('bad request for key [redacted]');
    for (const error of errors) {
      const visible = [
        error.message,
        error.stack,
        JSON.stringify(error),
        String(error.upstreamMessage),
        String(error.cause),
      ];
      for (const text of visible) expect(text).not.toContain(SECRET);
    }
  });
});

describe('NineData client retries of reads', () => {
  it.each([500, 502, 503] as const)('retries a read after a %i and returns the run', async (status) => {
    const execId = runningRun();
    inject({ kind: 'status', status }, { times: 1 });

    const run = await client().getRun(execId);

    expect(run.status).toBe('running');
    expect(sandbox.requests).toHaveLength(2);
    expect(sleeps).toEqual([100]);
  });

  it('retries a read after the connection dropped', async () => {
    const execId = runningRun();
    inject({ kind: 'drop' }, { times: 1 });

    const run = await client().getRun(execId);

    expect(run.execId).toBe(execId);
    expect(attempts.map((attempt) => attempt.errorName)).toEqual(['NineDataUnavailable', null]);
  });

  it('retries a read after an attempt timed out', async () => {
    const execId = runningRun();
    inject({ kind: 'slow', delayMs: 2_000 }, { times: 1 });

    const run = await client({ attemptTimeoutMs: 300 }).getRun(execId);

    expect(run.execId).toBe(execId);
    expect(attempts[0]).toMatchObject({ errorName: 'NineDataTimeout', httpStatus: null });
    expect(attempts[0]?.durationMs).toBeLessThan(1_000);
  });

  it('retries a read after a 429, waiting the Retry-After seconds', async () => {
    const execId = runningRun();
    inject({ kind: 'rateLimit', retryAfterSeconds: 2 }, { times: 1 });

    await client().getRun(execId);

    expect(sleeps).toEqual([2_000]);
  });

  it('gives up at once when Retry-After reaches past the deadline, saying how long to wait', async () => {
    inject({ kind: 'rateLimit', retryAfterSeconds: 30 });

    const error = await failureOf(client({ deadlineMs: 20_000 }).getRun('1'));

    expect(error).toMatchObject({ name: 'NineDataUnavailable', httpStatus: 429, retryAfterSeconds: 30 });
    expect(sleeps).toEqual([]);
    expect(sandbox.requests).toHaveLength(1);
  });

  it('backs off exponentially with full jitter, capped, and stops after maxAttempts', async () => {
    inject({ kind: 'status', status: 503 });
    const jitter = [0.1, 0.9, 0.5, 0.99];

    const error = await failureOf(
      client({ random: () => jitter.shift() ?? 0, baseDelayMs: 200, maxDelayMs: 500, maxAttempts: 4 }).getRun(
        '1',
      ),
    );

    expect(error).toMatchObject({ name: 'NineDataUnavailable', httpStatus: 503 });
    expect(sandbox.requests).toHaveLength(4);
    expect(sleeps).toEqual([20, 360, 250]);
  });

  it('does not sleep when the backoff would pass the deadline', async () => {
    inject({ kind: 'status', status: 503 });

    const error = await failureOf(
      client({ deadlineMs: 300, baseDelayMs: 1_000, random: () => 1 }).getRun('1'),
    );

    expect(error.name).toBe('NineDataUnavailable');
    expect(sleeps).toEqual([]);
    expect(sandbox.requests).toHaveLength(1);
  });

  it('cuts the attempt short at the overall deadline', async () => {
    inject({ kind: 'slow', delayMs: 3_000 });
    const started = performance.now();

    const error = await failureOf(client({ deadlineMs: 250, attemptTimeoutMs: 5_000 }).getRun('1'));

    expect(error.name).toBe('NineDataTimeout');
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(sandbox.requests).toHaveLength(1);
  });
});

describe('NineData client startRun is never retried once NineData may have it', () => {
  beforeEach(() => {
    sandbox.addTask({ taskId: 'cd-once', template: { durationSeconds: 60, sourceRows: 100 } });
  });

  it('throws NineDataUnavailable when the answer to execute is lost, and NineData received it exactly once', async () => {
    inject({ kind: 'drop' }, { path: NINEDATA_PATHS.execute });

    const error = await failureOf(client().startRun('cd-once'));

    expect(error).toMatchObject({
      name: 'NineDataUnavailable',
      httpStatus: null,
      path: NINEDATA_PATHS.execute,
    });
    expect(requestsTo(NINEDATA_PATHS.execute)).toHaveLength(1);
    expect(sandbox.task('cd-once')?.execIds).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('throws NineDataTimeout when execute is not answered in time, and NineData received it exactly once', async () => {
    inject({ kind: 'slow', delayMs: 2_000 }, { path: NINEDATA_PATHS.execute });

    const error = await failureOf(client({ attemptTimeoutMs: 150 }).startRun('cd-once'));

    expect(error).toMatchObject({ name: 'NineDataTimeout', path: NINEDATA_PATHS.execute });
    expect(requestsTo(NINEDATA_PATHS.execute)).toHaveLength(1);
  });

  it.each([500, 502, 503] as const)('does not retry execute after a %i', async (status) => {
    inject({ kind: 'status', status }, { path: NINEDATA_PATHS.execute, times: 1 });

    const error = await failureOf(client().startRun('cd-once'));

    expect(error).toMatchObject({ name: 'NineDataUnavailable', httpStatus: status });
    expect(requestsTo(NINEDATA_PATHS.execute)).toHaveLength(1);
  });

  it('retries execute after a 429, which NineData did not process', async () => {
    inject({ kind: 'rateLimit', retryAfterSeconds: 1 }, { path: NINEDATA_PATHS.execute, times: 1 });

    const { execId } = await client().startRun('cd-once');

    expect(requestsTo(NINEDATA_PATHS.execute)).toHaveLength(2);
    expect(sandbox.task('cd-once')?.execIds).toEqual([execId]);
    expect(sleeps).toEqual([1_000]);
  });

  it('retries execute once after an authentication rejection, with the clock re-read', async () => {
    sandbox.setServerSkew(20 * MINUTE);

    const { execId } = await client().startRun('cd-once');

    expect(sandbox.requests.map((request) => [request.path, request.authOk])).toEqual([
      [NINEDATA_PATHS.execute, false],
      [NINEDATA_PATHS.now, true],
      [NINEDATA_PATHS.execute, true],
    ]);
    expect(sandbox.task('cd-once')?.execIds).toEqual([execId]);
  });

  it('retries execute when the connection was refused before anything was sent', async () => {
    const port = await freePort();
    const late: { sandbox: Sandbox | null } = { sandbox: null };
    const nineData = client({
      endpoint: `http://127.0.0.1:${port}`,
      sleep: async (ms) => {
        sleeps.push(ms);
        // NineData comes up while the client backs off.
        late.sandbox ??= await startSandbox({ credentials: CREDENTIALS, clock, port });
        late.sandbox.addTask({ taskId: 'cd-late' });
      },
    });
    try {
      const { execId } = await nineData.startRun('cd-late');

      expect(attempts.map((attempt) => attempt.errorName)).toEqual(['NineDataUnavailable', null]);
      expect(late.sandbox?.task('cd-late')?.execIds).toEqual([execId]);
    } finally {
      await late.sandbox?.close();
    }
  });
});

describe('NineData client stopTask retries like a read', () => {
  it('retries a stop after a 503 and stops the task', async () => {
    const execId = runningRun('cd-stop');
    inject({ kind: 'status', status: 503 }, { times: 1 });

    await client().stopTask('cd-stop');

    expect(requestsTo(NINEDATA_PATHS.stop)).toHaveLength(2);
    expect(sandbox.runState(execId)?.status).toBe('stopped');
  });

  it('retries a stop whose answer was lost; the retry hears the task is no longer running', async () => {
    const execId = runningRun('cd-stop');
    inject({ kind: 'drop' }, { times: 1 });

    const error = await failureOf(client().stopTask('cd-stop'));

    expect(error).toMatchObject({ name: 'NineDataRejected', upstreamMessage: 'task status invalid' });
    expect(sandbox.runState(execId)?.status).toBe('stopped');
  });
});

describe('NineData client clock', () => {
  it.each([
    ['ahead', 30 * MINUTE],
    ['behind', -2 * 60 * MINUTE],
  ])(
    'learns the offset of a server clock %s after a rejected timestamp and keeps it',
    async (_case, skew) => {
      const execId = runningRun();
      sandbox.setServerSkew(skew);
      const nineData = client();

      await nineData.getRun(execId);
      await nineData.getRun(execId);

      expect(nineData.clockOffsetMs()).toBe(skew);
      expect(sandbox.requests.map((request) => [request.path, request.authOk])).toEqual([
        [NINEDATA_PATHS.run, false],
        [NINEDATA_PATHS.now, true],
        [NINEDATA_PATHS.run, true],
        [NINEDATA_PATHS.run, true],
      ]);
    },
  );

  it('learns the offset on request and signs with the corrected time', async () => {
    const execId = runningRun();
    sandbox.setServerSkew(-15 * MINUTE);
    const nineData = client();

    const offset = await nineData.learnClockOffset();
    await nineData.getRun(execId);

    expect(offset).toBe(-15 * MINUTE);
    expect(requestsTo(NINEDATA_PATHS.run)[0]?.headers.timestamp).toBe('2026-05-08T07:45:55Z');
  });

  it('falls back to the HTTP Date header when the clock endpoint rejects the timestamp too', async () => {
    const execId = runningRun();
    sandbox.setServerSkew(30 * MINUTE);
    inject({ kind: 'authFailure' }, { path: NINEDATA_PATHS.now });
    const nineData = client();

    const run = await nineData.getRun(execId);

    expect(run.execId).toBe(execId);
    expect(nineData.clockOffsetMs()).toBe(30 * MINUTE);
  });

  it('recovers from a 401 by re-reading the clock and retrying once', async () => {
    const execId = runningRun();
    inject({ kind: 'authFailure' }, { path: NINEDATA_PATHS.run, times: 1 });

    const run = await client().getRun(execId);

    expect(run.execId).toBe(execId);
    expect(attempts.map((attempt) => [attempt.path, attempt.httpStatus])).toEqual([
      [NINEDATA_PATHS.run, 401],
      [NINEDATA_PATHS.now, 200],
      [NINEDATA_PATHS.run, 200],
    ]);
  });

  it('throws NineDataInvalidResponse when the server time is unusable', async () => {
    inject(
      { kind: 'reply', httpStatus: 200, body: { success: true, data: 'soon' } },
      { path: NINEDATA_PATHS.now },
    );

    const error = await failureOf(client().learnClockOffset());

    expect(error).toMatchObject({ name: 'NineDataInvalidResponse', path: NINEDATA_PATHS.now });
  });
});

describe('NineData client attempt reports', () => {
  it('reports every attempt with path, method, status, duration, error name and requestId', async () => {
    const execId = runningRun();
    inject({ kind: 'status', status: 500 }, { times: 1 });

    await client().getRun(execId);

    expect(attempts).toEqual([
      {
        path: NINEDATA_PATHS.run,
        method: 'GET',
        httpStatus: 500,
        durationMs: expect.any(Number),
        errorName: 'NineDataUnavailable',
        requestId: expect.stringMatching(/^sandbox-/),
      },
      {
        path: NINEDATA_PATHS.run,
        method: 'GET',
        httpStatus: 200,
        durationMs: expect.any(Number),
        errorName: null,
        requestId: expect.stringMatching(/^sandbox-/),
      },
    ]);
  });

  it('returns the run even when the report hook throws', async () => {
    const execId = runningRun();

    const run = await client({
      onAttempt: () => {
        throw new Error('metrics are down');
      },
    }).getRun(execId);

    expect(run.execId).toBe(execId);
  });
});
