import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AUTH_MESSAGES, ManualClock, type Sandbox, startSandbox } from '../../lib/local/sandbox';
import { callSandbox, SANDBOX_CREDENTIALS } from '../support/sandbox-http';

const RUN_PATH = '/openapi/v1/comparedata/queryTaskExecInfo';
const NOW = new Date('2026-05-08T08:00:00Z');
const MINUTE = 60_000;

describe('the sandbox authentication check', () => {
  const clock = new ManualClock(NOW);
  let sandbox: Sandbox;
  let execId: string;

  beforeAll(async () => {
    sandbox = await startSandbox({ credentials: SANDBOX_CREDENTIALS, clock });
    execId = sandbox.addRun({ taskId: 'cd-auth', durationSeconds: 60, sourceRows: 100 });
  });

  beforeEach(() => {
    clock.set(NOW);
    sandbox.setServerSkew(0);
    sandbox.clearRequests();
  });

  afterAll(async () => {
    await sandbox.close();
  });

  it('answers a correctly signed request', async () => {
    const answer = await callSandbox(sandbox, { path: RUN_PATH, query: { execId }, at: clock.now() });

    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ success: true, data: { id: Number(execId), status: 'starting' } });
    expect(sandbox.requests[0]?.authOk).toBe(true);
  });

  it.each([
    [
      'a wrong secret',
      { credentials: { ...SANDBOX_CREDENTIALS, secretKey: 'wrong' } },
      AUTH_MESSAGES.badSignature,
    ],
    [
      'an unknown access key',
      { credentials: { ...SANDBOX_CREDENTIALS, accessKeyId: 'AK-nobody' } },
      AUTH_MESSAGES.unknownKey,
    ],
    ['a missing signature', { headers: { signature: undefined } }, AUTH_MESSAGES.missingHeaders],
    ['a missing access key id', { headers: { 'access-key-id': undefined } }, AUTH_MESSAGES.missingHeaders],
    [
      'a timestamp with a fraction',
      { headers: { timestamp: '2026-05-08T08:00:00.000Z' } },
      AUTH_MESSAGES.badTimestamp,
    ],
    ['a timestamp without T', { headers: { timestamp: '2026-05-08 08:00:00Z' } }, AUTH_MESSAGES.badTimestamp],
    [
      'a timestamp 11 minutes late',
      { at: new Date(NOW.getTime() - 11 * MINUTE) },
      AUTH_MESSAGES.expiredTimestamp,
    ],
    [
      'a timestamp 11 minutes early',
      { at: new Date(NOW.getTime() + 11 * MINUTE) },
      AUTH_MESSAGES.expiredTimestamp,
    ],
  ])('refuses %s with HTTP 200, success false and a message', async (_case, change, message) => {
    const answer = await callSandbox(sandbox, {
      path: RUN_PATH,
      query: { execId },
      at: clock.now(),
      ...change,
    });

    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ success: false, message, requestId: expect.any(String) });
    expect(answer.json).not.toHaveProperty('data');
    expect(sandbox.requests[0]?.authOk).toBe(false);
  });

  it('accepts a timestamp nine minutes away from its clock', async () => {
    const answer = await callSandbox(sandbox, {
      path: RUN_PATH,
      query: { execId },
      at: new Date(NOW.getTime() - 9 * MINUTE),
    });

    expect(answer.json).toMatchObject({ success: true });
  });

  it('checks the signature over the path alone, not the query string', async () => {
    const answer = await callSandbox(sandbox, {
      path: RUN_PATH,
      query: { execId, extra: 'ignored' },
      at: clock.now(),
    });

    expect(answer.json).toMatchObject({ success: true });
  });

  it('judges the window by its own clock plus the server skew', async () => {
    sandbox.setServerSkew(30 * MINUTE);

    const local = await callSandbox(sandbox, { path: RUN_PATH, query: { execId }, at: clock.now() });
    const skewed = await callSandbox(sandbox, {
      path: RUN_PATH,
      query: { execId },
      at: new Date(NOW.getTime() + 30 * MINUTE),
    });

    expect(local.json).toMatchObject({ success: false, message: AUTH_MESSAGES.expiredTimestamp });
    expect(skewed.json).toMatchObject({ success: true });
  });

  it('serves its skewed time on /openapi/now as epoch ms, and in the Date header', async () => {
    sandbox.setServerSkew(30 * MINUTE);

    const answer = await callSandbox(sandbox, { path: '/openapi/now', at: clock.now() });

    expect(answer.json).toMatchObject({ success: true, data: NOW.getTime() + 30 * MINUTE });
    expect(answer.headers.get('date')).toBe(new Date(NOW.getTime() + 30 * MINUTE).toUTCString());
  });

  it('answers /openapi/now outside the window, so a client can learn the right time', async () => {
    const answer = await callSandbox(sandbox, {
      path: '/openapi/now',
      at: new Date(NOW.getTime() - 60 * MINUTE),
    });

    expect(answer.json).toMatchObject({ success: true, data: NOW.getTime() });
  });

  it('still checks the signature of /openapi/now', async () => {
    const answer = await callSandbox(sandbox, {
      path: '/openapi/now',
      at: clock.now(),
      credentials: { ...SANDBOX_CREDENTIALS, secretKey: 'wrong' },
    });

    expect(answer.json).toMatchObject({ success: false, message: AUTH_MESSAGES.badSignature });
  });
});
