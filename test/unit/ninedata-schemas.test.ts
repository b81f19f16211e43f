import { describe, expect, it } from 'vitest';
import type { UpstreamRun } from '../../functions/core/run-view';
import {
  parseEnvelope,
  parseExecId,
  parseJsonBody,
  parseRun,
  parseServerTime,
  parseTableSummaryPage,
  parseTask,
  toCount,
  toIsoTime,
} from '../../functions/ninedata/schemas';

// Verbatim from NINEDATA.md, "The run object".
const DOCUMENTED_RUN = `{ "id": 315337, "createTime": "2026-05-08 08:35:40Z", "updateTime": "2026-05-08 08:35:40Z",
  "taskId": "cd-tepmjmnj6o", "status": "starting", "accountId": "1708516390626159",
  "errorMessage": "", "execType": "manual", "tableCount": 0,
  "sourceTotalRows": 0, "targetTotalRows": 0, "sourceCompletedRows": 0, "targetCompletedRows": 0,
  "onlySourceRows": 0, "onlyTargetRows": 0, "differenceRows": 0, "sameRows": 0,
  "skipTableCount": 0 }`;

const UNKNOWN_RUN: UpstreamRun = {
  execId: '315337',
  taskId: null,
  status: 'running',
  createdAt: null,
  updatedAt: null,
  errorMessage: null,
  execType: null,
  tableCount: null,
  skipTableCount: null,
  sourceTotalRows: null,
  targetTotalRows: null,
  sourceCompletedRows: null,
  targetCompletedRows: null,
  sameRows: null,
  differenceRows: null,
  onlySourceRows: null,
  onlyTargetRows: null,
};

function runOf(data: unknown, execId = '315337'): UpstreamRun {
  const parsed = parseRun(data, execId);
  if (!parsed.ok) throw new Error(`expected a run, got: ${parsed.problem}`);
  return parsed.value;
}

describe('parseRun', () => {
  it('reads the documented example into an upstream run', () => {
    const run = runOf(parseJsonBody(DOCUMENTED_RUN));

    expect(run).toEqual({
      execId: '315337',
      taskId: 'cd-tepmjmnj6o',
      status: 'starting',
      createdAt: '2026-05-08T08:35:40.000Z',
      updatedAt: '2026-05-08T08:35:40.000Z',
      errorMessage: null,
      execType: 'manual',
      tableCount: 0,
      skipTableCount: 0,
      sourceTotalRows: 0,
      targetTotalRows: 0,
      sourceCompletedRows: 0,
      targetCompletedRows: 0,
      sameRows: 0,
      differenceRows: 0,
      onlySourceRows: 0,
      onlyTargetRows: 0,
    } satisfies UpstreamRun);
  });

  it.each([
    ['the documented number', { id: 315337, status: 'running' }],
    ['a numeric string', { id: '315337', status: 'running' }],
    ['no id at all (the requested one is assumed)', { status: 'running' }],
    ['a null id', { id: null, status: 'running' }],
  ])('accepts the run id as %s', (_form, data) => {
    expect(runOf(data)).toEqual(UNKNOWN_RUN);
  });

  it('reads every count from numbers or numeric strings', () => {
    const run = runOf({
      id: 315337,
      status: 'running',
      tableCount: '12',
      skipTableCount: '5',
      sourceTotalRows: 1000,
      targetTotalRows: '998',
      sourceCompletedRows: ' 500 ',
      targetCompletedRows: 499,
      sameRows: '490',
      differenceRows: 7,
      onlySourceRows: '3',
      onlyTargetRows: '0',
    });

    expect(run).toMatchObject({
      tableCount: 12,
      skipTableCount: 5,
      sourceTotalRows: 1000,
      targetTotalRows: 998,
      sourceCompletedRows: 500,
      targetCompletedRows: 499,
      sameRows: 490,
      differenceRows: 7,
      onlySourceRows: 3,
      onlyTargetRows: 0,
    });
  });

  it.each([
    ['missing', undefined],
    ['null', null],
    ['an empty string', ''],
    ['a blank string', '  '],
    ['not a number', 'many'],
    ['negative', -1],
    ['a boolean', true],
    ['an object', { value: 3 }],
  ])('reports a count that is %s as unknown (null), never 0', (_form, value) => {
    const run = runOf({ id: 315337, status: 'running', differenceRows: value, sameRows: value });

    expect(run.differenceRows).toBeNull();
    expect(run.sameRows).toBeNull();
  });

  it('returns nulls for every field NineData left out', () => {
    expect(runOf({ status: 'running' })).toEqual(UNKNOWN_RUN);
  });

  it('ignores fields it does not know', () => {
    const run = runOf({ id: 315337, status: 'running', colour: 'blue', nested: { a: 1 }, sourceDsId: 7 });

    expect(run).toEqual(UNKNOWN_RUN);
  });

  it.each(['Running', 'notStarted', 'prechecking', 'abnormal', 'stopped', 'SUCCESS'])(
    'keeps the status %s verbatim',
    (status) => {
      expect(runOf({ id: 315337, status }).status).toBe(status);
    },
  );

  it.each([
    ['2026-05-08 08:35:40Z', '2026-05-08T08:35:40.000Z'],
    ['2026-05-08T08:35:40Z', '2026-05-08T08:35:40.000Z'],
    ['2026-05-08 08:35:40', '2026-05-08T08:35:40.000Z'],
    ['2026-05-08T08:35:40', '2026-05-08T08:35:40.000Z'],
    ['2026-05-08 08:35:40.250Z', '2026-05-08T08:35:40.250Z'],
    ['2026-05-08T16:35:40+08:00', '2026-05-08T08:35:40.000Z'],
    ['yesterday', null],
    ['2026-02-30 10:00:00Z', null],
    ['2026-05-08 25:00:00Z', null],
    ['', null],
    [null, null],
  ])('reads the time %j as %j', (wire, iso) => {
    const run = runOf({ id: 315337, status: 'running', createTime: wire, updateTime: wire });

    expect(run.createdAt).toBe(iso);
    expect(run.updatedAt).toBe(iso);
  });

  it('reports an empty error message as none, and keeps a real one', () => {
    expect(runOf({ status: 'failed', errorMessage: '' }).errorMessage).toBeNull();
    expect(runOf({ status: 'failed', errorMessage: 'link failure' }).errorMessage).toBe('link failure');
  });

  it('keeps the task id when NineData sends it as a number', () => {
    expect(runOf({ status: 'running', taskId: 42 }).taskId).toBe('42');
  });

  it.each([
    ['another run id', { id: 315338, status: 'running' }, 'not run 315337'],
    ['no status', { id: 315337 }, 'no status'],
    ['an empty status', { id: 315337, status: '' }, 'no status'],
    ['a status that is not a string', { id: 315337, status: 3 }, 'no status'],
    ['no object but null', null, 'not an object'],
    ['an array', [{ id: 315337, status: 'running' }], 'not an object'],
    ['a string', 'running', 'not an object'],
  ])('refuses a run with %s', (_case, data, problem) => {
    const parsed = parseRun(data, '315337');

    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.problem).toContain(problem);
  });
});

