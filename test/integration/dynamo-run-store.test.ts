import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoRunStore, InvalidCursor, RunNotRecorded } from '../../functions/adapters/dynamo-run-store';
import type { WatchRecord } from '../../functions/core/ports';
import { normaliseRun, type RunView } from '../../functions/core/run-view';
import { ManualClock } from '../../lib/local/sandbox';
import { useDynalite } from '../support/run-table';
import { upstreamRun } from '../support/runs';

const local = useDynalite();

const T0 = Date.parse('2026-05-08T08:40:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000);

function view(seconds: number, overrides: Parameters<typeof upstreamRun>[0] = {}): RunView {
  return normaliseRun(upstreamRun(overrides), at(seconds));
}

function watchFor(attempt: number): WatchRecord {
  return {
    execId: '315337',
    attempt,
    generation: 0,
    polls: 0,
    totalPolls: 0,
    startedAt: at(0).toISOString(),
    deadline: at(86_400).toISOString(),
    phase: 'watching',
    executionName: `315337-${attempt}-0`,
    outcome: null,
    endedAt: null,
  };
}

describe('DynamoRunStore', () => {
  let store: DynamoRunStore;
  let tableName: string;
  let clock: ManualClock;

  beforeEach(async () => {
    tableName = await local.newTable();
    clock = new ManualClock(at(0));
    store = new DynamoRunStore({
      client: local.dynamo().documents,
      tableName,
      snapshotRetentionDays: 30,
      clock,
    });
  });

  async function snapshotCount(execId = '315337'): Promise<number> {
    const { Items } = await local.dynamo().documents.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :snap)',
        ExpressionAttributeValues: { ':pk': `RUN#${execId}`, ':snap': 'SNAP#' },
      }),
    );
    return Items?.length ?? 0;
  }

  describe('recordObservation', () => {
    it('creates the run item and a first snapshot', async () => {
      const result = await store.recordObservation(view(0));

      expect(result).toMatchObject({ applied: true, snapshotWritten: true });
      expect(result.record).toMatchObject({
        view: view(0),
        version: 1,
        watch: null,
        watchAttempts: 0,
        notices: {},
      });
      expect(await store.getRun('315337')).toEqual(result.record);
      expect(await snapshotCount()).toBe(1);
    });

    it('writes nothing for an unchanged observation of a watch', async () => {
      await store.recordObservation(view(0));

      const result = await store.recordObservation(view(10));

      expect(result).toMatchObject({ applied: false, snapshotWritten: false });
      expect((await store.getRun('315337'))?.view.observedAt).toBe(at(0).toISOString());
      expect(await snapshotCount()).toBe(1);
    });

    it('refreshes the observation time of an unchanged run for a lookup, without a snapshot', async () => {
      await store.recordObservation(view(0));

      const result = await store.recordObservation(view(10), { touch: true });

      expect(result).toMatchObject({ applied: true, snapshotWritten: false });
      expect(result.record.view.observedAt).toBe(at(10).toISOString());
      expect(await snapshotCount()).toBe(1);
    });

    it('writes a snapshot and moves the run on when a count changes', async () => {
      await store.recordObservation(view(0));

      const result = await store.recordObservation(view(10, { sourceCompletedRows: 500_000 }));

      expect(result).toMatchObject({ applied: true, snapshotWritten: true });
      expect(result.record.view.counts.sourceCompared).toBe(500_000);
      expect(result.record.version).toBe(2);
      expect(await snapshotCount()).toBe(2);
    });

    it('never moves a run to an older observation', async () => {
      await store.recordObservation(view(10, { sourceCompletedRows: 500_000 }));

      const result = await store.recordObservation(view(5, { sourceCompletedRows: 450_000 }));

      expect(result.applied).toBe(false);
      expect((await store.getRun('315337'))?.view.counts.sourceCompared).toBe(500_000);
    });

    it('never moves a final run back to non-final', async () => {
      await store.recordObservation(view(10, { status: 'success' }));

      const result = await store.recordObservation(view(20, { status: 'running' }), { touch: true });

      expect(result.applied).toBe(false);
      expect((await store.getRun('315337'))?.view).toMatchObject({ status: 'success', final: true });
    });

    it('takes a final view over a non-final one stamped later (that one was stale)', async () => {
      await store.recordObservation(view(10));
      // A slow lookup's running answer got a later stamp than the watch's final one, and landed first.
      await store.recordObservation(view(30, { sourceCompletedRows: 500_000 }), { touch: true });

      const result = await store.recordObservation(view(20, { status: 'success' }));

      expect(result.applied).toBe(true);
      expect((await store.getRun('315337'))?.view).toMatchObject({ status: 'success', final: true });
    });

    it('indexes the run under its task by creation time', async () => {
      await store.recordObservation(view(0));

      const { Item } = await local
        .dynamo()
        .documents.send(new GetCommand({ TableName: tableName, Key: { PK: 'RUN#315337', SK: 'RUN' } }));

      expect(Item).toMatchObject({
        GSI1PK: 'TASK#cd-tepmjmnj6o',
        GSI1SK: '2026-05-08T08:35:40.000Z#00000000000000315337',
      });
    });

    it('keeps every changed observation when lookups and a watch race on the same run', async () => {
      await store.recordObservation(view(0, { sourceCompletedRows: 0 }));
      const observations = Array.from({ length: 20 }, (_, i) =>
        view(i + 1, { sourceCompletedRows: (i + 1) * 1000, status: i === 19 ? 'success' : 'running' }),
      );

      // Shuffled so older observations often arrive after newer ones.
      const order = [7, 19, 3, 12, 0, 15, 9, 18, 1, 5, 11, 2, 17, 14, 6, 10, 4, 13, 16, 8];
      await Promise.all(
        order.map((i) => store.recordObservation(observations[i] as RunView, { touch: i % 2 === 0 })),
      );

      const record = await store.getRun('315337');
      expect(record?.view).toMatchObject({
        status: 'success',
        final: true,
        observedAt: at(20).toISOString(),
      });
      // The first observation plus the newest, final one are always kept; no older one overwrote it.
      const snapshots = await store.listSnapshots('315337', { limit: 100 });
      expect(snapshots.snapshots[0]?.observedAt).toBe(at(20).toISOString());
      expect(snapshots.snapshots.at(-1)?.observedAt).toBe(at(0).toISOString());
    });
  });

  describe('listSnapshots', () => {
    it('lists a run history newest first, a page at a time', async () => {
      for (let i = 0; i < 5; i += 1) await store.recordObservation(view(i, { sourceCompletedRows: i }));

      const first = await store.listSnapshots('315337', { limit: 2 });
      const second = await store.listSnapshots('315337', { limit: 2, cursor: first.cursor ?? '' });
      const third = await store.listSnapshots('315337', { limit: 2, cursor: second.cursor ?? '' });

      const seen = [...first.snapshots, ...second.snapshots, ...third.snapshots].map(
        (s) => s.counts.sourceCompared,
      );
      expect(seen).toEqual([4, 3, 2, 1, 0]);
      expect(
        third.cursor === null || (await store.listSnapshots('315337', { cursor: third.cursor })).snapshots,
      ).toEqual(third.cursor === null ? true : []);
    });

    it('hides snapshots past their retention even before TTL deletes them', async () => {
      await store.recordObservation(view(0));
      clock.advance(31 * 86_400_000);

      const page = await store.listSnapshots('315337');

      expect(page.snapshots).toEqual([]);
    });

    it('rejects a cursor it did not hand out', async () => {
      await expect(store.listSnapshots('315337', { cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(
        InvalidCursor,
      );
    });

    it('rejects a cursor of another run', async () => {
      for (let i = 0; i < 3; i += 1) await store.recordObservation(view(i, { sourceCompletedRows: i }));
      const page = await store.listSnapshots('315337', { limit: 1 });

      await expect(store.listSnapshots('999', { cursor: page.cursor ?? '' })).rejects.toBeInstanceOf(
        InvalidCursor,
      );
    });
  });

  describe('runs of a task', () => {
    async function recordRun(execId: string, createdAt: string, status = 'success', different = 0) {
      await store.recordObservation(
        normaliseRun(upstreamRun({ execId, createdAt, status, differenceRows: different }), at(0)),
      );
    }

    it('lists a task runs newest first', async () => {
      await recordRun('9', '2026-05-01T00:00:00.000Z');
      await recordRun('10', '2026-05-03T00:00:00.000Z');
      await recordRun('11', '2026-05-02T00:00:00.000Z');

      const page = await store.listTaskRuns('cd-tepmjmnj6o');

      expect(page.runs.map((r) => r.execId)).toEqual(['10', '11', '9']);
    });

    it('finds the newest run with a result created before this one', async () => {
      await recordRun('1', '2026-05-01T00:00:00.000Z', 'success', 5);
      await recordRun('2', '2026-05-02T00:00:00.000Z', 'failed');
      await recordRun('3', '2026-05-03T00:00:00.000Z', 'running');
      await recordRun('4', '2026-05-04T00:00:00.000Z', 'success', 7);
      const current = normaliseRun(
        upstreamRun({ execId: '4', createdAt: '2026-05-04T00:00:00.000Z', status: 'success' }),
        at(0),
      );

      const previous = await store.findPreviousRun(current);

      expect(previous?.execId).toBe('1');
    });

    it('finds no previous run for the first run of a task', async () => {
      await recordRun('1', '2026-05-01T00:00:00.000Z');
      const first = normaliseRun(upstreamRun({ execId: '1', createdAt: '2026-05-01T00:00:00.000Z' }), at(0));

      expect(await store.findPreviousRun(first)).toBeNull();
    });
  });

  describe('watches', () => {
    it('claims a watch once, however many callers race for it', async () => {
      await store.recordObservation(view(0));

      const claims = await Promise.all(
        Array.from({ length: 10 }, () => store.claimWatch('315337', watchFor)),
      );

      expect(claims.filter((c) => c !== null)).toEqual([watchFor(1)]);
      expect(await store.getRun('315337')).toMatchObject({ watch: watchFor(1), watchAttempts: 1 });
    });

    it('claims no watch once the run result was sent', async () => {
      await store.recordObservation(view(0, { status: 'success' }));
      await store.claimNotification('315337', 'result-1', 'owner-a', at(1));
      await store.markNotified('315337', 'result-1', at(2));

      const claim = await store.claimWatch('315337', watchFor, { unlessSent: 'result-1' });
      const other = await store.claimWatch('315337', watchFor, { unlessSent: 'result-2' });

      expect(claim).toBeNull();
      expect(other?.attempt).toBe(1);
    });

    it('refuses to claim the watch of a run it never recorded', async () => {
      await expect(store.claimWatch('404', watchFor)).rejects.toBeInstanceOf(RunNotRecorded);
    });

    it('numbers a new watch after the previous one ended', async () => {
      await store.recordObservation(view(0));
      await store.claimWatch('315337', watchFor);
      await store.endWatch('315337', 1, 'timed_out', at(100));

      const second = await store.claimWatch('315337', watchFor);

      expect(second?.attempt).toBe(2);
    });

    it('releases a claim so the next one gets a new attempt number', async () => {
      await store.recordObservation(view(0));
      await store.claimWatch('315337', watchFor);

      await store.releaseWatch('315337', 1);
      const next = await store.claimWatch('315337', watchFor);

      expect(next?.attempt).toBe(2);
    });

    it('keeps the observation a watch raced with', async () => {
      await store.recordObservation(view(0));

      await Promise.all([
        store.claimWatch('315337', watchFor),
        store.recordObservation(view(10, { sourceCompletedRows: 600_000 })),
      ]);

      expect(await store.getRun('315337')).toMatchObject({
        watch: { attempt: 1, phase: 'watching' },
        view: { counts: { sourceCompared: 600_000 } },
      });
    });

    it('records a successor generation, but never an older one', async () => {
      await store.recordObservation(view(0));
      await store.claimWatch('315337', watchFor);
      const state = { ...watchFor(1), generation: 2, polls: 0, totalPolls: 1000 };

      await store.recordGeneration('315337', state, '315337-1-2');
      await store.recordGeneration('315337', { ...state, generation: 1 }, '315337-1-1');

      expect((await store.getRun('315337'))?.watch).toMatchObject({
        generation: 2,
        totalPolls: 1000,
        executionName: '315337-1-2',
      });
    });

    it('ends a watch once and lists only running watches', async () => {
      await store.recordObservation(view(0));
      await store.recordObservation(view(0, { execId: '42' }));
      await store.claimWatch('315337', watchFor);
      await store.claimWatch('42', (attempt) => ({ ...watchFor(attempt), execId: '42' }));

      await store.endWatch('315337', 1, 'consistent', at(50));
      await store.endWatch('315337', 1, 'timed_out', at(60));

      expect((await store.getRun('315337'))?.watch).toMatchObject({
        phase: 'done',
        outcome: 'consistent',
        endedAt: at(50).toISOString(),
      });
      expect((await store.listWatching()).map((r) => r.view.execId)).toEqual(['42']);
    });
  });

  describe('notices', () => {
    beforeEach(async () => {
      await store.recordObservation(view(0, { status: 'success' }));
    });

    it('lets exactly one of many racing publishers publish', async () => {
      const claims = await Promise.all(
        Array.from({ length: 10 }, (_, i) => store.claimNotification('315337', 'e1', `owner-${i}`, at(1))),
      );

      expect(claims.filter((claim) => claim === 'mine')).toHaveLength(1);
      expect(claims.filter((claim) => claim === 'held')).toHaveLength(9);
    });

    it('lets the same owner retry, and nobody publish once sent', async () => {
      expect(await store.claimNotification('315337', 'e1', 'owner-a', at(1))).toBe('mine');
      expect(await store.claimNotification('315337', 'e1', 'owner-a', at(2))).toBe('mine');
      expect(await store.claimNotification('315337', 'e1', 'owner-b', at(3))).toBe('held');

      await store.markNotified('315337', 'e1', at(4));

      expect(await store.claimNotification('315337', 'e1', 'owner-a', at(5))).toBe('sent');
      expect((await store.getRun('315337'))?.notices).toEqual({
        e1: { state: 'sent', owner: 'owner-a', at: at(4).toISOString() },
      });
    });

    it('lets another owner take over a claim whose holder died', async () => {
      await store.claimNotification('315337', 'e1', 'owner-a', at(0));

      expect(await store.claimNotification('315337', 'e1', 'owner-b', at(16 * 60))).toBe('mine');
    });

    it('keeps notices of different events apart', async () => {
      await store.claimNotification('315337', 'timed-out', 'owner-a', at(0));
      await store.markNotified('315337', 'timed-out', at(1));

      expect(await store.claimNotification('315337', 'final', 'owner-b', at(2))).toBe('mine');
    });
  });
});
