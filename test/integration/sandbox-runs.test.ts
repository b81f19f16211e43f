import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  FAILURE_MESSAGES,
  ManualClock,
  type RunScenario,
  type Sandbox,
  seedDemo,
  startSandbox,
} from '../../lib/local/sandbox';
import { callSandbox, SANDBOX_CREDENTIALS, sandboxData } from '../support/sandbox-http';

const START = new Date('2026-05-08T08:00:00Z');
const PATHS = {
  run: '/openapi/v1/comparedata/queryTaskExecInfo',
  task: '/openapi/v1/comparedata/queryTaskById',
  execute: '/openapi/v1/comparedata/execute',
  stop: '/openapi/v1/comparedata/stop',
  tables: '/openapi/v1/comparedata/result/tableSummary',
};

type Wire = Record<string, unknown>;

describe('the sandbox', () => {
  const clock = new ManualClock(START);
  let sandbox: Sandbox;
  let taskSeq = 0;

  beforeAll(async () => {
    sandbox = await startSandbox({ credentials: SANDBOX_CREDENTIALS, clock });
  });

  beforeEach(() => {
    clock.set(START);
  });

  afterAll(async () => {
    await sandbox.close();
  });

  /** A run on a task of its own, starting now. */
  function addRun(scenario: Omit<RunScenario, 'taskId'>): { execId: string; taskId: string } {
    taskSeq += 1;
    const taskId = `cd-run${taskSeq}`;
    return { execId: sandbox.addRun({ taskId, ...scenario }), taskId };
  }

  const at = (seconds: number): void => clock.set(new Date(START.getTime() + seconds * 1000));
  const getRun = async (execId: string) =>
    (await sandboxData(sandbox, { path: PATHS.run, query: { execId }, at: clock.now() })) as Wire;
  const refusal = async (call: Parameters<typeof callSandbox>[1]) => {
    const answer = await callSandbox(sandbox, call);
    return { status: answer.status, ...(answer.json as { success: boolean; message?: string }) };
  };
  /** Counts whatever their wire form (numbers or numeric strings). */
  const counts = (run: Wire, keys: string[]) =>
    Object.fromEntries(keys.map((key) => [key, Number(run[key])]));

  const scenario = {
    startingSeconds: 5,
    durationSeconds: 100,
    tables: 5,
    skippedTables: 1,
    sourceRows: 1000,
    different: 40,
    onlySource: 10,
    onlyTarget: 6,
  };

  describe('run progression on the sandbox clock', () => {
    it('reports a new run as starting with zero counts and no updateTime', async () => {
      const { execId, taskId } = addRun(scenario);

      const run = await getRun(execId);

      expect(run).toMatchObject({
        id: Number(execId),
        taskId,
        status: 'starting',
        createTime: '2026-05-08 08:00:00Z',
        execType: 'manual',
      });
      expect(run).not.toHaveProperty('updateTime');
      expect(counts(run, ['sourceTotalRows', 'sourceCompletedRows', 'differenceRows'])).toEqual({
        sourceTotalRows: 0,
        sourceCompletedRows: 0,
        differenceRows: 0,
      });
    });

    it('grows the counts in proportion to progress while running, without an errorMessage', async () => {
      const { execId } = addRun(scenario);
      at(5 + 50);

      const run = await getRun(execId);

      expect(run.status).toBe('running');
      expect(run.updateTime).toBe('2026-05-08 08:00:55Z');
      expect(run).not.toHaveProperty('errorMessage');
      expect(
        counts(run, [
          'tableCount',
          'skipTableCount',
          'sourceTotalRows',
          'targetTotalRows',
          'sourceCompletedRows',
          'targetCompletedRows',
          'sameRows',
          'differenceRows',
          'onlySourceRows',
          'onlyTargetRows',
        ]),
      ).toEqual({
        tableCount: 5,
        skipTableCount: 1,
        sourceTotalRows: 1000,
        targetTotalRows: 1000,
        sourceCompletedRows: 500,
        targetCompletedRows: 500,
        sameRows: 475,
        differenceRows: 20,
        onlySourceRows: 5,
        onlyTargetRows: 3,
      });
    });

    it('ends with the final counts, status success and the end as updateTime', async () => {
      const { execId } = addRun(scenario);
      at(5 + 100 + 3600);

      const run = await getRun(execId);

      expect(run).toMatchObject({ status: 'success', updateTime: '2026-05-08 08:01:45Z', errorMessage: '' });
      expect(
        counts(run, [
          'sourceCompletedRows',
          'sameRows',
          'differenceRows',
          'onlySourceRows',
          'onlyTargetRows',
        ]),
      ).toEqual({
        sourceCompletedRows: 1000,
        sameRows: 950,
        differenceRows: 40,
        onlySourceRows: 10,
        onlyTargetRows: 6,
      });
    });

    it('sends skipTableCount as a string, and every other count as a string on alternate answers', async () => {
      const { execId } = addRun(scenario);
      at(60);

      const first = await getRun(execId);
      const second = await getRun(execId);

      expect(first.skipTableCount).toBe('1');
      expect(second.skipTableCount).toBe('1');
      expect(typeof first.tableCount).not.toBe(typeof second.tableCount);
      expect(Number(first.tableCount)).toBe(Number(second.tableCount));
      expect(typeof first.sourceTotalRows).toBe(typeof second.sourceTotalRows);
      expect([typeof first.id, typeof second.id]).toEqual(['number', 'number']);
    });

    it.each([
      ['failed', 'disk full'],
      ['stopped', null],
    ] as const)('ends a %s run where its progress stops', async (finalStatus, errorMessage) => {
      const { execId } = addRun({
        ...scenario,
        finalStatus,
        failAtFraction: 0.25,
        ...(errorMessage === null ? {} : { errorMessage }),
      });
      at(5 + 24);
      const before = await getRun(execId);
      at(5 + 25);

      const after = await getRun(execId);

      expect(before.status).toBe('running');
      expect(after).toMatchObject({ status: finalStatus, errorMessage: errorMessage ?? '' });
      expect(Number(after.sourceCompletedRows)).toBe(250);
    });

    it('moves bursty progress in quarter steps', async () => {
      const { execId } = addRun({ ...scenario, progress: 'bursty' });

      const seen: number[] = [];
      for (const seconds of [5 + 24, 5 + 30, 5 + 49, 5 + 50]) {
        at(seconds);
        seen.push(Number((await getRun(execId)).sourceCompletedRows));
      }

      expect(seen).toEqual([0, 250, 250, 500]);
    });

    it('makes no progress during a stall and finishes that much later', async () => {
      const { execId } = addRun({ ...scenario, stalls: [{ atFraction: 0.5, seconds: 60 }] });

      const seen: [number, unknown][] = [];
      for (const seconds of [5 + 50, 5 + 80, 5 + 110, 5 + 130, 5 + 159, 5 + 160]) {
        at(seconds);
        const run = await getRun(execId);
        seen.push([Number(run.sourceCompletedRows), run.status]);
      }

      expect(seen).toEqual([
        [500, 'running'],
        [500, 'running'],
        [500, 'running'],
        [700, 'running'],
        [990, 'running'],
        [1000, 'success'],
      ]);
    });

    it('reports a status blip verbatim for its duration only', async () => {
      const { execId } = addRun({
        ...scenario,
        statusBlips: [{ atSeconds: 20, seconds: 10, status: 'Running' }],
      });

      const statuses: unknown[] = [];
      for (const seconds of [19, 20, 29, 30]) {
        at(seconds);
        statuses.push((await getRun(execId)).status);
      }

      expect(statuses).toEqual(['running', 'Running', 'Running', 'running']);
    });

    it('rejects a scenario with more differing rows than rows', () => {
      expect(() => addRun({ durationSeconds: 10, sourceRows: 5, different: 6 })).toThrow(RangeError);
    });
  });

  describe('tasks, execute and stop', () => {
    it('starts a run from the task template and answers its execId as a number', async () => {
      sandbox.addTask({
        taskId: 'cd-exec1',
        name: 'orders',
        template: { durationSeconds: 10, sourceRows: 50 },
      });

      const execId = await sandboxData(sandbox, {
        path: PATHS.execute,
        body: {
          taskId: 'cd-exec1',
          compareOption: { enabled: true, parallel: 4, stringTrimStrategy: 'Trim' },
        },
        at: clock.now(),
      });

      expect(typeof execId).toBe('number');
      expect(sandbox.runState(String(execId))).toMatchObject({ taskId: 'cd-exec1', status: 'starting' });
      expect(sandbox.run(String(execId))?.compareOption).toEqual({
        enabled: true,
        parallel: 4,
        stringTrimStrategy: 'Trim',
      });
      expect(sandbox.task('cd-exec1')?.lastExecId).toBe(String(execId));
    });

    it('refuses to start a second run while one is going, and allows it once that one ended', async () => {
      sandbox.addTask({
        taskId: 'cd-exec2',
        template: { startingSeconds: 0, durationSeconds: 10, sourceRows: 50 },
      });
      await sandboxData(sandbox, { path: PATHS.execute, body: { taskId: 'cd-exec2' }, at: clock.now() });

      const whileGoing = await refusal({
        path: PATHS.execute,
        body: { taskId: 'cd-exec2' },
        at: clock.now(),
      });
      at(10);
      const afterwards = await refusal({
        path: PATHS.execute,
        body: { taskId: 'cd-exec2' },
        at: clock.now(),
      });

      expect(whileGoing).toMatchObject({
        status: 200,
        success: false,
        message: FAILURE_MESSAGES.taskStatusInvalid,
      });
      expect(afterwards).toMatchObject({ success: true });
      expect(sandbox.task('cd-exec2')?.execIds).toHaveLength(2);
    });

    it('refuses a compareOption outside the documented shape', async () => {
      sandbox.addTask({ taskId: 'cd-exec3' });

      const answer = await refusal({
        path: PATHS.execute,
        body: { taskId: 'cd-exec3', compareOption: { stringTrimStrategy: 'Squash' } },
        at: clock.now(),
      });

      expect(answer).toMatchObject({ success: false, message: 'compareOption invalid' });
      expect(sandbox.task('cd-exec3')?.execIds).toEqual([]);
    });

    it('stops the running run of a task, freezing its counts', async () => {
      const { execId, taskId } = addRun(scenario);
      at(5 + 30);

      await sandboxData(sandbox, { path: PATHS.stop, body: { taskId }, at: clock.now() });
      at(5 + 90);
      const run = await getRun(execId);
      const again = await refusal({ path: PATHS.stop, body: { taskId }, at: clock.now() });

      expect(run.status).toBe('stopped');
      expect(Number(run.sourceCompletedRows)).toBe(300);
      expect(run.updateTime).toBe('2026-05-08 08:00:35Z');
      expect(again).toMatchObject({ success: false, message: FAILURE_MESSAGES.taskStatusInvalid });
    });

    it('describes a task with its last run as a number and a status', async () => {
      const { execId, taskId } = addRun(scenario);
      at(30);

      const task = (await sandboxData(sandbox, {
        path: PATHS.task,
        query: { taskId },
        at: clock.now(),
      })) as Wire;

      expect(task).toMatchObject({
        id: taskId,
        lastExecId: Number(execId),
        status: 'running',
        isDeleted: false,
        createTime: '2026-05-08 08:00:00Z',
      });
    });

    it.each([
      ['an unknown run', { path: PATHS.run, query: { execId: '999' } }, FAILURE_MESSAGES.execNotFound],
      ['an unknown task', { path: PATHS.task, query: { taskId: 'cd-none' } }, FAILURE_MESSAGES.taskNotFound],
      [
        'execute of an unknown task',
        { path: PATHS.execute, body: { taskId: 'cd-none' } },
        FAILURE_MESSAGES.taskNotFound,
      ],
      [
        'stop of an unknown task',
        { path: PATHS.stop, body: { taskId: 'cd-none' } },
        FAILURE_MESSAGES.taskNotFound,
      ],
      ['a run without execId', { path: PATHS.run }, 'execId is required'],
    ])('answers %s with success false', async (_case, call, message) => {
      const answer = await refusal({ ...call, at: clock.now() });

      expect(answer).toMatchObject({ status: 200, success: false, message });
    });

    it('answers an unknown path with 404 and a wrong method with 405, not the envelope', async () => {
      const unknown = await callSandbox(sandbox, {
        path: '/openapi/v1/comparedata/nothing',
        at: clock.now(),
      });
      const wrongMethod = await callSandbox(sandbox, {
        method: 'POST',
        path: PATHS.run,
        body: {},
        at: clock.now(),
      });

      expect(unknown.status).toBe(404);
      expect(unknown.json).not.toHaveProperty('success');
      expect(wrongMethod.status).toBe(405);
    });
  });

  describe('the table summary', () => {
    const wide = {
      ...scenario,
      tables: 45,
      skippedTables: 5,
      sourceRows: 90_000,
      different: 400,
      onlySource: 30,
    };
    const page = async (query: Record<string, string>) =>
      (await sandboxData(sandbox, { path: PATHS.tables, query, at: clock.now() })) as Wire & {
        tableSummaries: Wire[];
      };

    it('pages 30 tables by default and up to 100 on request', async () => {
      const { execId, taskId } = addRun(wide);

      const first = await page({ taskId, execId });
      const second = await page({ taskId, execId, pageNumber: '2' });
      const all = await page({ taskId, execId, pageSize: '100' });

      expect(first).toMatchObject({
        taskId,
        execId: Number(execId),
        totalTableCount: 45,
        pageNumber: 1,
        pageSize: 30,
      });
      expect(first.tableSummaries).toHaveLength(30);
      expect(second.tableSummaries).toHaveLength(15);
      expect(all.tableSummaries).toHaveLength(45);
      expect(first.tableSummaries[0]).toMatchObject({
        progressId: expect.any(Number),
        schemaName: 'sales',
        tableName: 'customers',
        targetSchemaName: 'sales',
        targetTableName: 'customers',
      });
    });

    it('spreads the final run counts over the tables so that they add up', async () => {
      const { execId, taskId } = addRun(wide);
      at(3600);

      const { tableSummaries, diffTableCount } = await page({ taskId, execId, pageSize: '100' });
      const sum = (key: string) => tableSummaries.reduce((total, row) => total + Number(row[key]), 0);

      expect([
        sum('sourceTotalRows'),
        sum('differenceRows'),
        sum('onlySourceRows'),
        sum('onlyTargetRows'),
      ]).toEqual([90_000, 400, 30, 6]);
      expect(diffTableCount).toBe(14);
      expect(tableSummaries.filter((row) => row.status === 'skipped')).toHaveLength(5);
    });

    it('filters by schema and by table name pattern', async () => {
      const { execId, taskId } = addRun(wide);

      const orders = await page({ taskId, execId, tableNameLike: 'order' });
      const prefixed = await page({ taskId, execId, tableNameLike: 'order%' });
      const otherSchema = await page({ taskId, execId, schemaName: 'hr' });

      expect(orders.tableSummaries.map((row) => row.tableName)).toEqual(['orders', 'order_items']);
      expect(prefixed.totalTableCount).toBe(2);
      expect(otherSchema).toMatchObject({ totalTableCount: 0, tableSummaries: [] });
    });

    it.each([
      ['a page size over 100', { pageSize: '101' }, 'pageSize must be 1–100'],
      ['a page number of 0', { pageNumber: '0' }, 'pageNumber must be a positive integer'],
    ])('refuses %s', async (_case, change, message) => {
      const { execId, taskId } = addRun(wide);

      const answer = await refusal({
        path: PATHS.tables,
        query: { taskId, execId, ...change },
        at: clock.now(),
      });

      expect(answer).toMatchObject({ success: false, message });
    });

    it('does not find a run under another task', async () => {
      const { execId } = addRun(wide);
      const other = addRun(wide);

      const answer = await refusal({
        path: PATHS.tables,
        query: { taskId: other.taskId, execId },
        at: clock.now(),
      });

      expect(answer).toMatchObject({ success: false, message: FAILURE_MESSAGES.execNotFound });
    });
  });

  describe('seedDemo', () => {
    it('adds the demo runs in their expected shapes, and an idle task ready to execute', async () => {
      const demo = await startSandbox({ credentials: SANDBOX_CREDENTIALS, clock });
      try {
        const runs = seedDemo(demo);
        at(2 * 3600);

        const states = [runs.consistent, runs.withDifferences, runs.failing, runs.longRunning].map(
          (run) => demo.runState(run.execId)?.status,
        );
        const started = await sandboxData(demo, {
          path: PATHS.execute,
          body: { taskId: runs.idleTaskId },
          at: clock.now(),
        });

        expect(states).toEqual(['success', 'success', 'failed', 'running']);
        expect(demo.runState(runs.withDifferences.execId)?.counts.differenceRows).toBeGreaterThan(0);
        expect(runs.taskIds).toHaveLength(5);
        expect(demo.task(runs.idleTaskId)?.lastExecId).toBe(String(started));
      } finally {
        await demo.close();
      }
    });
  });
});
