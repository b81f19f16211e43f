import { describe, expect, it } from 'vitest';
import {
  DEFAULT_POLL_POLICY,
  decideNextPoll,
  type PollMemo,
  type PollObservation,
  validatePollPolicyConfig,
} from '../../functions/core/poll-policy';

const CREATED_AT = Date.parse('2026-05-08T08:35:40Z');
const SECOND = 1000;

/** An observation `elapsed` seconds after the run's creation; the watch began 3 s after it. */
function seen(elapsed: number, fields: Partial<PollObservation> = {}): PollObservation {
  return {
    nowMs: CREATED_AT + elapsed * SECOND,
    watchStartedAtMs: CREATED_AT + 3 * SECOND,
    runCreatedAtMs: CREATED_AT,
    status: 'running',
    compared: 0,
    total: 1_000_000,
    ...fields,
  };
}

/** A memo as the previous poll would have left it after seeing `compared` rows at `elapsed`. */
function memoAfter(elapsed: number, compared: number, fields: Partial<PollMemo> = {}): PollMemo {
  return {
    sample: { atMs: CREATED_AT + elapsed * SECOND, compared, total: 1_000_000 },
    rate: null,
    latestRowsPerSecond: null,
    movedAtMs: CREATED_AT + elapsed * SECOND,
    quietPolls: 0,
    waitSeconds: 60,
    ...fields,
  };
}

describe('validatePollPolicyConfig', () => {
  it('fills the fields left out with the defaults', () => {
    expect(validatePollPolicyConfig({ maxSeconds: 600 })).toEqual({
      ...DEFAULT_POLL_POLICY,
      maxSeconds: 600,
    });
  });

  it('keeps the defaults at 5 s and 300 s', () => {
    expect(validatePollPolicyConfig({})).toMatchObject({ minSeconds: 5, maxSeconds: 300 });
  });

  it.each([
    [{ minSeconds: 0 }, 'minSeconds'],
    [{ minSeconds: 2.5 }, 'minSeconds'],
    [{ minSeconds: '5' }, 'minSeconds'],
    [{ minSeconds: Number.NaN }, 'minSeconds'],
    [{ minSeconds: 60, maxSeconds: 30 }, 'maxSeconds'],
    [{ maxSeconds: 90.5 }, 'maxSeconds'],
    [{ maxSeconds: 400 * 24 * 3600 }, 'maxSeconds'],
    [{ lagFraction: 0 }, 'lagFraction'],
    [{ lagFraction: 1.5 }, 'lagFraction'],
    [{ backoffFactor: 0.5 }, 'backoffFactor'],
    [{ stallAfterSeconds: -1 }, 'stallAfterSeconds'],
    [{ etaLead: 0 }, 'etaLead'],
    [{ etaLead: Number.POSITIVE_INFINITY }, 'etaLead'],
  ])('rejects %j, naming %s', (config, field) => {
    expect(() => validatePollPolicyConfig(config)).toThrow(new RegExp(`^Invalid poll policy: ${field} `));
  });

  it.each([null, 'fast', [5, 300]])('rejects %j as not an object', (config) => {
    expect(() => validatePollPolicyConfig(config)).toThrow(/^Invalid poll policy: config must be an object/);
  });

  it('is applied by decideNextPoll to a configuration other than the default', () => {
    expect(() => decideNextPoll(seen(10), null, { ...DEFAULT_POLL_POLICY, maxSeconds: 1 })).toThrow(
      /maxSeconds/,
    );
  });
});

describe('decideNextPoll without a progress signal', () => {
  it.each([
    ['the run is starting', { status: 'starting', compared: 0, total: 0 }],
    ['the status is unknown', { status: 'Running', compared: 10, total: 100 }],
    ['the counts are missing', { status: 'running', compared: null, total: null }],
    ['only the total is missing', { status: 'running', compared: 10, total: null }],
    ['there is nothing to compare', { status: 'running', compared: 0, total: 0 }],
  ])('waits the minimum on the first poll when %s', (_, fields) => {
    const decision = decideNextPoll(seen(5, fields), null);

    expect(decision).toMatchObject({ waitSeconds: 5, reason: 'no-signal' });
    expect(decision.memo.quietPolls).toBe(1);
  });

  it('doubles the previous wait when the lag bound allows it', () => {
    const memo = memoAfter(3000, 500_000, { waitSeconds: 40, quietPolls: 3 });

    const decision = decideNextPoll(seen(3040, { status: 'starting', compared: null, total: null }), memo);

    expect(decision).toMatchObject({ waitSeconds: 80, reason: 'no-signal' });
    expect(decision.memo.quietPolls).toBe(4);
  });

  it('keeps the last progress sample and rate across the gap', () => {
    const memo = memoAfter(600, 400_000, { rate: { rows: 10_000, ms: 10_000 } });

    const decision = decideNextPoll(seen(660, { status: 'abnormal', compared: null, total: null }), memo);

    expect(decision.memo).toMatchObject({ sample: memo.sample, rate: memo.rate, movedAtMs: memo.movedAtMs });
  });
});

