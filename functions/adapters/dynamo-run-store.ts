/**
 * The run store on DynamoDB: one table, single-item conditional writes only (no transactions).
 *
 * Invariants every write keeps, whatever the interleaving of a lookup and a watch:
 * - a run item never goes from final back to non-final; a final view replaces a non-final one
 *   whatever their times (a final run stays final, so the other view is stale); otherwise a run
 *   item never moves to an older `observedAt`;
 * - observation writes touch only the view attributes, watch writes only `watch`, notice writes
 *   only `notices.<eventId>`, so writers of different parts never overwrite each other;
 * - a snapshot is written before the run item, so a crash in between loses no history.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type {
  Clock,
  NoticeClaim,
  NoticeRecord,
  RecordResult,
  RunPage,
  RunRecord,
  RunStore,
  SnapshotPage,
  WatchRecord,
  WatchState,
} from '../core/ports';
import { type RunView, viewsDiffer, type WatchOutcome } from '../core/run-view';
import { RUN_TABLE, runKey, snapshotSortKey, taskPartitionKey, taskSortKey } from './run-table';

export interface DynamoRunStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** Snapshots expire this many days after they were observed. */
  snapshotRetentionDays: number;
  clock: Clock;
  /** A notice claim older than this may be taken over by another publisher. Default 15 minutes. */
  noticeLeaseMs?: number;
}

/** The run was never recorded, so there is nothing to claim or end. */
export class RunNotRecorded extends Error {
  override readonly name = 'RunNotRecorded';
}

/** A pagination cursor that this store did not hand out. */
export class InvalidCursor extends Error {
  override readonly name = 'InvalidCursor';
}

interface RunItem {
  PK: string;
  SK: string;
  view: RunView;
  observedAt: string;
  final: boolean;
  firstSeenAt: string;
  version: number;
  watch?: WatchRecord;
  watchAttempts?: number;
  notices?: Record<string, NoticeRecord>;
}

const DEFAULT_PAGE = 20;
const MAX_PAGE = 100;
const PREVIOUS_RUN_SCAN_LIMIT = 50;

export class DynamoRunStore implements RunStore {
  readonly #client: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #retentionSeconds: number;
  readonly #clock: Clock;
  readonly #leaseMs: number;

  constructor(options: DynamoRunStoreOptions) {
    this.#client = options.client;
    this.#table = options.tableName;
    this.#retentionSeconds = Math.round(options.snapshotRetentionDays * 86_400);
    this.#clock = options.clock;
    this.#leaseMs = options.noticeLeaseMs ?? 15 * 60_000;
  }

  async getRun(execId: string): Promise<RunRecord | null> {
    const { Item } = await this.#client.send(
      new GetCommand({ TableName: this.#table, Key: runKey(execId), ConsistentRead: true }),
    );
    return Item ? toRecord(Item as RunItem) : null;
  }

  async recordObservation(
    view: RunView,
    options: { touch?: boolean; current?: RunRecord | null; watchPolls?: number } = {},
  ): Promise<RecordResult> {
    // A stale `current` is harmless: the conditional write below decides, and a lost race re-reads.
    const current = options.current === undefined ? await this.getRun(view.execId) : options.current;
    if (current && !supersedes(view, current.view)) {
      return { record: current, snapshotWritten: false, applied: false };
    }
    const changed = viewsDiffer(current?.view ?? null, view);
    if (current && !changed && !options.touch) {
      return { record: current, snapshotWritten: false, applied: false };
    }
    const snapshotWritten = changed ? await this.#putSnapshot(view) : false;
    // A watch's poll count rides along with a write that happens anyway; the watch must exist.
    const watchPolls = current?.watch ? options.watchPolls : undefined;
    const record = await this.#updateView(view, watchPolls);
    if (record === null) {
      // A newer or final observation landed between our read and our write: it stands.
      const latest = await this.getRun(view.execId);
      if (latest === null) throw new Error(`run ${view.execId} vanished during a conditional write`);
      return { record: latest, snapshotWritten, applied: false };
    }
    return { record, snapshotWritten, applied: true };
  }

  async listSnapshots(
    execId: string,
    options: { limit?: number; cursor?: string } = {},
  ): Promise<SnapshotPage> {
    const nowSeconds = Math.floor(this.#clock.now().getTime() / 1000);
    const page = await this.#query(
      {
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :snap)',
        // TTL deletion lags (and dynalite never deletes): expired snapshots must not reappear.
        FilterExpression: 'expiresAt > :now',
        ExpressionAttributeValues: { ':pk': runKey(execId).PK, ':snap': 'SNAP#', ':now': nowSeconds },
      },
      options,
      ['PK', runKey(execId).PK],
    );
    return { snapshots: page.items.map((item) => item.view as RunView), cursor: page.cursor };
  }

