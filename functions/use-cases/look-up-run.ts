import type { Clock, NineDataApi, RunRecord, RunStore } from '../core/ports';
import { normaliseRun } from '../core/run-view';

export interface RunLookupDeps {
  runs: RunStore;
  nineData: NineDataApi;
  clock: Clock;
  /** A stored observation younger than this is served without asking NineData. */
  freshSeconds: number;
}

export type RunSource = 'store' | 'live';

export interface RunLookup {
  record: RunRecord;
  source: RunSource;
}

/**
 * Looks a run up:
 * 1. serves the stored run when it is final, or was observed less than `freshSeconds` ago
 *    (unless `refresh` is asked for);
 * 2. otherwise asks NineData, records the observation, and serves what the store then holds
 *    (a newer or final observation recorded meanwhile by a watch wins over this one).
 */
export async function lookUpRun(
  deps: RunLookupDeps,
  execId: string,
  options: { refresh?: boolean } = {},
): Promise<RunLookup> {
  const stored = await deps.runs.getRun(execId);
  if (stored && !options.refresh && isServable(stored, deps)) {
    return { record: stored, source: 'store' };
  }
  return { record: await observeRun(deps, execId, stored), source: 'live' };
}

/** Asks NineData for the run and records what it said; returns the run item as stored after. */
export async function observeRun(
  deps: Pick<RunLookupDeps, 'runs' | 'nineData' | 'clock'>,
  execId: string,
  stored: RunRecord | null,
): Promise<RunRecord> {
  // Stamped when NineData was asked, not when its answer arrived: of two overlapping reads, the one
  // sent later reflects the later state, whichever answer comes back first.
  const askedAt = deps.clock.now();
  const upstream = await deps.nineData.getRun(execId);
  const view = normaliseRun(upstream, askedAt, stored?.view ?? null);
  const { record } = await deps.runs.recordObservation(view, { touch: true, current: stored });
  return record;
}

function isServable(record: RunRecord, deps: Pick<RunLookupDeps, 'clock' | 'freshSeconds'>): boolean {
  if (record.view.final) return true;
  const ageMs = deps.clock.now().getTime() - Date.parse(record.view.observedAt);
  return ageMs >= 0 && ageMs < deps.freshSeconds * 1000;
}
