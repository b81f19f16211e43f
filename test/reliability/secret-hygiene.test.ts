/**
 * With a recognisable SecretKey configured, nothing compare-watch writes or answers may contain it:
 * log lines, console and process output, API answers, result messages, state machine outputs,
 * errors thrown by the NineData client, and what NineData itself receives. NineData is made to
 * misbehave in every way the sandbox can, including echoing the secret back in its messages.
 */
import { inspect } from 'node:util';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { secretCredentials } from '../../functions/adapters/secret-credentials';
import { createNineDataClient, NINEDATA_PATHS } from '../../functions/ninedata/client';
import type { Fault, FaultScope } from '../../lib/local/sandbox';
import { CREDENTIALS, newTaskId } from '../support/lookup-harness';
import { useWorkflowHarness, type WorkflowHarness } from '../support/workflow-harness';

const SECRET = CREDENTIALS.secretKey;
const harnessWith = useWorkflowHarness();
const secrets = mockClient(SecretsManagerClient);

/** Everything written to the console or to stdout and stderr while a test runs. */
const printed: string[] = [];
beforeEach(() => {
  printed.length = 0;
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    vi.spyOn(stream, 'write').mockImplementation(((chunk: unknown, ...rest: unknown[]) => {
      printed.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      return write(chunk, ...rest);
    }) as typeof stream.write);
  }
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      printed.push(args.map((a) => inspect(a, { depth: 8 })).join(' '));
    });
  }
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** Every place the secret could leak to from a harness, as text, each labelled. */
function exposuresOf(harness: WorkflowHarness): [string, string][] {
  return [
    ...harness.log.lines.map((line, i): [string, string] => [`log line ${i}`, line]),
    ...harness.answers.map((a, i): [string, string] => [
      `answer ${i}`,
      `${JSON.stringify(a.headers)} ${a.text}`,
    ]),
    ...harness.publisher.messages.map((m, i): [string, string] => [`message ${i}`, JSON.stringify(m)]),
    ...harness.workflow.executions.map((e): [string, string] => [
      `execution ${e.name}`,
      JSON.stringify({ output: e.output, error: e.error }),
    ]),
    ...harness.sandbox.requests.map((r, i): [string, string] => [
      `request ${i} NineData received`,
      JSON.stringify({ path: r.path, query: r.query, headers: r.headers, body: r.body }),
    ]),
    ...printed.map((text, i): [string, string] => [`printed ${i}`, text]),
  ];
}

function expectNoSecretIn(exposures: [string, string][]): void {
  const leaks = exposures.filter(([, text]) => text.includes(SECRET)).map(([where]) => where);
  expect(leaks).toEqual([]);
}

/** Faults that make NineData say the secret back, and every other kind of trouble. */
function troubles(execId: string): [Fault, FaultScope][] {
  const scope: FaultScope = { execId, path: NINEDATA_PATHS.run, times: 1 };
  return [
    [{ kind: 'rejected', message: `compare failed for secret ${SECRET}` }, scope],
    [
      { kind: 'rejected', message: `signature mismatch: expected sha256 of ${SECRET}` },
      { ...scope, times: 2 },
    ],
    [{ kind: 'reply', httpStatus: 500, body: { success: false, message: `NPE near ${SECRET}` } }, scope],
    [{ kind: 'reply', httpStatus: 400, body: { success: false, message: `bad key ${SECRET}` } }, scope],
    [{ kind: 'reply', httpStatus: 200, body: `<html>${SECRET}</html>` }, scope],
    [{ kind: 'reply', httpStatus: 418, body: { secret: SECRET } }, scope],
    [
      { kind: 'status', status: 503 },
      { ...scope, times: 8 },
    ],
    [
      { kind: 'rateLimit', retryAfterSeconds: 1 },
      { ...scope, times: 8 },
    ],
    [
      { kind: 'slow', delayMs: 1_000 },
      { ...scope, times: 8 },
    ],
    [{ kind: 'drop' }, { ...scope, times: 8 }],
    [{ kind: 'malformed' }, scope],
    [{ kind: 'authFailure' }, { ...scope, times: 3 }],
  ];
}

