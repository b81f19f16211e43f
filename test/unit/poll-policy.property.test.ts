import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_POLL_POLICY,
  decideNextPoll,
  type PollDecision,
  type PollMemo,
  type PollObservation,
  type PollPolicyConfig,
} from '../../functions/core/poll-policy';

const CREATED_AT = Date.parse('2026-05-08T08:35:40Z');
const HOUR = 3600;
const DAY = 24 * HOUR;

/** What NineData answers `t` seconds after the run's creation. */
type RunAt = (t: number) => Pick<PollObservation, 'status' | 'compared' | 'total'>;

interface Poll {
  t: number;
  observation: PollObservation;
  decision: PollDecision | null;
}

/**
 * Watches a simulated run from `startT` seconds after its creation: polls, asks the policy, jumps
 * ahead by its wait (the memo going through JSON, as in the workflow state) until a final status
 * or `maxPolls`. No real time passes.
 */
function watch(
  run: RunAt,
  options: { startT?: number; maxPolls?: number; config?: PollPolicyConfig } = {},
): Poll[] {
  const { startT = 3, maxPolls = 100_000, config = DEFAULT_POLL_POLICY } = options;
  const polls: Poll[] = [];
  let memo: PollMemo | null = null;
  for (let t = startT; polls.length < maxPolls; ) {
    const observation: PollObservation = {
      nowMs: CREATED_AT + t * 1000,
      watchStartedAtMs: CREATED_AT + startT * 1000,
      runCreatedAtMs: CREATED_AT,
      ...run(t),
    };
    if (['success', 'failed', 'stopped'].includes(observation.status)) {
      polls.push({ t, observation, decision: null });
      break;
    }
    const decision = decideNextPoll(observation, memo, config);
    polls.push({ t, observation, decision });
    memo = JSON.parse(JSON.stringify(decision.memo)) as PollMemo;
    t += decision.waitSeconds;
  }
  return polls;
}

/** A run that starts for `starting` s, then compares `total` rows at a steady rate for `comparing` s. */
function steadyRun(starting: number, comparing: number, total: number): RunAt {
  return (t) => {
    if (t < starting) return { status: 'starting', compared: 0, total: 0 };
    if (t >= starting + comparing) return { status: 'success', compared: total, total };
    return { status: 'running', compared: Math.floor((total * (t - starting)) / comparing), total };
  };
}

/** The same run with its rows standing still for `pause` s from `pauseAt` s after creation. */
function pausedRun(
  starting: number,
  comparing: number,
  total: number,
  pauseAt: number,
  pause: number,
): RunAt {
  const steady = steadyRun(starting, comparing, total);
  return (t) => (t < pauseAt ? steady(t) : t < pauseAt + pause ? steady(pauseAt) : steady(t - pause));
}

/** The wait the lag bound allows at an observation, by the rule the policy documents. */
function lagBoundOf(observation: PollObservation, config: PollPolicyConfig): number {
  const { nowMs, runCreatedAtMs, watchStartedAtMs } = observation;
  const origin = runCreatedAtMs !== null && runCreatedAtMs <= nowMs ? runCreatedAtMs : watchStartedAtMs;
  const elapsed = Math.max(0, (nowMs - origin) / 1000);
  return Math.min(config.maxSeconds, Math.max(config.minSeconds, config.lagFraction * elapsed));
}

const configArb: fc.Arbitrary<PollPolicyConfig> = fc
  .record({
    minSeconds: fc.integer({ min: 1, max: 60 }),
    extraSeconds: fc.integer({ min: 0, max: 3 * HOUR }),
    lagFraction: fc.double({ min: 0.01, max: 1, noNaN: true }),
    backoffFactor: fc.double({ min: 1, max: 4, noNaN: true }),
    stallAfterSeconds: fc.integer({ min: 0, max: 600 }),
    etaLead: fc.double({ min: 0.1, max: 1, noNaN: true }),
  })
  .map(({ extraSeconds, ...config }) => ({ ...config, maxSeconds: config.minSeconds + extraSeconds }));

