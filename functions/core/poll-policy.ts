/**
 * The poll policy: after each poll of a run that is not final, how long the watch waits before
 * polling again. Pure: no I/O, no clock of its own; what it must remember between polls travels
 * in a small JSON memo inside the watch state.
 *
 * Each poll costs state transitions, a Lambda invocation and NineData quota; each second between
 * the run's end and the poll that sees it costs the user. So the policy:
 * - never waits longer than `lagFraction` of the time the run has taken so far (or `minSeconds`),
 *   which keeps the detection lag of any surprise (a failure, a stall ending) a small share of
 *   the run's duration, and makes the number of polls grow with the logarithm of the duration
 *   until `maxSeconds` is reached;
 * - within that bound, sleeps toward the finish estimated from the compared-rows rate: most of
 *   the way while it is far, just past it once it is close, then short polls for the final status;
 * - backs off (each wait `backoffFactor` times the previous, still within the bound) while there
 *   is nothing to estimate from: `starting`, an unknown status, missing counts, stalled rows.
 * Its defaults were chosen with `npm run bench` (bench/poll-policy.ts), against fixed intervals
 * and exponential backoff on the same simulated runs.
 */
import type { ProgressSample } from './run-view';

export interface PollPolicyConfig {
  /** Shortest wait, seconds. A whole number ≥ 1 (a Step Functions Wait takes whole seconds). */
  minSeconds: number;
  /** Longest wait, seconds. A whole number ≥ `minSeconds`. */
  maxSeconds: number;
  /**
   * No wait is longer than this share of the time the run has taken so far (or than `minSeconds`
   * if that is longer), so a run is seen final within about this share of its duration.
   */
  lagFraction: number;
  /** Factor from one wait to the next while there is no progress signal. */
  backoffFactor: number;
  /** Compared rows that have not moved for this long count as stalled. */
  stallAfterSeconds: number;
  /**
   * Share of the estimated time to finish slept in one go while the finish is still far: a rate
   * that drops near the end then costs one more poll instead of lag.
   */
  etaLead: number;
}

export const DEFAULT_POLL_POLICY: Readonly<PollPolicyConfig> = Object.freeze({
  minSeconds: 5,
  maxSeconds: 300,
  lagFraction: 0.25,
  backoffFactor: 2,
  stallAfterSeconds: 60,
  etaLead: 0.7,
});

/** What one poll saw, with the times the policy needs. Times in ms since the epoch. */
export interface PollObservation {
  nowMs: number;
  watchStartedAtMs: number;
  /** When NineData created the run; null when it did not say. */
  runCreatedAtMs: number | null;
  status: string;
  /** Rows compared so far and rows to compare, both sides together (`comparedOf`); null when unknown. */
  compared: number | null;
  total: number | null;
}

/** What the policy remembers between polls: small, plain JSON. */
export interface PollMemo {
  /** The last observation with measurable progress. */
  sample: ProgressSample | null;
  /**
   * Rows compared, and ms elapsed, over the poll intervals in which rows moved, each older interval
   * weighing half as much: the recent rate, with stalls and gaps between bursts left out (an
   * interval in which rows resumed after a pause counts only when it is the faster).
   */
  rate: { rows: number; ms: number } | null;
  /**
   * Rows per second over the latest interval in which rows moved, unless they had just resumed.
   * Once rows move again after a pause, it reflects the run's pace before the decayed rate does.
   */
  latestRowsPerSecond: number | null;
  /** When compared rows were last seen to increase (ms since the epoch). */
  movedAtMs: number | null;
  /** Consecutive decisions that backed off (no signal, stalled, waiting for the final status). */
  quietPolls: number;
  /** The wait this decision chose, seconds. */
  waitSeconds: number;
}

export type PollReason =
  /** Sleeping toward the finish estimated from the compared-rows rate. */
  | 'eta'
  /** The estimated finish, or the lack of an estimate, is further away than the lag bound allows. */
  | 'lag-bound'
  /** Starting, an unknown status, or counts missing: backing off. */
  | 'no-signal'
  /** Compared rows stopped moving, or fell behind the estimate: backing off. */
  | 'stalled'
  /** Every row is compared but the status is not final yet: short polls, backing off. */
  | 'finishing';

export interface PollDecision {
  /** Whole seconds within [minSeconds, maxSeconds]. */
  waitSeconds: number;
  memo: PollMemo;
  reason: PollReason;
}

/** The longest wait a Standard execution could honour: it lives at most one year. */
const LONGEST_WAIT_SECONDS = 365 * 24 * 3600;

/**
 * Close to the finish the estimate's error is small in absolute terms, so the policy sleeps just
 * past it instead of most of the way: within this share of the elapsed time, or two minimum waits.
 */
