import { describe, expect, it } from 'vitest';
import { newTaskId } from '../support/lookup-harness';
import { useWorkflowHarness, type WorkflowHarness } from '../support/workflow-harness';

const harnessWith = useWorkflowHarness();

async function snapshotsOf(harness: WorkflowHarness, execId: string) {
  const page = await harness.store.listSnapshots(execId, { limit: 100 });
  return page.snapshots;
}

/** Starts a watch through the API and runs it to its end. */
async function watchToEnd(harness: WorkflowHarness, execId: string) {
  const started = await harness.watch(execId);
  expect(started.status).toBe(202);
  await harness.settle();
  return harness.publisher.bodiesFor(execId);
}

describe('the watch workflow (synthesized definition under aws-local-stepfunctions)', () => {
  it('ends a consistent run with one message, its snapshots and a handful of polls', async () => {
    const harness = await harnessWith();
    const execId = harness.sandbox.addRun({ taskId: newTaskId(), durationSeconds: 900, sourceRows: 90_000 });

    const bodies = await watchToEnd(harness, execId);

    expect(bodies).toHaveLength(1);
    expect(bodies[0]).toMatchObject({
      type: 'ninedata.compare.result',
      version: 1,
      eventId: `compare-watch:${execId}:result`,
      outcome: 'consistent',
      differences: 0,
      run: { execId, status: 'success', final: true, counts: { sourceRows: 90_000, same: 90_000 } },
      previous: null,
      delta: null,
      regression: false,
    });
    expect(harness.publisher.messages[0]?.attributes).toMatchObject({
      outcome: { type: 'String', value: 'consistent' },
      status: { type: 'String', value: 'success' },
      different: { type: 'Number', value: '0' },
      regression: { type: 'String', value: 'false' },
    });
    const snapshots = await snapshotsOf(harness, execId);
    expect(snapshots[0]?.status).toBe('success');
    expect(snapshots.length).toBeGreaterThanOrEqual(3);
    // A 15-minute run: far fewer polls than a fixed 10-second interval (about 90) would make.
    expect(harness.polls.length).toBeGreaterThan(3);
    expect(harness.polls.length).toBeLessThan(40);
    // The last poll saw the run end, a change, so the stored watch counts every poll.
    expect((await harness.store.getRun(execId))?.watch).toMatchObject({
      phase: 'done',
      outcome: 'consistent',
      totalPolls: harness.polls.length,
    });
    expect(harness.workflow.executions.map((e) => e.status)).toEqual(['SUCCEEDED']);
  });

  it('reports an inconsistent run with its difference counts in body, subject and attributes', async () => {
    const harness = await harnessWith();
    const taskId = newTaskId();
    const execId = harness.sandbox.addRun({
      taskId,
      durationSeconds: 300,
      sourceRows: 5_000,
      different: 30,
      onlySource: 4,
      onlyTarget: 1,
    });

    const bodies = await watchToEnd(harness, execId);

    expect(bodies).toHaveLength(1);
    expect(bodies[0]).toMatchObject({
      outcome: 'inconsistent',
      differences: 35,
      run: { counts: { different: 30, onlySource: 4, onlyTarget: 1 } },
    });
    expect(harness.publisher.messages[0]?.subject).toBe(
      `NineData compare ${taskId} #${execId}: 35 differences`,
    );
    expect(harness.publisher.messages[0]?.attributes.different).toEqual({ type: 'Number', value: '35' });
  });

  it('reports a failed run with NineData’s error message', async () => {
    const harness = await harnessWith();
    const execId = harness.sandbox.addRun({
      taskId: newTaskId(),
      durationSeconds: 600,
      sourceRows: 1_000,
      finalStatus: 'failed',
      failAtFraction: 0.3,
      errorMessage: 'target connection lost',
    });

    const bodies = await watchToEnd(harness, execId);

    expect(bodies).toHaveLength(1);
    expect(bodies[0]).toMatchObject({
      outcome: 'failed',
      run: { status: 'failed', errorMessage: 'target connection lost' },
    });
    expect(harness.publisher.messages[0]?.attributes.outcome?.value).toBe('failed');
  });

  it('reports a stopped run', async () => {
    const harness = await harnessWith();
    const execId = harness.sandbox.addRun({
      taskId: newTaskId(),
      durationSeconds: 600,
      sourceRows: 1_000,
      finalStatus: 'stopped',
      failAtFraction: 0.6,
    });

    const bodies = await watchToEnd(harness, execId);

    expect(bodies.map((b) => b.outcome)).toEqual(['stopped']);
  });

  it('keeps watching through an unknown status and reports the run once it succeeds', async () => {
    const harness = await harnessWith();
    const execId = harness.sandbox.addRun({
      taskId: newTaskId(),
      durationSeconds: 1_200,
      sourceRows: 20_000,
      statusBlips: [{ atSeconds: 60, seconds: 400, status: 'Running' }],
    });

    const bodies = await watchToEnd(harness, execId);

    expect(bodies.map((b) => b.outcome)).toEqual(['consistent']);
    const statuses = harness.polls.map((p) => p.output?.status);
    expect(statuses).toContain('Running');
    expect(statuses.at(-1)).toBe('success');
    const snapshots = await snapshotsOf(harness, execId);
    expect(snapshots.map((s) => s.status)).toContain('Running');
  });

  it('rides out a NineData outage with retries and still reports the run', async () => {
    const harness = await harnessWith();
    const execId = harness.sandbox.addRun({ taskId: newTaskId(), durationSeconds: 600, sourceRows: 10_000 });
    await harness.watch(execId);
    // The next 10 requests fail: more than one poll's own attempts, so the state machine retries too.
    harness.sandbox.injectFault({ kind: 'status', status: 503 }, { times: 10 });

    await harness.settle();

    expect(harness.polls.filter((p) => p.error === 'NineDataUnavailable').length).toBeGreaterThanOrEqual(2);
    expect(harness.publisher.bodiesFor(execId).map((b) => b.outcome)).toEqual(['consistent']);
  });

  it('ends as unreachable, with one message, when NineData rejects the credentials', async () => {
    const harness = await harnessWith({
      pollCredentials: { accessKeyId: 'AK-test', secretKey: 'rotated-away' },
    });
    const execId = harness.sandbox.addRun({ taskId: newTaskId(), durationSeconds: 600, sourceRows: 10_000 });

    const bodies = await watchToEnd(harness, execId);

    expect(harness.polls.map((p) => p.error)).toEqual(['NineDataAuthRejected']);
    expect(bodies).toHaveLength(1);
    expect(bodies[0]).toMatchObject({ outcome: 'unreachable', run: { final: false } });
    expect(bodies[0].reason).toMatch(/^NineDataAuthRejected: /);
    expect(harness.publisher.messages[0]?.subject).toContain('NineData unreachable');
    expect((await harness.store.getRun(execId))?.watch).toMatchObject({
      phase: 'done',
      outcome: 'unreachable',
    });
  });

  it('ends as timed_out at the deadline while the run is still going', async () => {
    const harness = await harnessWith({ deadlineSeconds: 3_600 });
    const execId = harness.sandbox.addRun({
      taskId: newTaskId(),
      durationSeconds: 3 * 3_600,
      sourceRows: 10_000,
    });
    const startedAt = harness.clock.now().getTime();

    const bodies = await watchToEnd(harness, execId);

    expect(bodies).toHaveLength(1);
    expect(bodies[0]).toMatchObject({ outcome: 'timed_out', run: { status: 'running', final: false } });
    expect(bodies[0].eventId).toBe(`compare-watch:${execId}:watch-1:timed_out`);
    // The last poll lands on the deadline, not a full interval past it.
    expect(harness.clock.now().getTime() - startedAt).toBe(3_600_000);
  });

  it('hands over to successors twice on a long run, carrying the watch, and sends one message', async () => {
    const harness = await harnessWith({ historyGuardPolls: 10 });
    const execId = harness.sandbox.addRun({
      taskId: newTaskId(),
      durationSeconds: 2 * 3_600,
      sourceRows: 1_000_000,
      stalls: [{ atFraction: 0.5, seconds: 1_800 }],
    });

    const bodies = await watchToEnd(harness, execId);

    const names = harness.workflow.executions.map((e) => e.name);
    expect(names.slice(0, 3)).toEqual([`run-${execId}-w1-g0`, `run-${execId}-w1-g1`, `run-${execId}-w1-g2`]);
    expect(harness.workflow.executions.every((e) => e.status === 'SUCCEEDED')).toBe(true);
    const successor = harness.workflow.executions[1]?.input;
    expect(successor).toMatchObject({ execId, attempt: 1, generation: 1, polls: 0, totalPolls: 10 });
    expect(successor?.startedAt).toBe(harness.workflow.executions[0]?.input.startedAt);
    // The successor's first poll comes after the wait the last poll chose, not at once.
    expect(harness.workflow.executions[0]?.states.slice(-4)).toEqual([
      'Decide',
      'WaitBeforeHandOver',
      'HandOver',
      'HandedOver',
    ]);
    const handOver = harness.polls.findIndex((p) => p.input.generation === 1);
    const last = harness.polls[handOver - 1]?.output;
    const first = harness.polls[handOver]?.output;
    expect(last?.decision).toBe('continue');
    expect(Date.parse(first?.observedAt ?? '') - Date.parse(last?.observedAt ?? '')).toBe(
      (last?.waitSeconds ?? 0) * 1000,
    );
    expect(bodies).toHaveLength(1);
    expect(bodies[0].outcome).toBe('consistent');
    expect(harness.polls.length).toBeGreaterThan(20);
    expect((await harness.store.getRun(execId))?.watch?.generation).toBeGreaterThanOrEqual(2);
  });

  it('runs one execution and sends one message when the same watch is requested many times at once', async () => {
    const harness = await harnessWith();
    const execId = harness.sandbox.addRun({ taskId: newTaskId(), durationSeconds: 600, sourceRows: 10_000 });

    const answers = await Promise.all(Array.from({ length: 25 }, () => harness.watch(execId)));
    await harness.settle();
    const again = await harness.watch(execId);

    expect(answers.filter((a) => a.status === 202)).toHaveLength(1);
    expect(harness.workflow.executions).toHaveLength(1);
    expect(harness.publisher.bodiesFor(execId)).toHaveLength(1);
    expect(again).toMatchObject({
      status: 200,
      body: { request: 'finished', result: { eventId: `compare-watch:${execId}:result` } },
    });
  });

  it('starts no second watch for a request that was still asking NineData while the result went out', async () => {
    const harness = await harnessWith();
    const execId = harness.sandbox.addRun({ taskId: newTaskId(), durationSeconds: 60, sourceRows: 100 });
    harness.sandbox.injectFault({ kind: 'slow', delayMs: 1_500 }, { execId, times: 1 });
    const late = harness.watch(execId);
    while (harness.sandbox.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));

    const first = await harness.watch(execId);
    await harness.settle();
    const answer = await late;

    expect(first.status).toBe(202);
    expect(answer).toMatchObject({ status: 200, body: { request: 'finished' } });
    expect(harness.workflow.executions.map((e) => e.name)).toEqual([`run-${execId}-w1-g0`]);
    expect((await harness.store.getRun(execId))?.watch).toMatchObject({ attempt: 1, phase: 'done' });
  });

  it('flags a regression when the task’s second run finds more differences than its first', async () => {
    const harness = await harnessWith();
    const taskId = newTaskId();
    const first = harness.sandbox.addRun({ taskId, durationSeconds: 120, sourceRows: 1_000, different: 3 });
    await watchToEnd(harness, first);
    harness.clock.advance(86_400_000);
    const second = harness.sandbox.addRun({
      taskId,
      durationSeconds: 120,
      sourceRows: 1_000,
      different: 10,
      onlyTarget: 2,
    });

    const bodies = await watchToEnd(harness, second);

    expect(bodies).toHaveLength(1);
    expect(bodies[0]).toMatchObject({
      outcome: 'inconsistent',
      previous: { execId: first, differences: 3 },
      delta: { differences: 9, different: 7, onlySource: 0, onlyTarget: 2 },
      regression: true,
    });
    const message = harness.publisher.messages.find((m) => JSON.parse(m.body).run.execId === second);
    expect(message?.attributes.regression).toEqual({ type: 'String', value: 'true' });
  });

  it('publishes again with the same eventId after a failed publish, and only once it succeeded', async () => {
    const harness = await harnessWith();
    const execId = harness.sandbox.addRun({ taskId: newTaskId(), durationSeconds: 60, sourceRows: 100 });
    harness.publisher.failNext = 2;

    const bodies = await watchToEnd(harness, execId);

    expect(bodies.map((b) => b.eventId)).toEqual([`compare-watch:${execId}:result`]);
    expect((await harness.store.getRun(execId))?.notices[`compare-watch:${execId}:result`]?.state).toBe(
      'sent',
    );
  });
});