const countArb = fc.oneof(
  fc.constant(null),
  fc.integer({ min: 0, max: 1_000_000 }),
  fc.double({ min: -1e12, max: 1e12 }),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, 0),
);

/** Anything a poll might see, in order: times move forward, backward or stand still. */
const observationsArb = fc.array(
  fc.record({
    stepSeconds: fc.oneof(
      fc.integer({ min: 0, max: 400 }),
      fc.double({ min: -600, max: 10 * DAY, noNaN: true }),
    ),
    status: fc.constantFrom('starting', 'running', 'running', 'running', 'Running', 'prechecking', ''),
    compared: countArb,
    total: countArb,
  }),
  { minLength: 1, maxLength: 40 },
);

const creationArb = fc.oneof(fc.constant(null), fc.integer({ min: -DAY, max: DAY }));

describe('decideNextPoll, for any sequence of observations', () => {
  it('returns a whole number of seconds within [minSeconds, maxSeconds] and within the lag bound', () => {
    fc.assert(
      fc.property(configArb, creationArb, observationsArb, (config, creationOffset, steps) => {
        let memo: PollMemo | null = null;
        let t = 0;
        for (const { stepSeconds, ...fields } of steps) {
          t += stepSeconds;
          const observation: PollObservation = {
            nowMs: CREATED_AT + t * 1000,
            watchStartedAtMs: CREATED_AT,
            runCreatedAtMs: creationOffset === null ? null : CREATED_AT + creationOffset * 1000,
            ...fields,
          };
          const { waitSeconds, memo: next } = decideNextPoll(observation, memo, config);
          expect(Number.isInteger(waitSeconds)).toBe(true);
          expect(waitSeconds).toBeGreaterThanOrEqual(config.minSeconds);
          expect(waitSeconds).toBeLessThanOrEqual(config.maxSeconds);
          expect(waitSeconds).toBeLessThanOrEqual(lagBoundOf(observation, config));
          memo = next;
        }
      }),
    );
  });

  it('returns a memo that JSON carries unchanged', () => {
    fc.assert(
      fc.property(configArb, observationsArb, (config, steps) => {
        let memo: PollMemo | null = null;
        let t = 0;
        for (const { stepSeconds, ...fields } of steps) {
          t += Math.abs(stepSeconds);
          const observation = {
            nowMs: CREATED_AT + t * 1000,
            watchStartedAtMs: CREATED_AT,
            runCreatedAtMs: CREATED_AT,
          };
          memo = decideNextPoll({ ...observation, ...fields }, memo, config).memo;
          expect(JSON.parse(JSON.stringify(memo))).toEqual(memo);
        }
      }),
    );
  });
});

describe('decideNextPoll without a progress signal', () => {
  it('never shortens the wait, and multiplies it by backoffFactor until a bound stops it', () => {
    fc.assert(
      fc.property(
        configArb,
        fc.integer({ min: 0, max: 2 * DAY }),
        fc.constantFrom<Pick<PollObservation, 'status' | 'compared' | 'total'>>(
          { status: 'starting', compared: 0, total: 0 },
          { status: 'starting', compared: null, total: null },
          { status: 'Running', compared: 5, total: 10 },
          { status: 'running', compared: null, total: null },
        ),
        (config, startT, quiet) => {
          const polls = watch(() => quiet, { startT, maxPolls: 60, config });
          for (let i = 1; i < polls.length; i += 1) {
            const before = (polls[i - 1] as Poll).decision as PollDecision;
            const { decision, observation } = polls[i] as Poll;
            const after = decision as PollDecision;
            expect(after.reason).toBe('no-signal');
            expect(after.waitSeconds).toBeGreaterThanOrEqual(before.waitSeconds);
            const grown = Math.floor(before.waitSeconds * config.backoffFactor);
            const cap = Math.floor(lagBoundOf(observation, config));
            expect(after.waitSeconds).toBe(
              Math.max(config.minSeconds, Math.min(grown, cap, config.maxSeconds)),
            );
          }
        },
      ),
    );
  });
});

/**
 * Runs that compare rows for 30 s to 3 days at 10 to 1,000,000 rows/s, after a `starting` phase
 * of up to a quarter of that (so that the rate can be measured before the run ends).
 */