const LANDING_FRACTION = 0.05;
/** Seconds slept past the estimated last row, so the landing poll does not come a moment early. */
const LANDING_MARGIN_SECONDS = 2;
/** Weight of the older moving intervals in the rate, per newer interval. */
const RATE_DECAY = 0.5;

function invalid(field: string, rule: string, value: unknown): never {
  // String() for numbers: JSON would print NaN and Infinity as null.
  const shown = typeof value === 'number' ? String(value) : JSON.stringify(value);
  throw new Error(`Invalid poll policy: ${field} ${rule} (got ${shown})`);
}

/**
 * Checks a configuration (e.g. from CDK context); fields left out take their defaults. Returns it
 * typed, or throws an Error that names the field and the rule it breaks.
 */
export function validatePollPolicyConfig(config: unknown): PollPolicyConfig {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    invalid('config', 'must be an object', config);
  }
  const given = { ...DEFAULT_POLL_POLICY, ...(config as Record<string, unknown>) };
  const numberAt = (field: keyof PollPolicyConfig): number => {
    const value = given[field];
    if (typeof value !== 'number' || !Number.isFinite(value))
      invalid(field, 'must be a finite number', value);
    return value;
  };
  const minSeconds = numberAt('minSeconds');
  const maxSeconds = numberAt('maxSeconds');
  const lagFraction = numberAt('lagFraction');
  const backoffFactor = numberAt('backoffFactor');
  const stallAfterSeconds = numberAt('stallAfterSeconds');
  const etaLead = numberAt('etaLead');
  if (!Number.isInteger(minSeconds) || minSeconds < 1) {
    invalid('minSeconds', 'must be a whole number of seconds ≥ 1', minSeconds);
  }
  if (!Number.isInteger(maxSeconds) || maxSeconds < minSeconds) {
    invalid('maxSeconds', `must be a whole number of seconds ≥ minSeconds (${minSeconds})`, maxSeconds);
  }
  if (maxSeconds > LONGEST_WAIT_SECONDS) {
    invalid('maxSeconds', `must be ≤ ${LONGEST_WAIT_SECONDS} (one year, the longest execution)`, maxSeconds);
  }
  if (lagFraction <= 0 || lagFraction > 1) invalid('lagFraction', 'must be > 0 and ≤ 1', lagFraction);
  if (backoffFactor < 1 || backoffFactor > 10)
    invalid('backoffFactor', 'must be ≥ 1 and ≤ 10', backoffFactor);
  if (stallAfterSeconds < 0) invalid('stallAfterSeconds', 'must be ≥ 0', stallAfterSeconds);
  if (etaLead <= 0 || etaLead > 1) invalid('etaLead', 'must be > 0 and ≤ 1', etaLead);
  return { minSeconds, maxSeconds, lagFraction, backoffFactor, stallAfterSeconds, etaLead };
}

/** Progress the policy can estimate from: a running run with both counts and rows to compare. */
function progressOf({ status, compared, total, nowMs }: PollObservation): ProgressSample | null {
  if (status !== 'running' || compared === null || total === null) return null;
  if (!Number.isFinite(compared) || !Number.isFinite(total) || !Number.isFinite(nowMs)) return null;
  if (total <= 0 || compared < 0) return null;
  // Math.max also turns -0 into 0, as the JSON round trip through the workflow state would.
  return { atMs: nowMs, compared: Math.max(0, Math.min(compared, total)), total };
}

/** Seconds the run has taken so far: since its creation when known and plausible, else since the watch began. */
function elapsedSeconds({ nowMs, runCreatedAtMs, watchStartedAtMs }: PollObservation): number {
  const origin =
    runCreatedAtMs !== null && Number.isFinite(runCreatedAtMs) && runCreatedAtMs <= nowMs
      ? runCreatedAtMs
      : watchStartedAtMs;
  const elapsed = (nowMs - origin) / 1000;
  return Number.isFinite(elapsed) && elapsed > 0 ? elapsed : 0;
}

function clampWait(seconds: number, { minSeconds, maxSeconds }: PollPolicyConfig): number {
  const whole = Number.isNaN(seconds) ? minSeconds : Math.floor(Math.min(seconds, maxSeconds));
  return Math.max(minSeconds, whole);
}

/**
 * Decides the wait before the next poll of a run that is not final, from what this poll saw and
 * the memo the previous decision returned (null on the first poll of a watch).
 */