  async listTaskRuns(taskId: string, options: { limit?: number; cursor?: string } = {}): Promise<RunPage> {
    const page = await this.#query(
      {
        IndexName: RUN_TABLE.taskIndex.name,
        KeyConditionExpression: 'GSI1PK = :task',
        ExpressionAttributeValues: { ':task': taskPartitionKey(taskId) },
      },
      options,
      ['GSI1PK', taskPartitionKey(taskId)],
    );
    return { runs: page.items.map((item) => item.view as RunView), cursor: page.cursor };
  }

  async findPreviousRun(view: RunView): Promise<RunView | null> {
    if (view.taskId === null) return null;
    const before = taskSortKey(view.createdAt ?? view.observedAt, view.execId);
    let startKey: Record<string, unknown> | undefined;
    let examined = 0;
    // The newest run created before this one that finished with a result: a failed or stopped run
    // has partial counts, and comparing against them would report a false trend.
    while (examined < PREVIOUS_RUN_SCAN_LIMIT) {
      const result = await this.#client.send(
        new QueryCommand({
          TableName: this.#table,
          IndexName: RUN_TABLE.taskIndex.name,
          KeyConditionExpression: 'GSI1PK = :task AND GSI1SK < :before',
          ExpressionAttributeValues: { ':task': taskPartitionKey(view.taskId), ':before': before },
          ScanIndexForward: false,
          Limit: 10,
          ExclusiveStartKey: startKey,
        }),
      );
      const items = (result.Items ?? []) as RunItem[];
      examined += items.length;
      const previous = items.find(
        (item) => item.view.status === 'success' && item.view.execId !== view.execId,
      );
      if (previous) return previous.view;
      if (!result.LastEvaluatedKey) return null;
      startKey = result.LastEvaluatedKey;
    }
    return null;
  }

  async claimWatch(
    execId: string,
    watchFor: (attempt: number) => WatchRecord,
    options: { unlessSent?: string; current?: RunRecord } = {},
  ): Promise<WatchRecord | null> {
    // A stale `current` is harmless: the conditions below refuse a claim it would wrongly allow.
    const current = options.current ?? (await this.getRun(execId));
    if (current === null) throw new RunNotRecorded(`run ${execId} is not recorded`);
    if (current.watch?.phase === 'watching') return null;
    const result = options.unlessSent;
    if (result !== undefined && current.notices[result]?.state === 'sent') return null;
    const watch = watchFor(current.watchAttempts + 1);
    try {
      await this.#client.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: runKey(execId),
          UpdateExpression: 'SET watch = :watch, watchAttempts = :attempt, version = version + :one',
          // Both claimers read the same attempt count; only the first write can match it.
          ConditionExpression:
            'attribute_exists(PK) AND (attribute_not_exists(watch) OR watch.phase = :done) AND ' +
            '(attribute_not_exists(watchAttempts) OR watchAttempts = :previous)' +
            // A result sent while this caller was asking NineData ends the need for a watch.
            (result === undefined ? '' : ' AND NOT (notices.#result.#state = :sent)'),
          ...(result === undefined
            ? {}
            : { ExpressionAttributeNames: { '#result': result, '#state': 'state' } }),
          ExpressionAttributeValues: {
            ':watch': watch,
            ':attempt': watch.attempt,
            ':previous': current.watchAttempts,
            ':done': 'done',
            ':one': 1,
            ...(result === undefined ? {} : { ':sent': 'sent' }),
          },
        }),
      );
      return watch;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return null;
      throw error;
    }
  }

  async releaseWatch(execId: string, attempt: number): Promise<void> {
    await this.#ignoringConditionFailure(
      new UpdateCommand({
        TableName: this.#table,
        Key: runKey(execId),
        UpdateExpression: 'REMOVE watch SET version = version + :one',
        ConditionExpression: 'watch.attempt = :attempt AND watch.phase = :watching',
        ExpressionAttributeValues: { ':attempt': attempt, ':watching': 'watching', ':one': 1 },
      }),
    );
  }

  async recordGeneration(execId: string, state: WatchState, executionName: string): Promise<void> {
    await this.#ignoringConditionFailure(
      new UpdateCommand({
        TableName: this.#table,
        Key: runKey(execId),
        UpdateExpression:
          'SET watch.generation = :generation, watch.polls = :polls, watch.totalPolls = :totalPolls, ' +
          'watch.executionName = :name, version = version + :one',
        // A late duplicate of an older generation must not roll the watch back.
        ConditionExpression:
          'watch.attempt = :attempt AND watch.phase = :watching AND watch.generation < :generation',
        ExpressionAttributeValues: {
          ':generation': state.generation,
          ':polls': state.polls,
          ':totalPolls': state.totalPolls,
          ':name': executionName,
          ':attempt': state.attempt,
          ':watching': 'watching',
          ':one': 1,
        },
      }),
    );
  }

  async endWatch(execId: string, attempt: number, outcome: WatchOutcome, at: Date): Promise<void> {
    await this.#ignoringConditionFailure(
      new UpdateCommand({
        TableName: this.#table,
        Key: runKey(execId),
        UpdateExpression:
          'SET watch.phase = :done, watch.outcome = :outcome, watch.endedAt = :at, version = version + :one',
        ConditionExpression: 'watch.attempt = :attempt AND watch.phase = :watching',
        ExpressionAttributeValues: {
          ':done': 'done',
          ':outcome': outcome,
          ':at': at.toISOString(),
          ':attempt': attempt,
          ':watching': 'watching',
          ':one': 1,
        },
      }),
    );
  }

  async listWatching(): Promise<RunRecord[]> {
    const records: RunRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const result = await this.#client.send(
        new ScanCommand({
          TableName: this.#table,
          FilterExpression: 'SK = :run AND watch.phase = :watching',
          ExpressionAttributeValues: { ':run': 'RUN', ':watching': 'watching' },
          ExclusiveStartKey: startKey,
        }),
      );
      records.push(...((result.Items ?? []) as RunItem[]).map(toRecord));
      startKey = result.LastEvaluatedKey;
    } while (startKey);
    return records;
  }

  async claimNotification(execId: string, eventId: string, owner: string, at: Date): Promise<NoticeClaim> {
    const claim: NoticeRecord = { state: 'publishing', owner, at: at.toISOString() };
    try {
      await this.#client.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: runKey(execId),
          UpdateExpression: 'SET notices.#event = :notice, version = version + :one',
          ConditionExpression:
            'attribute_exists(notices) AND (attribute_not_exists(notices.#event) OR ' +
            '(notices.#event.#state = :publishing AND (notices.#event.#owner = :owner OR notices.#event.#at < :staleBefore)))',
          ExpressionAttributeNames: { '#event': eventId, '#state': 'state', '#owner': 'owner', '#at': 'at' },
          ExpressionAttributeValues: {
            ':notice': claim,
            ':publishing': 'publishing',
            ':owner': owner,
            ':staleBefore': new Date(at.getTime() - this.#leaseMs).toISOString(),
            ':one': 1,
          },
        }),
      );
      return 'mine';
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    const notice = (await this.getRun(execId))?.notices[eventId];
    if (notice === undefined) throw new RunNotRecorded(`run ${execId} is not recorded`);
    return notice.state === 'sent' ? 'sent' : 'held';
  }

  async markNotified(execId: string, eventId: string, at: Date): Promise<void> {
    await this.#client.send(
      new UpdateCommand({
        TableName: this.#table,
        Key: runKey(execId),
        UpdateExpression:
          'SET notices.#event.#state = :sent, notices.#event.#at = :at, version = version + :one',
        ConditionExpression: 'attribute_exists(notices.#event)',
        ExpressionAttributeNames: { '#event': eventId, '#state': 'state', '#at': 'at' },
        ExpressionAttributeValues: { ':sent': 'sent', ':at': at.toISOString(), ':one': 1 },
      }),
    );
  }

  async #putSnapshot(view: RunView): Promise<boolean> {
    const expiresAt = Math.floor(Date.parse(view.observedAt) / 1000) + this.#retentionSeconds;
    try {
      await this.#client.send(
        new PutCommand({
          TableName: this.#table,
          Item: { PK: runKey(view.execId).PK, SK: snapshotSortKey(view.observedAt), view, expiresAt },
          // Two writers that observed the same change at the same millisecond wrote the same thing.
          ConditionExpression: 'attribute_not_exists(SK)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Writes the view unless a newer or final one is stored; returns the item, or null when it lost. */
  async #updateView(view: RunView, watchPolls: number | undefined): Promise<RunRecord | null> {
    const now = this.#clock.now().toISOString();
    const index = view.taskId === null ? '' : ', GSI1PK = :taskPk, GSI1SK = if_not_exists(GSI1SK, :taskSk)';
    const polls = watchPolls === undefined ? '' : ', watch.totalPolls = :watchPolls';
    const values: Record<string, unknown> = {
      ':view': view,
      ':observedAt': view.observedAt,
      ':final': view.final,
      ':now': now,
      ':zero': 0,
      ':one': 1,
      ':noNotices': {},
      ':false': false,
      ':true': true,
    };
    if (watchPolls !== undefined) values[':watchPolls'] = watchPolls;
    if (view.taskId !== null) {
      values[':taskPk'] = taskPartitionKey(view.taskId);
      values[':taskSk'] = taskSortKey(view.createdAt ?? view.observedAt, view.execId);
    }
    try {
      const { Attributes } = await this.#client.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: runKey(view.execId),
          UpdateExpression:
            'SET #view = :view, observedAt = :observedAt, #final = :final, firstSeenAt = if_not_exists(firstSeenAt, :now), ' +
            `version = if_not_exists(version, :zero) + :one, notices = if_not_exists(notices, :noNotices)${index}${polls}`,
          // As `supersedes`: a final view wins over a non-final one; otherwise the newer one wins.
          ConditionExpression:
            'attribute_not_exists(PK) OR (#final = :false AND :final = :true) OR ' +
            '(observedAt < :observedAt AND (#final = :false OR :final = :true))',
          ExpressionAttributeNames: { '#view': 'view', '#final': 'final' },
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toRecord(Attributes as RunItem);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return null;
      throw error;
    }
  }

  async #query(
    input: Omit<QueryCommandInput, 'TableName'>,
    options: { limit?: number; cursor?: string },
    partition: [attribute: string, value: string],
  ): Promise<{ items: Record<string, unknown>[]; cursor: string | null }> {
    const limit = Math.min(Math.max(1, options.limit ?? DEFAULT_PAGE), MAX_PAGE);
    const result = await this.#client.send(
      new QueryCommand({
        ...input,
        TableName: this.#table,
        ScanIndexForward: false,
        Limit: limit,
        ExclusiveStartKey: options.cursor === undefined ? undefined : decodeCursor(options.cursor, partition),
      }),
    );
    return {
      items: result.Items ?? [],
      cursor: result.LastEvaluatedKey ? encodeCursor(result.LastEvaluatedKey) : null,
    };
  }

  async #ignoringConditionFailure(command: UpdateCommand): Promise<void> {
    try {
      await this.#client.send(command);
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}

