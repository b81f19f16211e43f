/**
 * Watches a scenario on a simulated clock: poll, ask the strategy for the wait, jump ahead, until
 * a poll sees a final status. Nothing sleeps, so a 3-day run takes microseconds.
 */
import {
  DEFAULT_POLL_POLICY,
  decideNextPoll,
  type PollMemo,
  type PollObservation,
  type PollPolicyConfig,
} from '../functions/core/poll-policy';
import { isFinalStatus } from '../functions/core/run-view';
import type { Scenario } from './scenarios';

/** Decides each wait of one watch; a fresh one per run, so it may keep state between polls. */
export type PollStrategy = (observation: PollObservation) => number;

export interface StrategySpec {
  name: string;
  create(): PollStrategy;
}

export const fixedInterval = (seconds: number): StrategySpec => ({
  name: `fixed ${seconds} s`,
  create: () => () => seconds,
});

export const exponentialBackoff = (
  firstSeconds: number,
  factor: number,
  capSeconds: number,
): StrategySpec => ({
  name: `exp ${firstSeconds} s ×${factor} ≤${capSeconds} s`,
  create: () => {
    let next = firstSeconds;
    return () => {
      const wait = next;
      next = Math.min(capSeconds, next * factor);
      return wait;
    };
  },
});

/**
 * The project's poll policy. The memo goes through JSON between polls, as it does when the
 * workflow carries it in its state, so anything that would not survive that shows up here.
 */
export const pollPolicyStrategy = (
  config: PollPolicyConfig = DEFAULT_POLL_POLICY,
  name = 'poll policy',
): StrategySpec => ({
  name,
  create: () => {
    let memo: PollMemo | null = null;
    return (observation) => {
      const decision = decideNextPoll(observation, memo, config);
      memo = JSON.parse(JSON.stringify(decision.memo)) as PollMemo;
      return decision.waitSeconds;
    };
  },
});

export interface WatchResult {
  polls: number;
  /** Seconds from the true end to the poll that saw it. */
  lagSeconds: number;
  /** Seconds from creation to the true end. */
  durationSeconds: number;
}

/** Guards against a strategy that never lets time advance. */
const MAX_POLLS = 1_000_000;

export function simulateWatch(scenario: Scenario, strategy: PollStrategy): WatchResult {
  const watchStartedAtMs = scenario.createdAtMs + scenario.watchStartSeconds * 1000;
  let t = scenario.watchStartSeconds;
  for (let polls = 1; polls <= MAX_POLLS; polls += 1) {
    const seen = scenario.observe(t);
    if (isFinalStatus(seen.status)) {
      return { polls, lagSeconds: t - scenario.endSeconds, durationSeconds: scenario.endSeconds };
    }
    const wait = strategy({
      nowMs: scenario.createdAtMs + t * 1000,
      watchStartedAtMs,
      runCreatedAtMs: scenario.createdAtMs,
      ...seen,
    });
    if (!(wait > 0)) throw new Error(`${scenario.id}: a strategy returned a wait of ${wait} s`);
    t += wait;
  }
  throw new Error(`${scenario.id}: no final status after ${MAX_POLLS} polls`);
}