describe('parseJsonBody', () => {
  it('keeps an id beyond 2^53 exact as a decimal string', () => {
    const body = parseJsonBody(
      '{"data":{"id": 90071992547409931234,"status":"running","sourceTotalRows":5}}',
    );

    const run = runOf((body as { data: unknown }).data, '90071992547409931234');

    expect(run.execId).toBe('90071992547409931234');
    expect(run.sourceTotalRows).toBe(5);
  });

  it('leaves a long number inside a string value alone', () => {
    const body = parseJsonBody('{"message":"see \\"id\\": 12345678901234567890 here","id":1}');

    expect(body).toEqual({ message: 'see "id": 12345678901234567890 here', id: 1 });
  });

  it('throws on a body that is not JSON', () => {
    expect(() => parseJsonBody('<html>502</html>')).toThrow(SyntaxError);
  });
});

describe('parseEnvelope', () => {
  it.each([
    [
      'a success',
      { success: true, requestId: 'Hg4d2OLN-1', data: { id: 1 } },
      { success: true, requestId: 'Hg4d2OLN-1', data: { id: 1 }, message: null },
    ],
    [
      'a failure',
      { success: false, requestId: 'r-2', message: 'task not found' },
      { success: false, requestId: 'r-2', data: undefined, message: 'task not found' },
    ],
    [
      'success as a string',
      { success: 'true', data: 5 },
      { success: true, requestId: null, data: 5, message: null },
    ],
    [
      'a numeric requestId',
      { success: true, requestId: 77 },
      { success: true, requestId: '77', message: null },
    ],
  ])('reads %s', (_case, value, expected) => {
    expect(parseEnvelope(value)).toEqual(expected);
  });

  it.each([
    ['no success flag', { requestId: 'r', data: {} }],
    ['a success flag that is not a boolean', { success: 'yes' }],
    ['an array', [true]],
    ['null', null],
    ['a number', 200],
  ])('refuses %s', (_case, value) => {
    expect(parseEnvelope(value)).toBeNull();
  });
});