const steadyRunArb = fc
  .record({
    startingShare: fc.double({ min: 0, max: 0.25, noNaN: true }),
    comparing: fc.integer({ min: 30, max: 3 * DAY }),
    rowsPerSecond: fc.integer({ min: 10, max: 1_000_000 }),
  })
  .map(({ startingShare, ...run }) => ({
    ...run,
    starting: Math.round(Math.min(180, startingShare * run.comparing)),
  }));

describe('decideNextPoll on a run at a steady rate', () => {
  it('sees the finish within minSeconds + 1 s of it when the rate could be measured', () => {
    fc.assert(
      fc.property(steadyRunArb, ({ starting, comparing, rowsPerSecond }) => {
        const end = starting + comparing;
        const polls = watch(steadyRun(starting, comparing, rowsPerSecond * comparing));
        const last = polls.at(-1) as Poll;
        expect(last.observation.status).toBe('success');
        expect(last.t - end).toBeLessThanOrEqual(DEFAULT_POLL_POLICY.minSeconds + 1);
      }),
    );
  });

  it('never sleeps past the estimated finish by more than the landing margin', () => {
    fc.assert(
      fc.property(steadyRunArb, ({ starting, comparing, rowsPerSecond }) => {
        const end = starting + comparing;
        const polls = watch(steadyRun(starting, comparing, rowsPerSecond * comparing));
        const etaPolls = polls.filter((p) => p.decision?.reason === 'eta' && p.decision.memo.rate !== null);
        for (const { t, decision } of etaPolls) {
          // Never past the finish by more than the landing margin, unless the minimum wait forces it.
          const wait = (decision as PollDecision).waitSeconds;
          expect(wait).toBeLessThanOrEqual(Math.max(DEFAULT_POLL_POLICY.minSeconds, end + 3 - t));
        }
      }),
    );
  });
});

describe('decideNextPoll on a run that stalls', () => {
  const stallArb = fc.record({
    comparing: fc.integer({ min: 2 * HOUR, max: 2 * DAY }),
    rowsPerSecond: fc.integer({ min: 10, max: 100_000 }),
    pauseAtShare: fc.double({ min: 0.1, max: 0.8, noNaN: true }),
    pause: fc.integer({ min: 10 * 60, max: 6 * HOUR }),
  });

  it('backs off while the rows stand still, never shortening the wait', () => {
    fc.assert(
      fc.property(stallArb, ({ comparing, rowsPerSecond, pauseAtShare, pause }) => {
        const pauseAt = 60 + comparing * pauseAtShare;
        const polls = watch(pausedRun(60, comparing, rowsPerSecond * comparing, pauseAt, pause));
        const stallEnd = pauseAt + pause;
        const stalled = polls.filter((p) => p.t >= pauseAt + 2 * DEFAULT_POLL_POLICY.stallAfterSeconds + 300);
        const during = stalled.filter((p) => p.t < stallEnd);
        for (const poll of during) expect(poll.decision?.reason).toBe('stalled');
        const waits = during.map((p) => (p.decision as PollDecision).waitSeconds);
        for (let i = 1; i < waits.length; i += 1) {
          expect(waits[i]).toBeGreaterThanOrEqual(waits[i - 1] as number);
        }
      }),
    );
  });

  it('goes back to sleeping toward the finish once the rows move again', () => {
    fc.assert(
      fc.property(stallArb, ({ comparing, rowsPerSecond, pauseAtShare, pause }) => {
        const pauseAt = 60 + comparing * pauseAtShare;
        const end = 60 + comparing + pause;
        const polls = watch(pausedRun(60, comparing, rowsPerSecond * comparing, pauseAt, pause));
        const resumed = polls.filter((p) => p.t > pauseAt + pause && p.decision !== null);
        for (const { decision } of resumed) expect(['eta', 'lag-bound']).toContain(decision?.reason);
        // Back-off alone would land anywhere within its last wait; the rate lands just past the end.
        expect((polls.at(-1) as Poll).t - end).toBeLessThanOrEqual(DEFAULT_POLL_POLICY.minSeconds + 1);
      }),
    );
  });
});
