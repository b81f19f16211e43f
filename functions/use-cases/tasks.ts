import type { CompareOption, RunRecord, UpstreamTask } from '../core/ports';
import { NineDataNotFound } from '../ninedata/errors';
import { lookUpRun, type RunLookupDeps } from './look-up-run';
import { type WatchRequestResult, type WatchRunDeps, watchRun } from './watch-run';

/** The task exists but has never run, so it has no latest run to watch. */
export class TaskHasNoRun extends Error {
  override readonly name = 'TaskHasNoRun';
  constructor(readonly taskId: string) {
    super(`task ${taskId} has no run yet`);
  }
}

/** NineData started the run, but its watch could not start: the run is not lost, its watch is. */
export class RunStartedWithoutWatch extends Error {
  override readonly name = 'RunStartedWithoutWatch';
  constructor(
    readonly execId: string,
    cause: unknown,
  ) {
    super(`run ${execId} was started but its watch could not start`, { cause });
  }
}

export interface TaskLookup {
  task: UpstreamTask;
  /** The task's latest run, or null when it has none (or NineData no longer knows it). */
  latestRun: RunRecord | null;
}

/** A task (asked of NineData) with the view of its latest run. */
export async function lookUpTask(deps: RunLookupDeps, taskId: string): Promise<TaskLookup> {
  const task = await deps.nineData.getTask(taskId);
  if (task.lastExecId === null) return { task, latestRun: null };
  try {
    const { record } = await lookUpRun(deps, task.lastExecId);
    return { task, latestRun: record };
  } catch (error) {
    if (error instanceof NineDataNotFound) return { task, latestRun: null };
    throw error;
  }
}

/** Watches the task's latest run. */
export async function watchLatestRun(deps: WatchRunDeps, taskId: string): Promise<WatchRequestResult> {
  const task = await deps.nineData.getTask(taskId);
  if (task.lastExecId === null) throw new TaskHasNoRun(taskId);
  return watchRun(deps, task.lastExecId);
}

/**
 * Starts a new run of the task in NineData, then watches it. Starting is not idempotent and is
 * never retried here; if the watch cannot start, the error names the run so the caller can watch
 * it later instead of starting another.
 */
export async function startAndWatchRun(
  deps: WatchRunDeps,
  taskId: string,
  compareOption: CompareOption | undefined,
): Promise<WatchRequestResult> {
  const { execId } = await deps.nineData.startRun(taskId, compareOption);
  try {
    return await watchRun(deps, execId);
  } catch (error) {
    throw new RunStartedWithoutWatch(execId, error);
  }
}
