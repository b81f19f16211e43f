/**
 * The normalised run view: what the API returns and the results topic carries.
 * Pure: no I/O, no AWS or HTTP types.
 */

/** A run as the NineData client hands it over: ids as decimal strings, counts null when not sent. */
export interface UpstreamRun {
  execId: string;
  taskId: string | null;
  /** As NineData sent it (unknown values are kept, never guessed). */
  status: string;
  /** ISO 8601 UTC, or null when absent or unparseable. */
  createdAt: string | null;
  updatedAt: string | null;
  errorMessage: string | null;
  execType: string | null;
  tableCount: number | null;
  skipTableCount: number | null;
  sourceTotalRows: number | null;
  targetTotalRows: number | null;
  sourceCompletedRows: number | null;
  targetCompletedRows: number | null;
  sameRows: number | null;
  differenceRows: number | null;
  onlySourceRows: number | null;
  onlyTargetRows: number | null;
}

export interface RunCounts {
  tables: number | null;
  skippedTables: number | null;
  sourceRows: number | null;
  targetRows: number | null;
  sourceCompared: number | null;
  targetCompared: number | null;
  same: number | null;
  different: number | null;
  onlySource: number | null;
  onlyTarget: number | null;
}

/** How a finished run ended, as NineData reports it. */
export type RunOutcome = 'consistent' | 'inconsistent' | 'failed' | 'stopped';
/** How a watch ended: a run outcome, or the watch's own endings. */
export type WatchOutcome = RunOutcome | 'timed_out' | 'unreachable';

export interface RunProgress {
  /** Compared rows over rows to compare, both sides together, 0–100 with one decimal. */
  percent: number | null;
  /** Seconds until the run should finish at the rate measured between two observations. */
  etaSeconds: number | null;
}

export interface RunView {
  execId: string;
  taskId: string | null;
  status: string;
  final: boolean;
  outcome: RunOutcome | null;
  counts: RunCounts;
  progress: RunProgress;
  errorMessage: string | null;
  execType: string | null;
  createdAt: string | null;
  updatedAt: string | null;
  observedAt: string;
}

const FINAL_STATUSES: ReadonlySet<string> = new Set(['success', 'failed', 'stopped']);
const KNOWN_STATUSES: ReadonlySet<string> = new Set(['starting', 'running', 'success', 'failed', 'stopped']);

/** Final statuses match exactly: `Success` or `done` are unknown, hence non-final, never guessed. */
export function isFinalStatus(status: string): boolean {
  return FINAL_STATUSES.has(status);
}

export function isKnownStatus(status: string): boolean {
  return KNOWN_STATUSES.has(status);
}

export function countsOf(run: UpstreamRun): RunCounts {
  return {
    tables: run.tableCount,
    skippedTables: run.skipTableCount,
    sourceRows: run.sourceTotalRows,
    targetRows: run.targetTotalRows,
    sourceCompared: run.sourceCompletedRows,
    targetCompared: run.targetCompletedRows,
    same: run.sameRows,
    different: run.differenceRows,
    onlySource: run.onlySourceRows,
    onlyTarget: run.onlyTargetRows,
  };
}

/**
 * Rows that differ in any way: changed, only in the source, only in the target.
 * A count NineData did not send contributes nothing; null when it sent none of the three.
 */
export function differencesOf(counts: RunCounts): number | null {
  const parts = [counts.different, counts.onlySource, counts.onlyTarget].filter(
    (n): n is number => n !== null,
  );
  return parts.length === 0 ? null : parts.reduce((sum, n) => sum + n, 0);
}

/** The outcome of a run, or null while it is not final. */
export function outcomeOf(status: string, counts: RunCounts): RunOutcome | null {
  switch (status) {
    case 'failed':
      return 'failed';
    case 'stopped':
      return 'stopped';
    case 'success':
      return (differencesOf(counts) ?? 0) > 0 ? 'inconsistent' : 'consistent';
    default:
      return null;
  }
}

/** Rows compared so far and rows to compare, both sides together; null when unknown. */
export function comparedOf(counts: RunCounts): { compared: number; total: number } | null {
  const { sourceRows, targetRows, sourceCompared, targetCompared } = counts;
  if (sourceRows === null || targetRows === null || sourceCompared === null || targetCompared === null) {
    return null;
  }
  return { compared: sourceCompared + targetCompared, total: sourceRows + targetRows };
}

export function progressPercent(status: string, counts: RunCounts): number | null {
  if (status === 'success') return 100;
  const rows = comparedOf(counts);
  if (rows === null || rows.total <= 0) return null;
  const ratio = Math.min(1, Math.max(0, rows.compared / rows.total));
  return Math.round(ratio * 1000) / 10;
}

/** An observation of progress: when, and how many rows had been compared of how many. */
export interface ProgressSample {
  atMs: number;
  compared: number;
  total: number;
}

export function progressSampleOf(view: Pick<RunView, 'counts' | 'observedAt'>): ProgressSample | null {
  const rows = comparedOf(view.counts);
  const atMs = Date.parse(view.observedAt);
  if (rows === null || rows.total <= 0 || Number.isNaN(atMs)) return null;
  return { atMs, ...rows };
}

/**
 * Seconds to finish at the rate between two observations. Null when it cannot be measured:
 * no earlier sample, time did not advance, no rows were compared in between, or the total changed
 * (a different scope makes the rate meaningless).
 */
export function etaSeconds(earlier: ProgressSample | null, later: ProgressSample | null): number | null {
  if (earlier === null || later === null) return null;
  const elapsedMs = later.atMs - earlier.atMs;
  const done = later.compared - earlier.compared;
  if (elapsedMs <= 0 || done <= 0 || earlier.total !== later.total) return null;
  const remaining = Math.max(0, later.total - later.compared);
  return Math.round((remaining * elapsedMs) / done / 1000);
}

/**
 * Normalises an upstream run observed at `observedAt` into the run view. `previous`, the last view
 * recorded for the same run, gives the second observation for the ETA.
 */
export function normaliseRun(run: UpstreamRun, observedAt: Date, previous: RunView | null = null): RunView {
  const counts = countsOf(run);
  const final = isFinalStatus(run.status);
  const view: RunView = {
    execId: run.execId,
    taskId: run.taskId,
    status: run.status,
    final,
    outcome: outcomeOf(run.status, counts),
    counts,
    progress: { percent: progressPercent(run.status, counts), etaSeconds: null },
    errorMessage: run.errorMessage,
    execType: run.execType,
    createdAt: run.createdAt,
    updatedAt: run.updatedAt,
    observedAt: observedAt.toISOString(),
  };
  if (!final) {
    const earlier = previous && previous.execId === run.execId ? progressSampleOf(previous) : null;
    view.progress.etaSeconds = etaSeconds(earlier, progressSampleOf(view));
  }
  return view;
}

/** Every count of a run, in the order the view lists them. */
export const COUNT_KEYS = [
  'tables',
  'skippedTables',
  'sourceRows',
  'targetRows',
  'sourceCompared',
  'targetCompared',
  'same',
  'different',
  'onlySource',
  'onlyTarget',
] as const satisfies readonly (keyof RunCounts)[];

/** Whether a user would see a change between two views of a run: its status or any count. */
export function viewsDiffer(a: RunView | null, b: RunView): boolean {
  if (a === null) return true;
  if (a.status !== b.status) return true;
  return COUNT_KEYS.some((key) => a.counts[key] !== b.counts[key]);
}
