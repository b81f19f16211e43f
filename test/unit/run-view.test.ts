import { describe, expect, it } from 'vitest';
import {
  differencesOf,
  etaSeconds,
  isFinalStatus,
  normaliseRun,
  outcomeOf,
  progressPercent,
  type RunCounts,
  type RunView,
  viewsDiffer,
} from '../../functions/core/run-view';
import { upstreamRun } from '../support/runs';

const zeroCounts: RunCounts = {
  tables: 1,
  skippedTables: 0,
  sourceRows: 10,
  targetRows: 10,
  sourceCompared: 10,
  targetCompared: 10,
  same: 10,
  different: 0,
  onlySource: 0,
  onlyTarget: 0,
};

describe('isFinalStatus', () => {
  it.each([
    ['success', true],
    ['failed', true],
    ['stopped', true],
    ['starting', false],
    ['running', false],
    ['Running', false],
    ['Success', false],
    ['notStarted', false],
    ['abnormal', false],
    ['', false],
  ])('treats %j as final: %s', (status, expected) => {
    expect(isFinalStatus(status)).toBe(expected);
  });
});

describe('outcomeOf', () => {
  it.each<[string, Partial<RunCounts>, ReturnType<typeof outcomeOf>]>([
    ['success', {}, 'consistent'],
    ['success', { different: 1 }, 'inconsistent'],
    ['success', { onlySource: 1 }, 'inconsistent'],
    ['success', { onlyTarget: 7 }, 'inconsistent'],
    ['success', { different: null, onlySource: null, onlyTarget: null }, 'consistent'],
    ['success', { different: null, onlySource: 4, onlyTarget: null }, 'inconsistent'],
    ['failed', { different: 9 }, 'failed'],
    ['stopped', {}, 'stopped'],
    ['running', { different: 9 }, null],
    ['starting', {}, null],
    ['Running', {}, null],
    ['mystery', {}, null],
  ])('gives %s with %j the outcome %s', (status, counts, expected) => {
    expect(outcomeOf(status, { ...zeroCounts, ...counts })).toBe(expected);
  });
});

describe('differencesOf', () => {
  it.each<[Partial<RunCounts>, number | null]>([
    [{}, 0],
    [{ different: 3, onlySource: 2, onlyTarget: 1 }, 6],
    [{ different: null, onlySource: 2, onlyTarget: null }, 2],
    [{ different: null, onlySource: null, onlyTarget: null }, null],
  ])('sums %j to %s', (counts, expected) => {
    expect(differencesOf({ ...zeroCounts, ...counts })).toBe(expected);
  });
});

describe('progressPercent', () => {
  it.each<[string, Partial<RunCounts>, number | null]>([
    ['running', { sourceRows: 1000, targetRows: 1000, sourceCompared: 420, targetCompared: 419 }, 42],
    ['running', { sourceRows: 3, targetRows: 0, sourceCompared: 1, targetCompared: 0 }, 33.3],
    ['running', { sourceRows: 0, targetRows: 0, sourceCompared: 0, targetCompared: 0 }, null],
    ['running', { sourceRows: null }, null],
    ['running', { targetCompared: null }, null],
    ['running', { sourceRows: 10, targetRows: 10, sourceCompared: 15, targetCompared: 10 }, 100],
    ['starting', { sourceRows: 10, targetRows: 10, sourceCompared: 0, targetCompared: 0 }, 0],
    ['success', { sourceRows: null }, 100],
    ['failed', { sourceRows: 10, targetRows: 10, sourceCompared: 5, targetCompared: 5 }, 50],
  ])('for %s with %j is %s', (status, counts, expected) => {
    expect(progressPercent(status, { ...zeroCounts, ...counts })).toBe(expected);
  });
});

describe('etaSeconds', () => {
  const t0 = Date.parse('2026-05-08T08:40:00Z');
  it.each([
    [
      'steady rate',
      { atMs: t0, compared: 100, total: 1000 },
      { atMs: t0 + 10_000, compared: 200, total: 1000 },
      80,
    ],
    ['no earlier sample', null, { atMs: t0, compared: 200, total: 1000 }, null],
    [
      'no progress between',
      { atMs: t0, compared: 200, total: 1000 },
      { atMs: t0 + 10_000, compared: 200, total: 1000 },
      null,
    ],
    [
      'time did not advance',
      { atMs: t0, compared: 100, total: 1000 },
      { atMs: t0, compared: 200, total: 1000 },
      null,
    ],
    [
      'total changed',
      { atMs: t0, compared: 100, total: 900 },
      { atMs: t0 + 10_000, compared: 200, total: 1000 },
      null,
    ],
    [
      'already done',
      { atMs: t0, compared: 900, total: 1000 },
      { atMs: t0 + 10_000, compared: 1000, total: 1000 },
      0,
    ],
  ])('with %s is %s', (_label, earlier, later, expected) => {
    expect(etaSeconds(earlier, later)).toBe(expected);
  });
});

