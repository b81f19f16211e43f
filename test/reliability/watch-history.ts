/**
 * What the reliability tests check about a watched run's history in the store: snapshots newest
 * first, one per moment, and one for every change the store accepted — no more, no fewer.
 */
import { expect } from 'vitest';
import { type RunCounts, type RunView, viewsDiffer } from '../../functions/core/run-view';
import type { RunCounts as UpstreamCounts } from '../../lib/local/sandbox';
import type { WorkflowHarness } from '../support/workflow-harness';

/**
 * The moments a snapshot must exist for, from the observations offered to the store in the order
 * they were offered: an observation counts when it is newer than the one standing (and no step
 * back from final) and differs from it in status or a count.
 */
export function expectedSnapshotTimes(views: readonly RunView[]): string[] {
  const times: string[] = [];
  let standing: RunView | null = null;
  for (const view of views) {
    if (standing && !(view.observedAt > standing.observedAt && (view.final || !standing.final))) continue;
    if (viewsDiffer(standing, view)) times.push(view.observedAt);
    standing = view;
  }
  return times;
}

/** Asserts the run's snapshots are intact and returns them, newest first. */
export async function expectIntactHistory(harness: WorkflowHarness, execId: string): Promise<RunView[]> {
  const { snapshots, cursor } = await harness.store.listSnapshots(execId, { limit: 100 });
  const times = snapshots.map((s) => s.observedAt);
  expect(cursor).toBeNull();
  expect(times).toEqual([...new Set(times)].sort().reverse());
  const offered = harness.store.observations.filter((o) => o.view.execId === execId).map((o) => o.view);
  expect([...times].reverse()).toEqual(expectedSnapshotTimes(offered));
  return snapshots;
}

/** The counts of the run view that NineData's final counts should become. */
export function viewCountsOf(counts: UpstreamCounts): RunCounts {
  return {
    tables: counts.tableCount,
    skippedTables: counts.skipTableCount,
    sourceRows: counts.sourceTotalRows,
    targetRows: counts.targetTotalRows,
    sourceCompared: counts.sourceCompletedRows,
    targetCompared: counts.targetCompletedRows,
    same: counts.sameRows,
    different: counts.differenceRows,
    onlySource: counts.onlySourceRows,
    onlyTarget: counts.onlyTargetRows,
  };
}
