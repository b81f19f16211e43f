import { decideNextPoll, type PollPolicyConfig } from '../core/poll-policy';
import type { Clock, NineDataApi, RunStore } from '../core/ports';
import { comparedOf, normaliseRun } from '../core/run-view';
import { type CarriedWatchState, executionNameOf, type PollOutput } from '../core/watch';

export interface PollRunDeps {
  runs: RunStore;
  nineData: NineDataApi;
  clock: Clock;
  policy: PollPolicyConfig;
  /** After this many polls an execution hands over to a successor (execution history guard). */
  historyGuardPolls: number;
}

/**
 * One poll of a watched run:
 * 0. the first poll of a successor execution records the hand-over in the stored watch;
 * 1. asks NineData for the run (failures propagate: the state machine retries transient ones and
 *    ends the watch as `unreachable` on definite ones);
 * 2. records the observation (a write only when something changed);
 * 3. decides: `final`, `deadline` when the watch's time is up, `continue` when this execution has
 *    polled enough and a successor should take over, or `wait` for the poll policy's interval,
 *    never past the deadline.
 */
export async function pollRun(deps: PollRunDeps, state: CarriedWatchState): Promise<PollOutput> {
  if (state.generation > 0 && state.polls === 0) {
    // The first poll of a successor: the stored watch now points at this execution.
    await deps.runs.recordGeneration(state.execId, state, executionNameOf(state));
  }
  const stored = await deps.runs.getRun(state.execId);
  // Stamped when NineData was asked (see observeRun); the decision below uses the time after.
  const askedAt = deps.clock.now();
  const upstream = await deps.nineData.getRun(state.execId);
  const now = deps.clock.now();
  const view = normaliseRun(upstream, askedAt, stored?.view ?? null);
  const { record } = await deps.runs.recordObservation(view, {
    current: stored,
    watchPolls: state.totalPolls + 1,
  });
  // A final observation recorded meanwhile (by a lookup) is the truth, even if NineData now blips.
  const latest = record.view.final ? record.view : view;

  const polls = state.polls + 1;
  const carried = { ...state, polls, totalPolls: state.totalPolls + 1 };
  const result = (
    decision: PollOutput['decision'],
    waitSeconds: number,
    extra: Partial<PollOutput> = {},
  ) => ({
    ...carried,
    ...extra,
    decision,
    waitSeconds,
    status: latest.status,
    observedAt: latest.observedAt,
  });

  if (latest.final) return result('final', 0);
  const secondsLeft = Math.floor((Date.parse(state.deadline) - now.getTime()) / 1000);
  if (secondsLeft <= 0) return result('deadline', 0);

  const rows = comparedOf(latest.counts);
  const decision = decideNextPoll(
    {
      nowMs: now.getTime(),
      watchStartedAtMs: Date.parse(state.startedAt),
      runCreatedAtMs: latest.createdAt === null ? null : Date.parse(latest.createdAt),
      status: latest.status,
      compared: rows?.compared ?? null,
      total: rows?.total ?? null,
    },
    state.memo ?? null,
    deps.policy,
  );
  const waitSeconds = Math.max(1, Math.min(decision.waitSeconds, secondsLeft));
  if (polls >= deps.historyGuardPolls) {
    return result('continue', waitSeconds, {
      memo: decision.memo,
      generation: state.generation + 1,
      polls: 0,
    });
  }
  return result('wait', waitSeconds, { memo: decision.memo });
}