describe('normaliseRun', () => {
  const observedAt = new Date('2026-05-08T08:41:05.000Z');

  it('builds the view of DESIGN.md from a running run', () => {
    const view = normaliseRun(upstreamRun(), observedAt);

    expect(view).toEqual({
      execId: '315337',
      taskId: 'cd-tepmjmnj6o',
      status: 'running',
      final: false,
      outcome: null,
      counts: {
        tables: 12,
        skippedTables: 0,
        sourceRows: 1_000_000,
        targetRows: 1_000_000,
        sourceCompared: 420_000,
        targetCompared: 419_000,
        same: 419_000,
        different: 3,
        onlySource: 2,
        onlyTarget: 0,
      },
      progress: { percent: 42, etaSeconds: null },
      errorMessage: null,
      execType: 'manual',
      createdAt: '2026-05-08T08:35:40.000Z',
      updatedAt: '2026-05-08T08:41:02.000Z',
      observedAt: '2026-05-08T08:41:05.000Z',
    } satisfies RunView);
  });

  it('keeps missing counts as null, never 0', () => {
    const view = normaliseRun(upstreamRun({ differenceRows: null, sourceTotalRows: null }), observedAt);

    expect(view.counts.different).toBeNull();
    expect(view.counts.sourceRows).toBeNull();
    expect(view.progress.percent).toBeNull();
  });

  it('keeps an unknown status verbatim and non-final', () => {
    const view = normaliseRun(upstreamRun({ status: 'prechecking' }), observedAt);

    expect(view.status).toBe('prechecking');
    expect(view.final).toBe(false);
    expect(view.outcome).toBeNull();
  });

  it('measures the ETA against the previous view of the same run', () => {
    const previous = normaliseRun(
      upstreamRun({ sourceCompletedRows: 400_000, targetCompletedRows: 400_000 }),
      observedAt,
    );
    const later = new Date(observedAt.getTime() + 10_000);

    const view = normaliseRun(
      upstreamRun({ sourceCompletedRows: 410_000, targetCompletedRows: 410_000 }),
      later,
      previous,
    );

    // 20,000 rows in 10 s; 1,180,000 rows left.
    expect(view.progress.etaSeconds).toBe(590);
  });

  it('ignores a previous view of another run for the ETA', () => {
    const previous = normaliseRun(
      upstreamRun({ execId: '1', sourceCompletedRows: 0, targetCompletedRows: 0 }),
      observedAt,
    );

    const view = normaliseRun(upstreamRun(), new Date(observedAt.getTime() + 10_000), previous);

    expect(view.progress.etaSeconds).toBeNull();
  });

  it('ends a successful run at 100 percent with no ETA and its outcome', () => {
    const previous = normaliseRun(upstreamRun(), observedAt);

    const view = normaliseRun(
      upstreamRun({ status: 'success' }),
      new Date(observedAt.getTime() + 5000),
      previous,
    );

    expect(view).toMatchObject({
      final: true,
      outcome: 'inconsistent',
      progress: { percent: 100, etaSeconds: null },
    });
  });
});

describe('viewsDiffer', () => {
  const observedAt = new Date('2026-05-08T08:41:05.000Z');
  const base = normaliseRun(upstreamRun(), observedAt);

  it('sees a change when there was no earlier view', () => {
    expect(viewsDiffer(null, base)).toBe(true);
  });

  it('ignores a new observation time, ETA and update time alone', () => {
    const later = {
      ...base,
      observedAt: '2026-05-08T09:00:00.000Z',
      updatedAt: '2026-05-08T09:00:00.000Z',
      progress: { percent: 42, etaSeconds: 12 },
    };
    expect(viewsDiffer(base, later)).toBe(false);
  });

  it('sees a status change', () => {
    expect(viewsDiffer(base, { ...base, status: 'success' })).toBe(true);
  });

  it.each(Object.keys(base.counts) as (keyof RunCounts)[])('sees a change of %s', (key) => {
    const changed = { ...base, counts: { ...base.counts, [key]: (base.counts[key] ?? 0) + 1 } };
    expect(viewsDiffer(base, changed)).toBe(true);
  });

  it('sees a count becoming unknown', () => {
    expect(viewsDiffer(base, { ...base, counts: { ...base.counts, same: null } })).toBe(true);
  });
});
