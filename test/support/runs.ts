/** Builders for upstream runs and views, so tests state only what matters to them. */
import type { UpstreamRun } from '../../functions/core/run-view';

export function upstreamRun(overrides: Partial<UpstreamRun> = {}): UpstreamRun {
  return {
    execId: '315337',
    taskId: 'cd-tepmjmnj6o',
    status: 'running',
    createdAt: '2026-05-08T08:35:40.000Z',
    updatedAt: '2026-05-08T08:41:02.000Z',
    errorMessage: null,
    execType: 'manual',
    tableCount: 12,
    skipTableCount: 0,
    sourceTotalRows: 1_000_000,
    targetTotalRows: 1_000_000,
    sourceCompletedRows: 420_000,
    targetCompletedRows: 419_000,
    sameRows: 419_000,
    differenceRows: 3,
    onlySourceRows: 2,
    onlyTargetRows: 0,
    ...overrides,
  };
}