export function decideNextPoll(
  observation: PollObservation,
  memo: PollMemo | null,
  config: PollPolicyConfig = DEFAULT_POLL_POLICY,
): PollDecision {
  const policy = config === DEFAULT_POLL_POLICY ? config : validatePollPolicyConfig(config);
  const { minSeconds, backoffFactor } = policy;
  const elapsed = elapsedSeconds(observation);
  const lagBound = clampWait(policy.lagFraction * elapsed, policy);
  const previousWait = memo?.waitSeconds ?? minSeconds / backoffFactor;
  const backOff = (from: number) => Math.min(lagBound, clampWait(from * backoffFactor, policy));

  const sample = progressOf(observation);
  if (sample === null) {
    const waitSeconds = backOff(previousWait);
    // Progress from before the gap stays: the rate holds across a blip without counts.
    const kept = { sample: null, rate: null, latestRowsPerSecond: null, movedAtMs: null, ...memo };
    return {
      waitSeconds,
      reason: 'no-signal',
      memo: { ...kept, quietPolls: (memo?.quietPolls ?? 0) + 1, waitSeconds },
    };
  }

  const previous = memo?.sample ?? null;
  // A new scope (the total changed), counts or a clock going backwards: measure afresh.
  const comparable =
    previous !== null &&
    previous.total === sample.total &&
    previous.compared <= sample.compared &&
    previous.atMs < sample.atMs;
  const moved = comparable && sample.compared > previous.compared;
  let rate = comparable ? (memo?.rate ?? null) : null;
  let movedAtMs = comparable ? (memo?.movedAtMs ?? sample.atMs) : sample.atMs;
  let latest = comparable ? (memo?.latestRowsPerSecond ?? null) : null;
  if (moved) {
    const interval = { rows: sample.compared - previous.compared, ms: sample.atMs - previous.atMs };
    // Rows that resumed after a pause moved during part of the interval only, so its rate reads
    // too low; the rate from before the pause describes the run better.
    const resumed = movedAtMs < previous.atMs;
    const slowerThanBefore = rate !== null && interval.rows * rate.ms <= rate.rows * interval.ms;
    if (!(resumed && slowerThanBefore)) {
      rate = {
        rows: (rate?.rows ?? 0) * RATE_DECAY + interval.rows,
        ms: (rate?.ms ?? 0) * RATE_DECAY + interval.ms,
      };
    }
    if (!resumed) latest = (interval.rows * 1000) / interval.ms;
    movedAtMs = sample.atMs;
  }

  const decide = (waitSeconds: number, reason: PollReason): PollDecision => {
    const quiet = reason === 'stalled' || reason === 'finishing';
    return {
      waitSeconds,
      reason,
      memo: {
        sample,
        rate,
        latestRowsPerSecond: latest,
        movedAtMs,
        quietPolls: quiet ? (memo?.quietPolls ?? 0) + 1 : 0,
        waitSeconds,
      },
    };
  };

  const towardFinish = (targetSeconds: number): PollDecision =>
    targetSeconds <= lagBound
      ? decide(clampWait(targetSeconds, policy), 'eta')
      : decide(lagBound, 'lag-bound');

  const remaining = sample.total - sample.compared;
  if (remaining <= 0) {
    // The final status usually follows the last row within seconds: start short, then back off.
    const justCompleted = previous === null || previous.compared < previous.total;
    return decide(backOff(justCompleted ? minSeconds / backoffFactor : previousWait), 'finishing');
  }
  const sinceMovedSeconds = (sample.atMs - movedAtMs) / 1000;
  if (!moved && sinceMovedSeconds >= policy.stallAfterSeconds) {
    return decide(backOff(previousWait), 'stalled');
  }
  if (rate === null || rate.rows <= 0 || rate.ms <= 0) {
    // No rate measured yet (e.g. a watch that joins a run already under way). The run cannot have
    // compared its rows more slowly than since it began, which bounds how far off the finish is.
    if (sample.compared <= 0 || elapsed <= 0) return decide(lagBound, 'lag-bound');
    return towardFinish(((remaining * elapsed) / sample.compared) * policy.etaLead);
  }

  // Measured from the last time rows moved: a poll that saw no movement has used up part of it.
  // The faster of the two: an interval in which a pause began drags the decayed rate down for a
  // while, and a rate that reads too high costs a poll where one too low costs lag.
  const rowsPerSecond = Math.max((rate.rows * 1000) / rate.ms, latest ?? 0);
  const etaSeconds = remaining / rowsPerSecond - (moved ? 0 : sinceMovedSeconds);
  if (etaSeconds <= 0) {
    // Rows are behind the estimate: the rate no longer describes the run.
    return decide(backOff(previousWait), 'stalled');
  }
  const landing = etaSeconds <= Math.max(2 * minSeconds, LANDING_FRACTION * elapsed);
  const target = landing ? Math.ceil(etaSeconds) + LANDING_MARGIN_SECONDS : etaSeconds * policy.etaLead;
  return towardFinish(target);
}
