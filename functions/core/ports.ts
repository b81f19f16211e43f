/**
 * The ports the use cases receive: small interfaces, implemented by the adapters (AWS or local)
 * and by fakes in tests. Composed once per process in each entry file.
 */
import type { RunView, UpstreamRun, WatchOutcome } from './run-view';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

// ---------------------------------------------------------------- NineData

/** `compareOption` of `execute`, as NINEDATA.md lists it. The options apply only when `enabled`. */
export interface CompareOption {
  enabled?: boolean;
  parallel?: number;
  splitNum?: string;
  differSize?: string;
  floatPrecision?: string;
  doublePrecision?: string;
  stringTrimStrategy?: 'LTrim' | 'RTrim' | 'Trim';
}

/** A main task (`queryTaskById`), ids as decimal strings, absent fields null. */
export interface UpstreamTask {
  taskId: string;
  name: string | null;
  status: string | null;
  lastExecId: string | null;
  isDeleted: boolean | null;
  errorMessage: string | null;
  createdAt: string | null;
  type: string | null;
  sourceDsId: string | null;
  targetDsId: string | null;
}

export interface TableSummaryQuery {
  taskId: string;
  execId: string;
  schemaName?: string;
  tableNameLike?: string;
  /** 1–100, NineData's default 30. */
  pageSize?: number;
  /** From 1. */
  pageNumber?: number;
}

export interface TableSummary {
  progressId: string | null;
  schemaName: string | null;
  tableName: string | null;
  targetSchemaName: string | null;
  targetTableName: string | null;
  /** Every other field NineData sent, untouched. */
  extra: Record<string, unknown>;
}

export interface TableSummaryPage {
  taskId: string;
  execId: string;
  totalTableCount: number | null;
  diffTableCount: number | null;
  pageNumber: number | null;
  pageSize: number | null;
  tables: TableSummary[];
}

/** The NineData operations compare-watch uses. Failures are thrown as `NineDataError`s. */
export interface NineDataApi {
  getRun(execId: string): Promise<UpstreamRun>;
  getTask(taskId: string): Promise<UpstreamTask>;
  /** Not idempotent: a run is started at most once per call, never retried once sent. */
  startRun(taskId: string, compareOption?: CompareOption): Promise<{ execId: string }>;
  stopTask(taskId: string): Promise<void>;
  getTableSummary(query: TableSummaryQuery): Promise<TableSummaryPage>;
}

// ---------------------------------------------------------------- watches

/** The state a watch carries from poll to poll, and from an execution to its successor. */
export interface WatchState {
  execId: string;
  /** Increments each time the run is watched anew (after a watch ended without a final run). */
  attempt: number;
  /** Increments each time an execution hands over to its successor (history guard). */
  generation: number;
  /** Polls made by this generation. */
  polls: number;
  /** Polls made by every generation of this attempt. */
  totalPolls: number;
  /** ISO 8601: when the watch began, and when it gives up. */
  startedAt: string;
  deadline: string;
}

export type WatchPhase = 'watching' | 'done';

/** The watch of a run as the store keeps it. */
export interface WatchRecord extends WatchState {
  phase: WatchPhase;
  executionName: string;
  /** How the watch ended, once `phase` is `done`. */
  outcome: WatchOutcome | null;
  endedAt: string | null;
}

export interface WatchStarter {
  /**
   * Starts the execution that watches a run. Idempotent by execution name: starting a name that is
   * already running starts nothing new.
   */
  start(executionName: string, state: WatchState): Promise<void>;
}

// ---------------------------------------------------------------- store

/** A result message of a run: being published by `owner`, or sent. Keyed by its eventId. */
export interface NoticeRecord {
  state: 'publishing' | 'sent';
  owner: string;
  at: string;
}

export type NoticeClaim = 'mine' | 'sent' | 'held';

/** The run item: the latest view plus what compare-watch knows about the run. */
export interface RunRecord {
  view: RunView;
  firstSeenAt: string;
  /** Bumped on every write of the run item. */
  version: number;
  watch: WatchRecord | null;
  /** How many watches were ever claimed; names each watch's executions uniquely. */
  watchAttempts: number;
  /** Result messages of this run by eventId. */
  notices: Record<string, NoticeRecord>;
}

export interface SnapshotPage {
  snapshots: RunView[];
  /** Opaque; pass back to get the next page. Null on the last page. */
  cursor: string | null;
}