describe('parseTask', () => {
  const task = {
    id: 'cd-tepmjmnj6o',
    lastExecId: 315337,
    status: 'running',
    name: 'orders',
    isDeleted: false,
    errMsg: '',
    createTime: '2026-05-08 08:30:00Z',
    type: 'DATA_COMPARE',
    sourceDsId: 'ds-1',
    targetDsId: 12,
    owner: 'someone',
  };

  it('reads the documented fields and ignores the others', () => {
    const parsed = parseTask(task, 'cd-tepmjmnj6o');

    expect(parsed).toEqual({
      ok: true,
      value: {
        taskId: 'cd-tepmjmnj6o',
        name: 'orders',
        status: 'running',
        lastExecId: '315337',
        isDeleted: false,
        errorMessage: null,
        createdAt: '2026-05-08T08:30:00.000Z',
        type: 'DATA_COMPARE',
        sourceDsId: 'ds-1',
        targetDsId: '12',
      },
    });
  });

  it.each([
    ['a string lastExecId', { lastExecId: '315337' }, { lastExecId: '315337' }],
    ['no lastExecId', { lastExecId: undefined }, { lastExecId: null }],
    ['isDeleted as 1', { isDeleted: 1 }, { isDeleted: true }],
    ['isDeleted as "false"', { isDeleted: 'false' }, { isDeleted: false }],
    ['an unusable isDeleted', { isDeleted: 'maybe' }, { isDeleted: null }],
    ['an error message', { errMsg: 'source gone' }, { errorMessage: 'source gone' }],
    ['no id (the requested one is assumed)', { id: undefined }, { taskId: 'cd-tepmjmnj6o' }],
  ])('reads a task with %s', (_case, change, expected) => {
    const parsed = parseTask({ ...task, ...change }, 'cd-tepmjmnj6o');

    expect(parsed.ok && parsed.value).toMatchObject(expected);
  });

  it('refuses a task with another id', () => {
    expect(parseTask({ ...task, id: 'cd-other' }, 'cd-tepmjmnj6o').ok).toBe(false);
  });
});

describe('parseExecId', () => {
  it.each([
    [315338, '315338'],
    ['315338', '315338'],
    [{ execId: 315338 }, '315338'],
  ])('reads the new run id from %j', (data, execId) => {
    expect(parseExecId(data)).toEqual({ ok: true, value: execId });
  });

  it.each([null, undefined, '', {}, [315338], 1.5])('refuses %j', (data) => {
    expect(parseExecId(data).ok).toBe(false);
  });
});

describe('parseTableSummaryPage', () => {
  const query = { taskId: 'cd-tepmjmnj6o', execId: '315337' };
  const page = {
    taskId: 'cd-tepmjmnj6o',
    execId: 315337,
    totalTableCount: '2',
    diffTableCount: 1,
    pageNumber: 1,
    pageSize: 30,
    tableSummaries: [
      {
        progressId: 9001,
        schemaName: 'sales',
        tableName: 'orders',
        targetSchemaName: 'sales_copy',
        targetTableName: 'orders',
        differenceRows: '4',
      },
      { progressId: '9002', schemaName: 'sales', tableName: 'customers' },
    ],
  };

  it('reads the documented page, keeping unknown table fields as extra', () => {
    const parsed = parseTableSummaryPage(page, query);

    expect(parsed).toEqual({
      ok: true,
      value: {
        taskId: 'cd-tepmjmnj6o',
        execId: '315337',
        totalTableCount: 2,
        diffTableCount: 1,
        pageNumber: 1,
        pageSize: 30,
        tables: [
          {
            progressId: '9001',
            schemaName: 'sales',
            tableName: 'orders',
            targetSchemaName: 'sales_copy',
            targetTableName: 'orders',
            extra: { differenceRows: '4' },
          },
          {
            progressId: '9002',
            schemaName: 'sales',
            tableName: 'customers',
            targetSchemaName: null,
            targetTableName: null,
            extra: {},
          },
        ],
      },
    });
  });

  it('reads a page without tables as empty', () => {
    const parsed = parseTableSummaryPage({ totalTableCount: 0 }, query);

    expect(parsed.ok && parsed.value.tables).toEqual([]);
  });

  it.each([
    ['another run', { ...page, execId: 315338 }],
    ['another task', { ...page, taskId: 'cd-other' }],
    ['tables that are not a list', { ...page, tableSummaries: { orders: {} } }],
    ['a table that is not an object', { ...page, tableSummaries: ['orders'] }],
  ])('refuses a page about %s', (_case, data) => {
    expect(parseTableSummaryPage(data, query).ok).toBe(false);
  });
});

describe('parseServerTime', () => {
  const at = Date.parse('2026-12-03T16:00:00Z');

  it.each([
    ['epoch ms as a number', at],
    ['epoch seconds as a number', at / 1000],
    ['epoch ms as a string', String(at)],
    ['epoch seconds as a string', String(at / 1000)],
    ['ISO 8601', '2026-12-03T16:00:00.000Z'],
    ['ISO 8601 with an offset', '2026-12-04T00:00:00+08:00'],
    ['yyyy-MM-dd HH:mm:ss (UTC)', '2026-12-03 16:00:00'],
  ])('reads %s', (_form, value) => {
    expect(parseServerTime(value)).toBe(at);
  });

  it.each([null, undefined, '', 'soon', {}, [at], -5, Number.NaN])('refuses %j', (value) => {
    expect(parseServerTime(value)).toBeNull();
  });
});

describe('toCount and toIsoTime', () => {
  it('reads a count with a fraction and rejects one that is not finite', () => {
    expect(toCount('12.5')).toBe(12.5);
    expect(toCount(Number.POSITIVE_INFINITY)).toBeNull();
  });

  it('reads an epoch number as a time', () => {
    expect(toIsoTime(1_778_229_340_000)).toBe('2026-05-08T08:35:40.000Z');
    expect(toIsoTime(1_778_229_340)).toBe('2026-05-08T08:35:40.000Z');
  });
});