/**
 * Whether `next` may replace `stored`: never a step back from final; a final view always replaces a
 * non-final one (a run that was final at one moment is final at every later one, so the non-final
 * view, whatever its stamp, is stale); otherwise only a strictly newer observation.
 */
function supersedes(next: RunView, stored: RunView): boolean {
  if (stored.final && !next.final) return false;
  if (next.final && !stored.final) return true;
  return next.observedAt > stored.observedAt;
}

function toRecord(item: RunItem): RunRecord {
  return {
    view: item.view,
    firstSeenAt: item.firstSeenAt,
    version: item.version,
    watch: item.watch ?? null,
    watchAttempts: item.watchAttempts ?? 0,
    notices: item.notices ?? {},
  };
}

function encodeCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** Decodes a cursor, accepting only one of the same listing (the same run or task). */
function decodeCursor(cursor: string, [attribute, value]: [string, string]): Record<string, unknown> {
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const valid =
      typeof key === 'object' &&
      key !== null &&
      !Array.isArray(key) &&
      Object.values(key).every((v) => typeof v === 'string' || typeof v === 'number') &&
      (key as Record<string, unknown>)[attribute] === value;
    if (valid) return key as Record<string, unknown>;
  } catch {
    // Falls through to the error below: any undecodable cursor is the caller's mistake.
  }
  throw new InvalidCursor('the cursor is not one this API handed out; start again without it');
}
