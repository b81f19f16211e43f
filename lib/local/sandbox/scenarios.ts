/**
 * How a sandbox run unfolds: a pure function of its scenario and the time. A run is `starting`,
 * then `running` with counts growing with progress, then final; stalls, bursts, status blips and a
 * stop request bend that line. Nothing here keeps state or reads a clock.
 */

export interface RunScenario {
  /** @default the sandbox's next id */
  execId?: string;
  taskId: string;
  /** @default the sandbox clock's now */
  startAt?: Date;
  /** Seconds in `starting` before progress begins. @default 5 */
  startingSeconds?: number;
  /** Seconds of running (progress time; stalls come on top). */
  durationSeconds: number;
  /** @default 4 */
  tables?: number;
  /** @default 0 */
  skippedTables?: number;
  sourceRows: number;
  /** @default sourceRows */
  targetRows?: number;
  /** Final counts; intermediate counts grow in proportion to progress. @default 0 each */
  different?: number;
  onlySource?: number;
  onlyTarget?: number;
  /** @default 'success' */
  finalStatus?: 'success' | 'failed' | 'stopped';
  /** For a failed run. @default 'data comparison failed' */
  errorMessage?: string;
  /** For a failed or stopped run: the progress at which it ends. @default 0.5 */
  failAtFraction?: number;
  /** `bursty`: progress moves in quarter steps. @default 'linear' */
  progress?: 'linear' | 'bursty';
  /** No progress for `seconds` once progress reaches `atFraction`; the run takes that much longer. */
  stalls?: { atFraction: number; seconds: number }[];
  /** From `atSeconds` after the start, for `seconds`, the run reports `status` (e.g. `Running`). */
  statusBlips?: { atSeconds: number; seconds: number; status: string }[];
}

export type ResolvedScenario = Required<Omit<RunScenario, 'execId' | 'startAt'>> & {
  execId: string;
  startAt: Date;
};

export interface RunCounts {
  tableCount: number;
  skipTableCount: number;
  sourceTotalRows: number;
  targetTotalRows: number;
  sourceCompletedRows: number;
  targetCompletedRows: number;
  sameRows: number;
  differenceRows: number;
  onlySourceRows: number;
  onlyTargetRows: number;
}

export interface RunState {
  execId: string;
  taskId: string;
  status: string;
  final: boolean;
  /** Progress 0–1. */
  fraction: number;
  counts: RunCounts;
  createdAt: Date;
  /** Null while starting. */
  updatedAt: Date | null;
  errorMessage: string | null;
}

const BURST_STEPS = 4;

export function resolveScenario(scenario: RunScenario, execId: string, now: Date): ResolvedScenario {
  const resolved: ResolvedScenario = {
    execId,
    taskId: scenario.taskId,
    startAt: scenario.startAt ?? now,
    startingSeconds: scenario.startingSeconds ?? 5,
    durationSeconds: scenario.durationSeconds,
    tables: scenario.tables ?? 4,
    skippedTables: scenario.skippedTables ?? 0,
    sourceRows: scenario.sourceRows,
    targetRows: scenario.targetRows ?? scenario.sourceRows,
    different: scenario.different ?? 0,
    onlySource: scenario.onlySource ?? 0,
    onlyTarget: scenario.onlyTarget ?? 0,
    finalStatus: scenario.finalStatus ?? 'success',
    errorMessage: scenario.errorMessage ?? 'data comparison failed',
    failAtFraction: scenario.failAtFraction ?? 0.5,
    progress: scenario.progress ?? 'linear',
    stalls: [...(scenario.stalls ?? [])].sort((a, b) => a.atFraction - b.atFraction),
    statusBlips: scenario.statusBlips ?? [],
  };
  const problem = scenarioProblem(resolved);
  if (problem !== null) throw new RangeError(`Invalid run scenario for ${scenario.taskId}: ${problem}`);
  return resolved;
}

function scenarioProblem(s: ResolvedScenario): string | null {
  const counts = [
    s.startingSeconds,
    s.durationSeconds,
    s.tables,
    s.skippedTables,
    s.sourceRows,
    s.targetRows,
  ];
  if (counts.some((n) => !Number.isFinite(n) || n < 0))
    return 'times and counts must be finite and not negative';
  if (s.durationSeconds <= 0) return 'durationSeconds must be positive';
  if (s.skippedTables > s.tables) return 'skippedTables exceeds tables';
  if (s.different + s.onlySource > s.sourceRows) return 'more differing rows than source rows';
  if (s.failAtFraction < 0 || s.failAtFraction > 1) return 'failAtFraction must be within 0–1';
  if (s.stalls.some((stall) => stall.atFraction < 0 || stall.atFraction > 1 || stall.seconds < 0)) {
    return 'a stall must be within 0–1 and last a positive time';
  }
  return null;
}

/** The run as it stands at `now`; `stoppedAt` is when a stop request reached it, if one did. */
export function runStateAt(s: ResolvedScenario, now: Date, stoppedAt: Date | null = null): RunState {
  const stopped = stoppedAt !== null && stoppedAt.getTime() <= now.getTime();
  const at = stopped ? stoppedAt : now;
  const elapsed = (at.getTime() - s.startAt.getTime()) / 1000;
  const base = { execId: s.execId, taskId: s.taskId, createdAt: s.startAt };

  const endedAt = endOf(s);

  if (at.getTime() >= endedAt.getTime()) {
    const fraction = s.finalStatus === 'success' ? 1 : shape(s, s.failAtFraction);
    return {
      ...base,
      status: s.finalStatus,
      final: true,
      fraction,
      counts: countsAt(s, fraction),
      updatedAt: endedAt,
      errorMessage: s.finalStatus === 'failed' ? s.errorMessage : null,
    };
  }
  if (elapsed < s.startingSeconds) {
    const status = stopped ? 'stopped' : blipAt(s, elapsed, 'starting');
    return {
      ...base,
      status,
      final: stopped,
      fraction: 0,
      counts: startingCounts(),
      updatedAt: stopped ? at : null,
      errorMessage: null,
    };
  }
  const active = activeSecondsAt(s, elapsed - s.startingSeconds);
  const fraction = shape(s, active / s.durationSeconds);
  return {
    ...base,
    status: stopped ? 'stopped' : blipAt(s, elapsed, 'running'),
    final: stopped,
    fraction,
    counts: countsAt(s, fraction),
    updatedAt: at,
    errorMessage: null,
  };
}