describe('decideNextPoll lag bound', () => {
  it.each([
    ['from the run creation', 1000, CREATED_AT, 250],
    ['from the watch start when the creation time is unknown', 1000, null, 249],
    ['from the watch start when the creation time lies in the future', 1000, CREATED_AT + 5000 * SECOND, 249],
    ['never below the minimum', 8, CREATED_AT, 5],
    ['never above the maximum', 86_400, CREATED_AT, 300],
  ])('measures the elapsed time %s', (_, elapsed, runCreatedAtMs, expected) => {
    // Rows move so slowly that the estimated finish lies far beyond any bound.
    const memo = memoAfter(elapsed - 60, 1000, { rate: { rows: 1, ms: 60_000 } });

    const decision = decideNextPoll(seen(elapsed, { compared: 1001, runCreatedAtMs }), memo);

    expect(decision).toMatchObject({ waitSeconds: expected, reason: 'lag-bound' });
  });

  it('waits the lag bound on the first sight of progress, with no rate yet', () => {
    const decision = decideNextPoll(seen(400, { compared: 10_000 }), null);

    expect(decision).toMatchObject({ waitSeconds: 100, reason: 'lag-bound' });
  });
});

describe('decideNextPoll toward the estimated finish', () => {
  it('sleeps most of the way while the finish is far', () => {
    // 1,000 rows/s, 200,000 rows left: the finish is 200 s away, the lag bound 500 s (capped at 300).
    const memo = memoAfter(1990, 790_000);

    const decision = decideNextPoll(seen(2000, { compared: 800_000 }), memo);

    expect(decision).toMatchObject({ waitSeconds: 140, reason: 'eta' });
    expect(decision.memo.rate).toEqual({ rows: 10_000, ms: 10_000 });
  });

  it('sleeps just past the finish once it is close', () => {
    // 1,000 rows/s, 50,000 rows left: 50 s, within 5 % of the 2,000 s the run has taken.
    const memo = memoAfter(1990, 940_000);

    const decision = decideNextPoll(seen(2000, { compared: 950_000 }), memo);

    expect(decision).toMatchObject({ waitSeconds: 52, reason: 'eta' });
  });

  it('counts the time since the rows last moved against the estimate', () => {
    const memo = memoAfter(1990, 950_000, {
      rate: { rows: 10_000, ms: 10_000 },
      movedAtMs: CREATED_AT + 1970 * SECOND,
    });

    const decision = decideNextPoll(seen(2000, { compared: 950_000 }), memo);

    expect(decision).toMatchObject({ waitSeconds: 22, reason: 'eta' });
  });

  it('backs off when the rows fall behind the estimate', () => {
    const memo = memoAfter(1990, 990_000, {
      rate: { rows: 10_000, ms: 10_000 },
      movedAtMs: CREATED_AT + 1970 * SECOND,
      waitSeconds: 12,
    });

    const decision = decideNextPoll(seen(2000, { compared: 990_000 }), memo);

    expect(decision).toMatchObject({ waitSeconds: 24, reason: 'stalled' });
  });

  it('weighs the latest moving interval more than the older ones', () => {
    const memo = memoAfter(1990, 900_000, { rate: { rows: 20_000, ms: 10_000 } });

    const decision = decideNextPoll(seen(2000, { compared: 910_000 }), memo);

    expect(decision.memo.rate).toEqual({ rows: 20_000, ms: 15_000 });
  });

  it.each([
    ['the total changes', { compared: 950_000, total: 2_000_000 }],
    ['the compared rows go backwards', { compared: 100_000 }],
  ])('measures the rate afresh when %s', (_, fields) => {
    const memo = memoAfter(1990, 940_000, { rate: { rows: 10_000, ms: 10_000 } });

    const decision = decideNextPoll(seen(2000, fields), memo);

    expect(decision).toMatchObject({ waitSeconds: 300, reason: 'lag-bound' });
    expect(decision.memo.rate).toBeNull();
  });
});

describe('decideNextPoll when every row is compared', () => {
  it('polls again after the minimum when the last row was just compared', () => {
    const memo = memoAfter(1990, 990_000, { waitSeconds: 12 });

    expect(decideNextPoll(seen(2000, { compared: 1_000_000 }), memo)).toMatchObject({
      waitSeconds: 5,
      reason: 'finishing',
    });
  });

  it('backs off while the final status is late', () => {
    const memo = memoAfter(1995, 1_000_000, { waitSeconds: 5, quietPolls: 1 });

    expect(decideNextPoll(seen(2000, { compared: 1_000_000 }), memo)).toMatchObject({
      waitSeconds: 10,
      reason: 'finishing',
    });
  });
});

describe('decideNextPoll stalls', () => {
  it('backs off once the rows have not moved for stallAfterSeconds', () => {
    const memo = memoAfter(1940, 500_000, { rate: { rows: 10_000, ms: 10_000 }, waitSeconds: 60 });

    expect(decideNextPoll(seen(2000, { compared: 500_000 }), memo)).toMatchObject({
      waitSeconds: 120,
      reason: 'stalled',
    });
  });

  it('keeps estimating while the rows paused for less than stallAfterSeconds', () => {
    const memo = memoAfter(1990, 500_000, { rate: { rows: 10_000, ms: 10_000 }, waitSeconds: 10 });

    expect(decideNextPoll(seen(2000, { compared: 500_000 }), memo).reason).toBe('lag-bound');
  });
});

describe('decideNextPoll memo', () => {
  it('survives a JSON round trip unchanged and stays small', () => {
    const first = decideNextPoll(seen(100, { compared: 10_000 }), null);
    const second = decideNextPoll(seen(125, { compared: 20_000 }), first.memo);

    const json = JSON.stringify(second.memo);

    expect(JSON.parse(json)).toEqual(second.memo);
    expect(json.length).toBeLessThan(300);
  });
});
