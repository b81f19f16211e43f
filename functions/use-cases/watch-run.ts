import type { RunRecord, WatchStarter } from '../core/ports';
import { runResultEventId } from '../core/result-message';
import { newWatch, type WatchSettings, watchStateOf } from '../core/watch';
import { observeRun, type RunLookupDeps } from './look-up-run';

export interface WatchRunDeps extends RunLookupDeps {
  watches: WatchStarter;
  settings: WatchSettings;
}

/**
 * `started`: a new watch began. `watching`: a watch was already running. `finished`: the run is
 * final and its result message was already sent, so there is nothing left to watch.
 */
export type WatchRequestKind = 'started' | 'watching' | 'finished';

export interface WatchRequestResult {
  kind: WatchRequestKind;
  record: RunRecord;
}

/**
 * Asks for a run to be watched until it is final and its result is published:
 * 1. a run whose result was sent, or whose watch is running, is returned as it is;
 * 2. otherwise the run is read from NineData (so an unknown run is a 404, not a watch that fails)
 *    and recorded, unless the store already holds it final;
 * 3. the watch is claimed with a conditional write: of many concurrent requests exactly one wins,
 *    the others are told about the winner's watch;
 * 4. the winner starts the execution; if that fails the claim is released, so a retry can start.
 */
export async function watchRun(deps: WatchRunDeps, execId: string): Promise<WatchRequestResult> {
  const stored = await deps.runs.getRun(execId);
  const settled = settledState(stored);
  if (stored && settled) return { kind: settled, record: stored };

  const record = stored?.view.final ? stored : await observeRun(deps, execId, stored);
  const now = deps.clock.now();
  const watch = await deps.runs.claimWatch(
    execId,
    (attempt) => newWatch(execId, attempt, now, deps.settings),
    // `record` was read or written just now, after NineData answered: no need to read it again.
    { unlessSent: runResultEventId(execId), current: record },
  );
  if (watch === null) {
    const winner = (await deps.runs.getRun(execId)) ?? record;
    return { kind: settledState(winner) ?? 'watching', record: winner };
  }
  try {
    await deps.watches.start(watch.executionName, watchStateOf(watch));
  } catch (error) {
    await deps.runs.releaseWatch(execId, watch.attempt);
    throw error;
  }
  return { kind: 'started', record: { ...record, watch, watchAttempts: watch.attempt } };
}

function settledState(record: RunRecord | null): Exclude<WatchRequestKind, 'started'> | null {
  if (record === null) return null;
  if (record.watch?.phase === 'watching') return 'watching';
  if (record.notices[runResultEventId(record.view.execId)]?.state === 'sent') return 'finished';
  return null;
}