/** When a run that is not stopped reaches its final status. */
export function endOf(s: ResolvedScenario): Date {
  const endFraction = s.finalStatus === 'success' ? 1 : s.failAtFraction;
  const running = wallSecondsFor(s, endFraction * s.durationSeconds);
  return new Date(s.startAt.getTime() + (s.startingSeconds + running) * 1000);
}

/* Wall seconds of running needed to make `active` seconds of progress: stalls passed on the way add up. */
function wallSecondsFor(s: ResolvedScenario, active: number): number {
  return s.stalls.reduce(
    (wall, stall) => (stall.atFraction * s.durationSeconds < active ? wall + stall.seconds : wall),
    active,
  );
}

/* Progress seconds made in `wall` seconds of running: time inside a stall makes none. */
function activeSecondsAt(s: ResolvedScenario, wall: number): number {
  let remaining = wall;
  for (const stall of s.stalls) {
    const stallAt = stall.atFraction * s.durationSeconds;
    if (remaining <= stallAt) break;
    if (remaining <= stallAt + stall.seconds) return stallAt;
    remaining -= stall.seconds;
  }
  return Math.min(remaining, s.durationSeconds);
}

function shape(s: ResolvedScenario, fraction: number): number {
  const clamped = Math.min(1, Math.max(0, fraction));
  return s.progress === 'bursty' ? Math.floor(clamped * BURST_STEPS) / BURST_STEPS : clamped;
}

function blipAt(s: ResolvedScenario, elapsed: number, status: string): string {
  const blip = s.statusBlips.find((b) => elapsed >= b.atSeconds && elapsed < b.atSeconds + b.seconds);
  return blip?.status ?? status;
}

/* The documentation's example of a starting run: every count 0. */
function startingCounts(): RunCounts {
  return {
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
  };
}

function countsAt(s: ResolvedScenario, fraction: number): RunCounts {
  const part = (n: number) => Math.floor(n * fraction);
  const sourceCompletedRows = part(s.sourceRows);
  const differenceRows = part(s.different);
  const onlySourceRows = part(s.onlySource);
  return {
    tableCount: s.tables,
    skipTableCount: s.skippedTables,
    sourceTotalRows: s.sourceRows,
    targetTotalRows: s.targetRows,
    sourceCompletedRows,
    targetCompletedRows: part(s.targetRows),
    sameRows: Math.max(0, sourceCompletedRows - differenceRows - onlySourceRows),
    differenceRows,
    onlySourceRows,
    onlyTargetRows: part(s.onlyTarget),
  };
}

// ---------------------------------------------------------------- per-table rows

export interface TableRow {
  progressId: string;
  schemaName: string;
  tableName: string;
  targetSchemaName: string;
  targetTableName: string;
  status: string;
  sourceTotalRows: number;
  targetTotalRows: number;
  sameRows: number;
  differenceRows: number;
  onlySourceRows: number;
  onlyTargetRows: number;
}

const SCHEMA = 'sales';
const TABLE_NAMES = [
  'customers',
  'orders',
  'order_items',
  'products',
  'payments',
  'shipments',
  'invoices',
  'suppliers',
];

/**
 * The run's tables, with the run's current counts spread over them: the sums over the tables equal
 * the run's counts, differences sit in the first third of the compared tables, skipped tables last.
 */
export function tableRowsOf(s: ResolvedScenario, state: RunState): TableRow[] {
  const compared = s.tables - s.skippedTables;
  const differing = s.different + s.onlySource + s.onlyTarget > 0 ? Math.max(1, Math.ceil(compared / 3)) : 0;
  const c = state.counts;
  const spread = (total: number, over: number, index: number) =>
    index >= over ? 0 : Math.floor(total / over) + (index < total % over ? 1 : 0);
  return Array.from({ length: s.tables }, (_, index) => {
    const name = TABLE_NAMES[index] ?? `table_${String(index + 1).padStart(3, '0')}`;
    const skipped = index >= compared;
    const differenceRows = spread(c.differenceRows, differing, index);
    const onlySourceRows = spread(c.onlySourceRows, differing, index);
    const sourceCompleted = skipped ? 0 : spread(c.sourceCompletedRows, compared, index);
    return {
      progressId: `${s.execId}${String(index + 1).padStart(3, '0')}`,
      schemaName: SCHEMA,
      tableName: name,
      targetSchemaName: SCHEMA,
      targetTableName: name,
      status: skipped ? 'skipped' : tableStatus(state),
      sourceTotalRows: skipped ? 0 : spread(c.sourceTotalRows, compared, index),
      targetTotalRows: skipped ? 0 : spread(c.targetTotalRows, compared, index),
      sameRows: Math.max(0, sourceCompleted - differenceRows - onlySourceRows),
      differenceRows,
      onlySourceRows,
      onlyTargetRows: spread(c.onlyTargetRows, differing, index),
    };
  });
}

function tableStatus(state: RunState): string {
  if (state.status === 'starting') return 'waiting';
  return state.final ? state.status : 'running';
}
