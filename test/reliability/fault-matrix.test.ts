import { describe, expect, it } from 'vitest';
import type { WatchOutcome } from '../../functions/core/run-view';
import { NINEDATA_PATHS } from '../../functions/ninedata/client';
import type { Fault } from '../../lib/local/sandbox';
import { CREDENTIALS, newTaskId } from '../support/lookup-harness';
import { useWorkflowHarness, type WorkflowHarness, type WorkflowOptions } from '../support/workflow-harness';
import { expectIntactHistory, viewCountsOf } from './watch-history';

const harnessWith = useWorkflowHarness();

/** A run NineData answers for once the watch has started: ten minutes, three differing rows. */
const SCENARIO = { durationSeconds: 600, sourceRows: 10_000, different: 3 } as const;

interface FaultCase {
  /** What NineData does, as the test name says it. */
  name: string;
  /** Injected on the run's own requests once the watch has started. */
  fault?: Fault;
  times?: number;
  /** Anything else the case changes once the watch has started (NineData's clock). */
  disturb?: (harness: WorkflowHarness) => void;
  options?: WorkflowOptions;
  outcome: WatchOutcome;
  /** The message's `reason`, for a watch that ends without the run's result. */
  reason?: RegExp;
}

/** A drifted but usable answer: ids as numbers, counts as padded strings, times as epoch seconds. */
function driftedRun(execId: string, taskId: string): Fault {
  return {
    kind: 'reply',
    httpStatus: 200,
    body: {
      success: 'true',
      requestId: 987_654_321,
      data: {
        id: Number(execId),
        taskId,
        status: 'running',
        createTime: Math.floor(Date.parse('2026-05-08T08:00:00Z') / 1000),
        tableCount: '4',
        skipTableCount: 0,
        sourceTotalRows: ' 10000 ',
        targetTotalRows: '10000',
        sourceCompletedRows: '1',
        targetCompletedRows: 1,
        sameRows: '1',
        differenceRows: '0',
        onlySourceRows: null,
        extraField: { nested: [1, 2, 3] },
      },
    },
  };
}

const TRANSIENT: FaultCase[] = (
  [
    { name: 'a burst of 8 HTTP 500 answers', fault: { kind: 'status', status: 500 }, times: 8 },
    { name: 'a burst of 7 HTTP 502 gateway pages', fault: { kind: 'status', status: 502 }, times: 7 },
    { name: 'a burst of 10 HTTP 503 answers', fault: { kind: 'status', status: 503 }, times: 10 },
    {
      name: '6 HTTP 429 answers with Retry-After: 1',
      fault: { kind: 'rateLimit', retryAfterSeconds: 1 },
      times: 6,
    },
    {
      name: '5 answers slower than the per-attempt time-out',
      fault: { kind: 'slow', delayMs: 1_000 },
      times: 5,
      options: { client: { attemptTimeoutMs: 200, deadlineMs: 1_000 } },
    },
    { name: '5 connections dropped after the request', fault: { kind: 'drop' }, times: 5 },
    // An unreadable answer (a proxy's error page with HTTP 200) is retried by the workflow, not fatal.
    { name: '3 HTML pages with HTTP 200 instead of JSON', fault: { kind: 'malformed' }, times: 3 },
    {
      name: '3 truncated JSON answers',
      fault: { kind: 'reply', httpStatus: 200, body: '{"success":true,"data":{"id":' },
      times: 3,
    },
    {
      name: 'NineData’s clock running 15 minutes ahead of ours',
      disturb: (harness) => harness.sandbox.setServerSkew(15 * 60_000),
    },
    {
      name: 'NineData’s clock running 15 minutes behind ours',
      disturb: (harness) => harness.sandbox.setServerSkew(-15 * 60_000),
    },
    { name: 'NineData’s usual type drift (ids as numbers, counts as strings on alternate answers)' },
  ] satisfies Omit<FaultCase, 'outcome'>[]
).map((c) => ({ ...c, outcome: 'inconsistent' }));

const DEFINITE: FaultCase[] = [
  {
    name: 'success:false with a message of its own',
    fault: { kind: 'rejected', message: 'system busy, please retry later' },
    times: 1,
    outcome: 'unreachable',
    reason: /^NineDataRejected: .*system busy, please retry later/,
  },
  {
    name: 'HTTP 401 for our credentials',
    fault: { kind: 'authFailure' },
    outcome: 'unreachable',
    reason: /^NineDataAuthRejected: .*unauthorized/,
  },
  {
    name: 'an AccessKey NineData does not know',
    options: { pollCredentials: { accessKeyId: 'AK-revoked', secretKey: CREDENTIALS.secretKey } },
    outcome: 'unreachable',
    reason: /^NineDataAuthRejected: .*access key not found/,
  },
];

/** The run's final counts as NineData holds them, in the run view's terms. */
function finalCountsOf(harness: WorkflowHarness, execId: string) {
  const run = harness.sandbox.runState(execId);
  if (!run?.final) throw new Error(`the sandbox run ${execId} is not final`);
  return viewCountsOf(run.counts);
}

/** Starts the run's watch, then lets NineData misbehave, then runs the watch to its end. */
async function watchThrough(harness: WorkflowHarness, execId: string, c: FaultCase) {
  const started = await harness.watch(execId);
  expect(started.status).toBe(202);
  // The first poll has not reached NineData yet: the watch request's own read is left alone.
  if (c.fault) {
    harness.sandbox.injectFault(c.fault, {
      execId,
      path: NINEDATA_PATHS.run,
      ...(c.times === undefined ? {} : { times: c.times }),
    });
  }
  c.disturb?.(harness);
  await harness.settle();
}

