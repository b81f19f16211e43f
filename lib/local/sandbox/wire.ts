/**
 * The sandbox's answers in NineData's own wire shapes, with the drift the documentation shows:
 * ids as numbers, some counts as numeric strings, fields left out. The drift is deterministic
 * (by answer number) so tests can rely on seeing every form.
 */
import type { RunCounts, RunState, TableRow } from './scenarios';

/** `yyyy-MM-dd HH:mm:ssZ`, with the space the documentation shows. */
export function wireTime(at: Date): string {
  return `${at.toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

/** A numeric id as a JSON number when it fits one exactly, else as its string. */
export function wireId(id: string): number | string {
  return /^\d+$/.test(id) && Number.isSafeInteger(Number(id)) ? Number(id) : id;
}

const COUNT_KEYS = [
  'tableCount',
  'sourceTotalRows',
  'targetTotalRows',
  'sourceCompletedRows',
  'targetCompletedRows',
  'sameRows',
  'differenceRows',
  'onlySourceRows',
  'onlyTargetRows',
] as const satisfies readonly (keyof RunCounts)[];

/**
 * `queryTaskExecInfo` → `data`. `skipTableCount` is always a string; on odd answers every other
 * count is too. No `updateTime` while starting; no `errorMessage` while running; `""` once final
 * without an error.
 */
export function wireRun(state: RunState, answerNumber: number): Record<string, unknown> {
  const run: Record<string, unknown> = {
    id: wireId(state.execId),
    createTime: wireTime(state.createdAt),
    taskId: state.taskId,
    status: state.status,
    accountId: '1708516390626159',
    execType: 'manual',
  };
  if (state.updatedAt !== null) run.updateTime = wireTime(state.updatedAt);
  if (state.final || state.status === 'starting') run.errorMessage = state.errorMessage ?? '';
  COUNT_KEYS.forEach((key, index) => {
    const value = state.counts[key];
    run[key] = answerNumber % 2 === 1 && index % 2 === 0 ? String(value) : value;
  });
  run.skipTableCount = String(state.counts.skipTableCount);
  return run;
}

export interface WireTask {
  taskId: string;
  name: string;
  createdAt: Date;
  lastExecId: string | null;
  /** The latest run, if any. */
  lastRun: RunState | null;
}

/** `queryTaskById` → `data`. */
export function wireTask(task: WireTask): Record<string, unknown> {
  const status = task.lastRun === null ? 'notStarted' : task.lastRun.final ? task.lastRun.status : 'running';
  return {
    id: task.taskId,
    name: task.name,
    status,
    lastExecId: task.lastExecId === null ? null : wireId(task.lastExecId),
    isDeleted: false,
    errMsg: task.lastRun?.errorMessage ?? '',
    createTime: wireTime(task.createdAt),
    type: 'DATA_COMPARE',
    sourceDsId: 'ds-sandbox-source',
    targetDsId: 'ds-sandbox-target',
  };
}

/** One entry of `result/tableSummary` → `data.tableSummaries`. */
export function wireTable(row: TableRow): Record<string, unknown> {
  return { ...row, progressId: wireId(row.progressId) };
}