export interface RunPage {
  runs: RunView[];
  cursor: string | null;
}

export interface RecordResult {
  /** The run item after the write, or as it stands when this observation was older. */
  record: RunRecord;
  /** A snapshot was written (the view differed from the stored one). */
  snapshotWritten: boolean;
  /** The run item was updated; false when a newer or final observation was already stored. */
  applied: boolean;
}

export interface RunStore {
  getRun(execId: string): Promise<RunRecord | null>;
  /**
   * Records an observation: a snapshot when the view differs from the stored one, and the run item.
   * Never moves a run from final back to non-final; a final view replaces a non-final one whatever
   * their times (the run stays final); otherwise never moves a run to an older observation. With `touch`,
   * an unchanged observation still refreshes `observedAt` (lookups); without it, it writes nothing.
   * `current`, when the caller has just read the run item, saves reading it again. `watchPolls`, from
   * a watch's poll, updates the watch's poll count when the run item is written anyway.
   */
  recordObservation(
    view: RunView,
    options?: { touch?: boolean; current?: RunRecord | null; watchPolls?: number },
  ): Promise<RecordResult>;
  listSnapshots(execId: string, options?: { limit?: number; cursor?: string }): Promise<SnapshotPage>;
  listTaskRuns(taskId: string, options?: { limit?: number; cursor?: string }): Promise<RunPage>;
  /** The newest successful run (one with a result) of the same task created before this one, or null. */
  findPreviousRun(view: RunView): Promise<RunView | null>;
  /**
   * Claims the watch of a recorded run when no watch of it is running, numbering it with the next
   * attempt. `watchFor(attempt)` builds the watch to store. Returns the stored watch, or null when
   * another watch is running or, with `unlessSent`, once that result was sent. `current`, the run item
   * the caller has just read or written, saves reading it again. Throws `RunNotRecorded` when the run
   * item does not exist.
   */
  claimWatch(
    execId: string,
    watchFor: (attempt: number) => WatchRecord,
    options?: { unlessSent?: string; current?: RunRecord },
  ): Promise<WatchRecord | null>;
  /** Undoes a claim whose execution could not be started (only while that claim is still running). */
  releaseWatch(execId: string, attempt: number): Promise<void>;
  /** Records that a running watch handed over to its successor execution (history guard). */
  recordGeneration(execId: string, state: WatchState, executionName: string): Promise<void>;
  /** Ends watch `attempt` with its outcome. Idempotent: ending an ended watch changes nothing. */
  endWatch(execId: string, attempt: number, outcome: WatchOutcome, at: Date): Promise<void>;
  /** Lists runs whose watch is still going (for resuming local watches after a restart). */
  listWatching(): Promise<RunRecord[]>;
  /**
   * Marks the result `eventId` as being published by `owner`. `mine` when this caller may publish:
   * nobody held it, `owner` already held it (a retry), or the holder's claim is older than the
   * lease (it died before publishing). `sent` once it was published; `held` while another owner
   * holds it within the lease (try again later).
   */
  claimNotification(execId: string, eventId: string, owner: string, at: Date): Promise<NoticeClaim>;
  /** Records that `eventId` was published. */
  markNotified(execId: string, eventId: string, at: Date): Promise<void>;
}

// ---------------------------------------------------------------- results

export interface PublishedMessage {
  subject: string;
  body: string;
  attributes: Record<string, { type: 'String' | 'Number'; value: string }>;
}

export interface ResultPublisher {
  publish(message: PublishedMessage): Promise<void>;
}

// ---------------------------------------------------------------- telemetry

/** What the handlers log through; Powertools Logger fits it, and so does a test's recorder. */
export interface Log {
  debug(message: string, ...extra: unknown[]): void;
  info(message: string, ...extra: unknown[]): void;
  warn(message: string, ...extra: unknown[]): void;
  error(message: string, ...extra: unknown[]): void;
  appendKeys(keys: Record<string, unknown>): void;
  resetKeys(): void;
}

/** Operational metrics; the AWS adapter writes them as CloudWatch EMF through Powertools. */
export interface MetricsSink {
  count(name: string, dimensions?: Record<string, string>, value?: number): void;
  milliseconds(name: string, value: number, dimensions?: Record<string, string>): void;
}

export const silentLog: Log = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  appendKeys: () => {},
  resetKeys: () => {},
};

export const noMetrics: MetricsSink = { count: () => {}, milliseconds: () => {} };