describe('a watch through NineData faults (state machine, dynalite, sandbox)', () => {
  it.each(TRANSIENT.map((c) => [c.name, c] as const))(
    'reports the run’s own result once, with its history intact, through %s',
    async (_name, c) => {
      const harness = await harnessWith(c.options);
      const taskId = newTaskId();
      const execId = harness.sandbox.addRun({ taskId, ...SCENARIO });

      await watchThrough(harness, execId, c);

      const faulted = harness.sandbox.requests.filter((r) => r.fault !== null);
      expect(faulted).toHaveLength(c.times ?? 0);
      // At least two answers in full: the sandbox drifts counts to strings on every other one.
      const answered = harness.sandbox.requests.filter((r) => r.path === NINEDATA_PATHS.run && !r.fault);
      expect(answered.length).toBeGreaterThanOrEqual(3);
      const bodies = harness.publisher.bodiesFor(execId);
      expect(bodies).toHaveLength(1);
      const expectedCounts = finalCountsOf(harness, execId);
      expect(bodies[0]).toMatchObject({
        eventId: `compare-watch:${execId}:result`,
        outcome: c.outcome,
        differences: 3,
        reason: null,
        run: { execId, taskId, status: 'success', final: true, counts: expectedCounts },
      });
      for (const count of Object.values(bodies[0].run.counts)) expect(typeof count).toBe('number');
      const stored = await harness.store.getRun(execId);
      expect(stored?.view).toMatchObject({ final: true, status: 'success', counts: expectedCounts });
      expect(stored?.watch).toMatchObject({ phase: 'done', outcome: c.outcome });
      const snapshots = await expectIntactHistory(harness, execId);
      expect(snapshots.length).toBeGreaterThanOrEqual(3);
      expect(snapshots[0]).toMatchObject({ status: 'success', final: true, counts: expectedCounts });
      expect(snapshots[0]?.observedAt).toBe(stored?.view.observedAt);
      expect(harness.workflow.executions.map((e) => e.status)).toEqual(['SUCCEEDED']);
    },
  );

  it('re-reads NineData’s clock once when it is 15 minutes off, then signs every poll in its time', async () => {
    const harness = await harnessWith();
    const execId = harness.sandbox.addRun({ taskId: newTaskId(), ...SCENARIO });

    await watchThrough(harness, execId, TRANSIENT.find((c) => c.name.includes('ahead')) as FaultCase);

    const paths = harness.sandbox.requests.map((r) => r.path);
    expect(paths.filter((p) => p === NINEDATA_PATHS.now)).toHaveLength(1);
    expect(harness.sandbox.requests.filter((r) => !r.authOk).map((r) => r.path)).toEqual([
      NINEDATA_PATHS.run,
    ]);
    expect(harness.polls.every((p) => p.error === null)).toBe(true);
  });

  it('reads drifted answers (numeric ids, padded string counts, epoch times, extra fields) as the run', async () => {
    const harness = await harnessWith();
    const taskId = newTaskId();
    const execId = harness.sandbox.addRun({ taskId, ...SCENARIO });
    await harness.watch(execId);
    harness.sandbox.injectFault(driftedRun(execId, taskId), { execId, path: NINEDATA_PATHS.run, times: 2 });

    await harness.settle();

    expect(harness.sandbox.requests.filter((r) => r.fault?.kind === 'reply')).toHaveLength(2);
    expect(harness.polls.every((p) => p.error === null)).toBe(true);
    const drifted = harness.store.observations.find((o) => o.view.counts.sourceCompared === 1)?.view;
    expect(drifted).toMatchObject({
      taskId,
      status: 'running',
      createdAt: '2026-05-08T08:00:00.000Z',
      counts: { tables: 4, skippedTables: 0, sourceRows: 10_000, targetRows: 10_000, onlySource: null },
    });
    expect(harness.publisher.bodiesFor(execId).map((b) => b.outcome)).toEqual(['inconsistent']);
    await expectIntactHistory(harness, execId);
  });

  it.each(DEFINITE.map((c) => [c.name, c] as const))(
    'ends the watch as unreachable, once, with the reason, on %s',
    async (_name, c) => {
      const harness = await harnessWith(c.options);
      const execId = harness.sandbox.addRun({ taskId: newTaskId(), ...SCENARIO });

      await watchThrough(harness, execId, c);

      const bodies = harness.publisher.bodiesFor(execId);
      expect(bodies).toHaveLength(1);
      expect(bodies[0]).toMatchObject({
        eventId: `compare-watch:${execId}:watch-1:unreachable`,
        outcome: c.outcome,
        run: { execId, final: false },
      });
      expect(bodies[0].reason).toMatch(c.reason as RegExp);
      expect(bodies[0].reason).not.toMatch(/\n\s+at /);
      // A definite answer is not retried: the watch ends on the first poll.
      expect(harness.polls).toHaveLength(1);
      expect(harness.polls[0]?.output).toBeNull();
      const stored = await harness.store.getRun(execId);
      expect(stored?.watch).toMatchObject({ phase: 'done', outcome: 'unreachable' });
      const snapshots = await expectIntactHistory(harness, execId);
      expect(snapshots[0]?.observedAt).toBe(stored?.view.observedAt);
      expect(harness.workflow.executions.map((e) => e.status)).toEqual(['SUCCEEDED']);
    },
  );
});