const SHORT_TIMEOUTS = { client: { attemptTimeoutMs: 150, deadlineMs: 600 } };

describe('the secret key', () => {
  it('appears in no log line, answer, header or printed output of lookups through every NineData fault', async () => {
    const harness = await harnessWith(SHORT_TIMEOUTS);
    const taskId = newTaskId();
    const execId = harness.sandbox.addRun({ taskId, durationSeconds: 3_600, sourceRows: 10_000 });

    for (const [fault, scope] of troubles(execId)) {
      harness.sandbox.injectFault(fault, scope);
      await harness.call({ path: `/runs/${execId}`, query: 'refresh=true' });
      harness.sandbox.clearFaults();
    }
    harness.sandbox.setServerSkew(15 * 60_000);
    await harness.call({ path: `/runs/${execId}`, query: 'refresh=true' });
    await harness.call({ path: `/tasks/${taskId}` });
    await harness.call({ path: `/runs/${execId}/snapshots` });

    const statuses = harness.answers.map((a) => a.status);
    expect(new Set(statuses)).toEqual(new Set([200, 409, 502, 503, 504]));
    // NineData's messages did reach the caller, with the secret taken out.
    expect(harness.answers.some((a) => a.text.includes('compare failed for secret [redacted]'))).toBe(true);
    expectNoSecretIn(exposuresOf(harness));
  });

  it('appears in nothing a watch writes, publishes or returns through transient faults and an echoing refusal', async () => {
    const harness = await harnessWith(SHORT_TIMEOUTS);
    const execId = harness.sandbox.addRun({ taskId: newTaskId(), durationSeconds: 600, sourceRows: 1_000 });
    const scope: FaultScope = { execId, path: NINEDATA_PATHS.run };
    const faults: [Fault, number][] = [
      [{ kind: 'reply', httpStatus: 500, body: { success: false, message: `NPE near ${SECRET}` } }, 1],
      [{ kind: 'status', status: 503 }, 3],
      [{ kind: 'rateLimit', retryAfterSeconds: 1 }, 2],
      [{ kind: 'slow', delayMs: 1_000 }, 2],
      [{ kind: 'drop' }, 2],
      [{ kind: 'rejected', message: `compare failed for secret ${SECRET}` }, 1],
    ];
    await harness.watch(execId);
    for (const [fault, times] of faults) harness.sandbox.injectFault(fault, { ...scope, times });

    await harness.settle();

    expect(harness.sandbox.requests.filter((r) => r.fault !== null)).toHaveLength(11);
    const bodies = harness.publisher.bodiesFor(execId);
    expect(bodies.map((b) => b.outcome)).toEqual(['unreachable']);
    expect(bodies[0].reason).toMatch(/^NineDataRejected: .*compare failed for secret \[redacted\]/);
    expectNoSecretIn(exposuresOf(harness));
  });

  it('appears nowhere when NineData rejects credentials that hold it, for lookups, starts and watches', async () => {
    const rejected = { accessKeyId: 'AK-revoked', secretKey: SECRET };
    const harness = await harnessWith({ pollCredentials: rejected, lookupCredentials: rejected });
    const taskId = newTaskId();
    harness.sandbox.addTask({ taskId, template: { durationSeconds: 60, sourceRows: 100 } });
    const execId = harness.sandbox.addRun({ taskId: newTaskId(), durationSeconds: 60, sourceRows: 100 });

    const answers = [
      await harness.call({ path: `/runs/${execId}` }),
      await harness.call({ path: `/tasks/${taskId}` }),
      await harness.call({ method: 'POST', path: `/tasks/${taskId}/runs`, body: { compareOption: {} } }),
      await harness.call({ method: 'POST', path: `/runs/${execId}/watch` }),
    ];

    expect(answers.map((a) => a.status)).toEqual([502, 502, 502, 502]);
    expect(harness.sandbox.requests.length).toBeGreaterThanOrEqual(8);
    expect(harness.sandbox.requests.every((r) => !r.authOk)).toBe(true);
    expectNoSecretIn(exposuresOf(harness));
  });

  it('appears nowhere in what a watch started by POST /tasks/{taskId}/runs writes or publishes', async () => {
    const harness = await harnessWith();
    const taskId = newTaskId();
    harness.sandbox.addTask({ taskId, template: { durationSeconds: 300, sourceRows: 2_000, different: 1 } });

    const started = await harness.call({
      method: 'POST',
      path: `/tasks/${taskId}/runs`,
      body: { compareOption: { enabled: true, parallel: 2, stringTrimStrategy: 'Trim' } },
    });
    harness.sandbox.setServerSkew(-15 * 60_000);
    await harness.settle();

    expect(started.status).toBe(202);
    expect(harness.publisher.bodiesFor(started.body.execId).map((b) => b.outcome)).toEqual(['inconsistent']);
    expectNoSecretIn(exposuresOf(harness));
  });

  it.each([
    ['holds it', JSON.stringify(CREDENTIALS), 200],
    ['holds it with an empty AccessKey ID', JSON.stringify({ accessKeyId: '', secretKey: SECRET }), 502],
    ['holds it in text that is not JSON', `AK-test:${SECRET}`, 502],
    [
      'holds it beside an AccessKey NineData does not know',
      JSON.stringify({ ...CREDENTIALS, accessKeyId: 'AK-x' }),
      502,
    ],
  ])('appears nowhere when the Secrets Manager secret %s', async (label, secretString, status) => {
    secrets.reset();
    secrets.on(GetSecretValueCommand).resolves({ SecretString: secretString });
    const credentials = secretCredentials({
      secretArn: `arn:aws:secretsmanager:us-east-1:123456789012:secret:ninedata-${label.replaceAll(' ', '-')}`,
      client: new SecretsManagerClient({ region: 'us-east-1' }),
    });
    const harness = await harnessWith({ credentials });
    const execId = harness.sandbox.addRun({ taskId: newTaskId(), durationSeconds: 60, sourceRows: 100 });

    const lookup = await harness.call({ path: `/runs/${execId}` });
    const watch = await harness.watch(execId);
    await harness.settle();

    expect(lookup.status).toBe(status);
    expect(watch.status).toBe(status === 200 ? 202 : status);
    expect(secrets.commandCalls(GetSecretValueCommand).length).toBeGreaterThanOrEqual(1);
    expectNoSecretIn(exposuresOf(harness));
  });

  it('appears in no error the NineData client throws, however NineData fails', async () => {
    const harness = await harnessWith();
    const taskId = newTaskId();
    const execId = harness.sandbox.addRun({ taskId, durationSeconds: 600, sourceRows: 1_000 });
    const client = (credentials = CREDENTIALS) =>
      createNineDataClient({
        endpoint: harness.sandbox.url,
        credentials: async () => credentials,
        clock: harness.clock,
        attemptTimeoutMs: 150,
        deadlineMs: 600,
        sleep: async () => {},
      });
    const errors: unknown[] = [];
    const capture = async (call: () => Promise<unknown>) => {
      try {
        await call();
      } catch (error) {
        errors.push(error);
      }
    };

    for (const [fault, scope] of troubles(execId)) {
      harness.sandbox.injectFault(fault, { ...scope, times: 10 });
      await capture(() => client().getRun(execId));
      harness.sandbox.clearFaults();
    }
    harness.sandbox.injectFault({ kind: 'drop' }, { path: NINEDATA_PATHS.execute });
    await capture(() => client().startRun(taskId, { enabled: true }));
    harness.sandbox.clearFaults();
    await capture(() => client().getRun('999999999'));
    await capture(() => client({ accessKeyId: 'AK-revoked', secretKey: SECRET }).getTask(taskId));
    await capture(() =>
      createNineDataClient({ endpoint: 'http://127.0.0.1:1', credentials: async () => CREDENTIALS }).getRun(
        execId,
      ),
    );

    expect(errors).toHaveLength(troubles(execId).length + 4);
    const exposures = errors.flatMap((error, i): [string, string][] => [
      [`error ${i} message`, String((error as Error).message)],
      [`error ${i} JSON`, JSON.stringify(error)],
      [`error ${i} inspected`, inspect(error, { depth: 6 })],
    ]);
    expect(exposures.some(([, text]) => text.includes('[redacted]'))).toBe(true);
    expectNoSecretIn([...exposures, ...exposuresOf(harness)]);
  });
});
